"""端末管理 › レポート: a customer's month, or every customer's (availability, alerts by type, mean time to resolve,
SLA compliance), also as CSV and PDF. Every figure is shown as the service wrote it (the report's `lines`), so the
page and the files agree to the last decimal."""

import plotly.graph_objects as go
import streamlit as st

from dashboards import auth, clock, fleet_api
from dashboards.app_pages.fleet import common as fleet_common
from dashboards.components import kpi, pickers
from dashboards.formats import month_label, recent_months

PAGE = "fleet_reports"
MONTHS_SHOWN = 12
FILE_FORMATS = {"csv": ("CSVダウンロード", "text/csv"), "pdf": ("PDFダウンロード", "application/pdf")}
RANGES = {"customer": "顧客別", "fleet": "全顧客"}
CARDS = ("availability", "terminals", "alerts", "resolved", "mttr", "sla")
SLA_HELP = (
    "SLA遵守率は、月内に検知したアラートのうち、障害対応フローの各ステップ（初動確認・リモート診断・顧客連絡・"
    "対応実施・完了報告）を目標時間内に終えたものの割合です。目標時間より前に解決したアラートでは、"
    "残りのステップは不要として数えます。"
)


def report_customer(user: dict) -> int | None:
    """A user limited to one customer reports on that customer; others pick one of those a report can be made for
    (the route viewers may call too: they may not list the customer register)."""
    scope = auth.tenant_scope(user, fleet_common.DOMAIN)
    if scope is None:
        names = {customer["id"]: customer["company_name"] for customer in fleet_api.report_customers()}
        return pickers.record_picker(
            "顧客", names, f"{PAGE}_customer", default=next(iter(names), None), placeholder="顧客がありません"
        )
    return int(scope) if scope.isdigit() else None


def fleet_wide(user: dict) -> bool:
    """Whether the report covers every customer: a choice for those who see more than one customer."""
    if auth.tenant_scope(user, fleet_common.DOMAIN) is not None:
        return False
    chosen = st.radio("範囲", list(RANGES), format_func=RANGES.get, horizontal=True, key=f"{PAGE}_range")
    return chosen == "fleet"


def alerts_chart(report: dict) -> go.Figure:
    types = report["alerts_by_type"]
    figure = go.Figure(
        go.Bar(
            x=[t["label"] for t in types],
            y=[t["count"] for t in types],
            marker_color="#1f5fa8",
            text=[t["count"] for t in types],
            textposition="outside",
            hovertemplate="%{x}: %{y}件<extra></extra>",
        )
    )
    top = max([t["count"] for t in types] + [1])
    figure.update_layout(
        title={"text": "アラート種別ごとの件数", "font": {"size": 14}},
        height=320,
        margin={"l": 0, "r": 0, "t": 40, "b": 0},
        yaxis={"title": "件数", "range": [0, top * 1.2], "dtick": 1 if top < 5 else None},
    )
    return figure


def card(report: dict, line: dict) -> None:
    """A line of the report as a card over the report's month; 端末数 is a named figure, opening its terminals."""
    figure = next((figure for figure in report["figures"] if figure["label"] == line["label"]), None)
    if figure is None:
        kpi.kpi_card(line["label"], line["value"])
        kpi.period_caption(report["period_label"])
    else:
        kpi.figure_card(figure)


def show(report: dict) -> None:
    lines = {line["key"]: line for line in report["lines"]}
    title = fleet_api.vocabulary()["report_title"]
    whom = report["company_name"] + (f"（{lines['customers']['value']}）" if "customers" in lines else "")
    st.subheader(f"{title}: {whom} {month_label(report['month'])}")
    st.caption(report["as_of_label"])
    for column, key in zip(st.columns(len(CARDS)), CARDS, strict=True):
        with column:
            card(report, lines[key])
    st.caption("稼働率は、月内の端末の稼働時間のうちオフラインのアラートが開いていなかった時間の割合です。")
    st.caption(f"{SLA_HELP}（{lines['sla_met']['label']}: {lines['sla_met']['value']}）")
    st.plotly_chart(alerts_chart(report), key=f"{PAGE}_alerts_chart", config={"displayModeBar": False})


def downloads(customer_id: int | None, month: str) -> None:
    whom = "all" if customer_id is None else customer_id
    with st.container(horizontal=True):
        for file_format, (label, mime) in FILE_FORMATS.items():
            st.download_button(
                label,
                fleet_api.report_file(customer_id, month, file_format),
                mime=mime,
                file_name=f"fleet-report-{whom}-{month}.{file_format}",
                key=f"{PAGE}_{file_format}",
                icon=":material/download:",
                on_click="ignore",
            )


user = auth.require_page(__file__)
st.title("レポート")
months = recent_months(clock.today(), MONTHS_SHOWN)
whole_fleet = fleet_wide(user)
picker = st.columns(2)
with picker[0]:
    customer_id = None if whole_fleet else report_customer(user)
with picker[1]:
    month = st.selectbox("対象月", months, index=1, format_func=month_label, key=f"{PAGE}_month")
if customer_id is None and not whole_fleet:
    st.info("レポートを表示できる顧客がありません。")
else:
    show(fleet_api.monthly_report(customer_id, month))
    downloads(customer_id, month)
