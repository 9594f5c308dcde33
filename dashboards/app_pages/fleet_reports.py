"""端末管理 › レポート: a customer's month (availability, alerts by type, mean time to resolve), also as CSV and PDF."""

from datetime import date

import plotly.graph_objects as go
import streamlit as st

from dashboards import auth, components, fleet_api
from dashboards.app_pages import fleet_common

PAGE = "fleet_reports"
MONTHS_SHOWN = 12
FILE_FORMATS = {"csv": ("CSVダウンロード", "text/csv"), "pdf": ("PDFダウンロード", "application/pdf")}


def recent_months(today: date, count: int = MONTHS_SHOWN) -> list[str]:
    """This month and the ones before it, newest first, as YYYY-MM."""
    months, year, month = [], today.year, today.month
    for _ in range(count):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return months


def month_label(month: str) -> str:
    year, number = month.split("-")
    return f"{year}年{int(number)}月"


def report_customer(user: dict) -> int | None:
    """A user limited to one customer reports on that customer; others pick one of those a report can be made for
    (the route viewers may call too: they may not list the customer register)."""
    scope = auth.tenant_scope(user, fleet_common.DOMAIN)
    if scope is None:
        names = {customer["id"]: customer["company_name"] for customer in fleet_api.report_customers()}
        return components.record_picker(
            "顧客", names, f"{PAGE}_customer", default=next(iter(names), None), placeholder="顧客がありません"
        )
    return int(scope) if scope.isdigit() else None


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


def show(report: dict) -> None:
    names = fleet_api.words("report_labels")
    title = fleet_api.vocabulary()["report_title"]
    st.subheader(f"{title}: {report['company_name']} {month_label(report['month'])}")
    mttr = report["mean_time_to_resolve_minutes"]
    cards = (
        (names["availability"], f"{report['availability_pct']:.2f}%"),
        (names["terminals"], f"{report['terminals']:,}台"),
        (names["alerts"], f"{report['alerts_total']:,}件"),
        ("解決件数", f"{report['resolved']:,}件"),
        (names["mttr"], "-" if mttr is None else f"{mttr:,.1f}{names['minutes']}"),
    )
    for column, (label, value) in zip(st.columns(len(cards)), cards, strict=True):
        with column:
            components.kpi_card(label, value)
    st.caption("稼働率は、月内の端末の稼働時間のうちオフラインのアラートが開いていなかった時間の割合です。")
    st.plotly_chart(alerts_chart(report), key=f"{PAGE}_alerts_chart", config={"displayModeBar": False})


def downloads(customer_id: int, month: str) -> None:
    with st.container(horizontal=True):
        for file_format, (label, mime) in FILE_FORMATS.items():
            st.download_button(
                label,
                fleet_api.report_file(customer_id, month, file_format),
                mime=mime,
                file_name=f"fleet-report-{customer_id}-{month}.{file_format}",
                key=f"{PAGE}_{file_format}",
                icon=":material/download:",
                on_click="ignore",
            )


user = auth.require_page(__file__)
st.title("レポート")
months = recent_months(components.local_today())
picker = st.columns(2)
with picker[0]:
    customer_id = report_customer(user)
with picker[1]:
    month = st.selectbox("対象月", months, index=1, format_func=month_label, key=f"{PAGE}_month")
if customer_id is None:
    st.info("レポートを表示できる顧客がありません。")
else:
    show(fleet_api.monthly_report(customer_id, month))
    downloads(customer_id, month)
