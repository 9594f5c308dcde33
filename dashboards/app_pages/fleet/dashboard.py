"""端末管理 › ダッシュボード: the spec's §3.2 screen (totals, availability, alerts, customers), refreshed often."""

import pandas as pd
import streamlit as st

from clientkit import templates
from dashboards import auth, fleet_api
from dashboards.app_pages.fleet import common as fleet_common
from dashboards.components import badges, kpi, tables, timestamps

PAGE = "fleet_dashboard"
UNRESOLVED_BADGE = ":red-badge[:material/warning: 未解決]"
STATUS_BAR_COLOURS = {"online": "#2e7d32", "offline": "#c62828", "error": "#ef6c00", "maintenance": "#9e9e9e"}
# 顧客別状況 under 重要アラート, as §3.2 draws them, across the page: every column fits 1440 px.
CUSTOMER_WIDTHS = {
    "顧客名": 300,
    "端末数": 100,
    "オンライン": 110,
    "オフライン": 110,
    "エラー": 100,
    "メンテナンス中": 140,
}


def cards(data: dict) -> None:
    """The named figures (service/fleet/figures.py), each opening the list of its rows."""
    kpi.figures_stamp(data["figures"])
    for column, figure in zip(st.columns(len(data["figures"])), data["figures"], strict=True):
        with column:
            kpi.figure_card(figure)


def status_bar(data: dict) -> str:
    """One stacked bar: how many terminals are in each state, each state named with its count in the legend under
    the bar (a few terminals offline among thousands are a sliver of the bar, too narrow for words). Drawn in HTML:
    a chart library loaded for one bar cost the browser more than the rest of the page, on every sign-in of the
    fleet's staff, whose first page this is."""
    states = [
        (label, data[status], STATUS_BAR_COLOURS[status])
        for status, label in fleet_api.words("terminal_statuses").items()
    ]
    return templates.render(fleet_common.__name__, "status_bar.html", states=states)


def availability(data: dict) -> None:
    pct = data["availability_pct"]
    st.progress(min(max(pct, 0.0), 100.0) / 100, text=f"稼働率: {pct:.1f}%")
    st.caption("稼働率 = オンラインの端末 ÷ 監視対象の端末（メンテナンス中を除く）")
    if data["total"]:
        st.html(status_bar(data))


def critical_row(alert: dict) -> dict:
    """«ABC商事 - 新宿店: オフライン», or an incident's one row «東和モータース 13台オフライン»."""
    if alert["kind"] == "incident":
        what = f"{alert['company_name']} {alert['summary']}"
    else:
        what = f"{alert['company_name']} - {alert['store_name']}: {alert['summary']}"
    return {
        "重要アラート": what,
        "SLA": fleet_common.sla_text(alert),
        fleet_common.assignee_word(): alert["assignee_name"] or "未割り当て",
        "発生": timestamps.relative_time(alert["created_at"]),
    }


def open_critical(item: dict) -> None:
    """A click on a row: an incident opens on インシデント, an alert on アラート一覧."""
    page = fleet_common.INCIDENTS_PAGE if item["kind"] == "incident" else fleet_common.ALERTS_PAGE
    tables.on_page(page)(item)


def critical_alerts(data: dict) -> None:
    st.subheader("重要アラート")
    alerts = data["critical_alerts"]
    if not alerts:
        st.caption("未解決のアラートはありません。")
    else:
        st.markdown(f"{UNRESOLVED_BADGE} 重要度の高いものから、新しい順に表示しています。")
        frame = pd.DataFrame([critical_row(a) for a in alerts])
        tables.record_table(
            f"{PAGE}_critical",
            badges.status_cells(frame, "SLA", fleet_common.sla_colour),
            alerts,
            open_record=open_critical,
            column_config=fleet_common.fitted_columns(
                {"重要アラート": 460, "SLA": 200, fleet_common.assignee_word(): 140, "発生": 140}
            ),
        )
        st.caption("同じ顧客の多数の端末が同時に停止した障害は、インシデントとして1行にまとめています。")
    st.page_link(fleet_common.ALERTS_PAGE, label="アラート一覧を開く", icon=":material/arrow_forward:")
    st.page_link(fleet_common.INCIDENTS_PAGE, label="インシデントを開く", icon=":material/arrow_forward:")


def customer_table(data: dict) -> None:
    st.subheader("顧客別状況")
    if not data["customers"]:
        st.caption("端末が登録された顧客はまだありません。")
        return
    rows = [
        {
            "顧客名": c["company_name"],
            "端末数": c["terminals"],
            "オンライン": c["online"],
            "オフライン": c["offline"],
            "エラー": c["error"],
            "メンテナンス中": c["maintenance"],
        }
        for c in data["customers"]
    ]
    fleet_common.fitted_table(pd.DataFrame(rows), CUSTOMER_WIDTHS)


@st.fragment(run_every=fleet_common.REFRESH_SECONDS)
def panels() -> None:
    fleet_common.ingest_banner()
    data = fleet_api.dashboard()
    cards(data)
    availability(data)
    critical_alerts(data)
    customer_table(data)
    st.caption("この画面は1分ごとに自動で更新されます。")


auth.require_page(__file__)
st.title("ダッシュボード")
panels()
