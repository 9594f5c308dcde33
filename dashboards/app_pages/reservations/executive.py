"""予約 › 経営ダッシュボード (§4.2.2): monthly reservations and revenue, service-type share and the partner-shop ranking
from the nightly summary, and the monthly and weekly PDF reports."""

from datetime import date, timedelta

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboards import auth, clock, formats, reservations_api
from dashboards.app_pages.reservations import common
from dashboards.components import kpi

PAGE = "reservations_executive"
MONTH_CHOICES = (6, 12, 24, 36)
CHART_MARGIN = {"l": 0, "r": 0, "t": 10, "b": 0}


def rate_change(current: float | None, previous: float | None) -> str:
    """The change of a rate in points, or a dash when either side has nothing to count."""
    if current is None or previous is None:
        return "-"
    return f"{current - previous:+.1f}ポイント"


def count_change(current: int, previous: int) -> str:
    return f"{current - previous:+,}"


def money_change(current: int, previous: int) -> str:
    return formats.man_yen_change(current - previous)


# A fall that is the good news (cancellations): its change shows green.
FALL_IS_GOOD = {"reservations.cancelled"}


def cards(so_far: dict) -> None:
    """This month so far (the named figures, service/reservations/reports/figures.py), each with its change against the
    same days of the previous month, and the cancellation rate they make."""
    compared = f"今月1日〜{so_far['days']}日と前月1日〜{so_far['previous_days']}日（同じ期間）の比較です。"
    shown = so_far["figures"]
    kpi.figures_stamp(shown)
    columns = st.columns(len(shown) + 1)
    for column, figure in zip(columns, shown, strict=False):
        before = so_far["previous"][figure["key"]]
        change = money_change if figure["unit"] == "yen" else count_change
        with column:
            kpi.figure_card(
                figure,
                delta=f"{change(figure['value'], before)}（前月同期比）",
                delta_color="inverse" if figure["key"] in FALL_IS_GOOD else "normal",
                help=compared,
            )
    with columns[-1]:
        kpi.kpi_card(
            "キャンセル率",
            common.percent(so_far["cancel_pct"]),
            delta=f"{rate_change(so_far['cancel_pct'], so_far['previous_cancel_pct'])}（前月同期比）",
            delta_color="inverse",
            help="キャンセル件数 ÷ 予約件数。" + compared,
        )
        st.caption(f"期間: {shown[0]['period_label']}")


def monthly_chart(months: list[dict]) -> go.Figure:
    labels = [m["month"] for m in months]
    figure = go.Figure()
    figure.add_bar(x=labels, y=[m["reservations"] for m in months], name="予約件数", marker_color="#90caf9")
    figure.add_bar(x=labels, y=[m["confirmed"] for m in months], name="確定件数", marker_color="#1565c0")
    figure.update_layout(
        height=300,
        margin=CHART_MARGIN,
        barmode="group",
        xaxis={"type": "category"},
        legend={"orientation": "h", "y": -0.2},
    )
    return figure


def revenue_chart(months: list[dict]) -> go.Figure:
    revenue = [m["revenue"] for m in months]
    figure = go.Figure(
        go.Scatter(
            x=[m["month"] for m in months],
            y=formats.in_man_yen(revenue),
            customdata=revenue,
            mode="lines+markers",
            name="売上",
            line={"color": "#2e7d32"},
            hovertemplate=formats.money_hover("売上"),
        )
    )
    figure.update_layout(height=300, margin=CHART_MARGIN, xaxis={"type": "category"})
    return formats.money_axis(figure, "売上")


def share_chart(services: list[dict]) -> go.Figure:
    figure = go.Figure(
        go.Pie(labels=[s["name"] for s in services], values=[s["reservations"] for s in services], hole=0.4, sort=False)
    )
    figure.update_layout(height=320, margin=CHART_MARGIN)
    return figure


def ranking_chart(shops: list[dict]) -> go.Figure:
    ranked = list(reversed(shops))
    figure = go.Figure(
        go.Bar(
            x=[s["reservations"] for s in ranked],
            y=[s["name"] for s in ranked],
            orientation="h",
            marker_color="#ef6c00",
            text=[f"{s['reservations']:,}" for s in ranked],
        )
    )
    figure.update_layout(height=max(200, 36 * len(ranked)), margin=CHART_MARGIN)
    return figure


def chart(figure: go.Figure, name: str) -> None:
    st.plotly_chart(figure, key=f"{PAGE}_{name}", config={"displayModeBar": False})


def share_rows(rows: list[dict], name_column: str) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "順位": rank,
                name_column: row["name"],
                "予約件数": row["reservations"],
                "確定件数": row["confirmed"],
                "割合": common.percent(row["share_pct"]),
            }
            for rank, row in enumerate(rows, start=1)
        ]
    )


def report_download(months: list[dict]) -> None:
    st.subheader("月次レポート（PDF）")
    choices = [m["month"] for m in reversed(months)]
    left, right = st.columns([1, 2], vertical_alignment="bottom")
    with left:
        month = st.selectbox("対象月", choices, key=f"{PAGE}_report_month")
    with right:
        st.download_button(
            "PDFをダウンロード",
            reservations_api.executive_report(month),
            file_name=f"qrv-report-{month}.pdf",
            mime="application/pdf",
            key=f"{PAGE}_report",
            icon=":material/picture_as_pdf:",
        )


WEEKS_OFFERED = 8
LAST_WEEK = 1  # the picker's first choice: the newest whole week
RUNNING_WEEK = "（今週・途中まで）"


def weekly_download() -> None:
    """§6.2 週次レポート: a week's PDF, the newest week first (the one running is partial and says so); last week is
    chosen when the page opens."""
    st.subheader("週次レポート（PDF）")
    this_monday = clock.today() - timedelta(days=clock.today().weekday())
    mondays = [this_monday - timedelta(weeks=n) for n in range(WEEKS_OFFERED)]

    def week_words(day: date) -> str:
        return f"{day:%Y/%m/%d}〜{day + timedelta(days=6):%m/%d}" + (RUNNING_WEEK if day == this_monday else "")

    left, right = st.columns([1, 2], vertical_alignment="bottom")
    with left:
        monday = st.selectbox("対象週", mondays, index=LAST_WEEK, format_func=week_words, key=f"{PAGE}_weekly_week")
    with right:
        st.download_button(
            "PDFをダウンロード",
            reservations_api.weekly_report(monday.isoformat()),
            file_name=f"qrv-weekly-{monday}.pdf",
            mime="application/pdf",
            key=f"{PAGE}_weekly",
            icon=":material/picture_as_pdf:",
        )


auth.require_page(__file__)
st.title("経営ダッシュボード")
span = (
    st.segmented_control("期間", MONTH_CHOICES, default=12, format_func=lambda n: f"直近{n}か月", key=f"{PAGE}_months")
    or 12
)
summary = reservations_api.executive_summary(span)
months = summary["months"]
if not months:
    st.info("集計結果はまだありません（毎晩の集計後に表示されます）。")
    st.stop()
cards(summary["month_to_date"])
st.divider()
period = summary["months_label"]
kpi.computed_stamp(summary["computed_at"])
left, right = st.columns(2, gap="large")
with left:
    st.subheader(f"月間予約件数推移（{period}）")
    chart(monthly_chart(months), "monthly")
with right:
    st.subheader(f"月間売上推移（{period}）")
    chart(revenue_chart(months), "revenue")
left, right = st.columns(2, gap="large")
with left:
    st.subheader(f"サービスタイプ別予約割合（{period}）")
    if summary["services"]:
        chart(share_chart(summary["services"]), "services")
        st.dataframe(share_rows(summary["services"], "サービス"), hide_index=True)
with right:
    st.subheader(f"提携店別予約件数ランキング（{period}）")
    if summary["shops"]:
        chart(ranking_chart(summary["shops"]), "shops")
        st.dataframe(share_rows(summary["shops"], "提携店"), hide_index=True)
report_download(months)
weekly_download()
