"""予約 › 運営コンソール (§4.2.1): today's reservations by status, today's manual operations, this week's booking and
payment success rates, the weekly support inquiries and median first-response time (§7.3.1), the latest Slack
posts; refreshed every 5 minutes without reloading the page."""

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboards import auth, labels, reservations_api
from dashboards.app_pages.reservations import common
from dashboards.components import kpi, timestamps

PAGE = "reservations_console"
RATE_CHARTS = (
    ("booking_success_pct", "今週の予約成功率", "予約成功率", "#1565c0"),
    ("payment_success_pct", "今週の決済成功率", "決済成功率", "#2e7d32"),
    ("cancel_pct", "今週のキャンセル率", "キャンセル率", "#c62828"),
)


def today_cards(today: dict) -> None:
    columns = st.columns(4)
    cards = (
        ("今日の予約件数", today["reservations_total"], "今日受け付けた予約リクエスト"),
        ("今日のマニュアルオペ", today["operations_created"], "今日発生したマニュアルオペレーション"),
        ("未対応の手動対応", today["operations_open"], "未対応・対応中のマニュアルオペレーション（全期間）"),
        ("対応時間目標超過", today["operations_overdue"], "対応時間目標を過ぎた未解決の手動対応"),
    )
    for column, (label, value, help_text) in zip(columns, cards, strict=True):
        with column:
            kpi.kpi_card(label, f"{value:,}", help=help_text)


def status_table(today: dict) -> None:
    st.markdown("#### 今日の予約件数（ステータス別）")
    rows = [{"ステータス": row["label"], "件数": row["count"]} for row in today["reservations_by_status"]]
    st.dataframe(common.reservation_style(pd.DataFrame(rows), "ステータス"), hide_index=True, height="content")


def operations_table(today: dict) -> None:
    st.markdown("#### 今日のマニュアルオペレーション")
    kind = common.headers("manual_operation")["op_type"]
    rows = [{kind: row["label"], "件数": row["count"]} for row in today["operations_by_type"]]
    st.dataframe(pd.DataFrame(rows), hide_index=True, height="content")
    st.page_link("app_pages/reservations/queue.py", label="手動対応キューを開く", icon=":material/arrow_forward:")


def rate_chart(week: dict, field: str, name: str, colour: str) -> go.Figure:
    """One bar per day of the week: the day's success rate (no bar on a day with nothing to count)."""
    days = [f"{row['day'][5:7]}/{row['day'][8:]}" for row in week["days"]]
    values = [row[field] for row in week["days"]]
    figure = go.Figure(
        go.Bar(
            x=days,
            y=values,
            marker_color=colour,
            name=name,
            text=[common.percent(v) if v is not None else "" for v in values],
            textposition="outside",
            hovertemplate=f"%{{x}}<br>{name}: %{{y:.1f}}%<extra></extra>",
        )
    )
    figure.update_layout(
        height=280,
        margin={"l": 0, "r": 0, "t": 10, "b": 0},
        yaxis={"range": [0, 110], "ticksuffix": "%"},
        xaxis={"type": "category"},
    )
    return figure


def weekly_charts(week: dict) -> None:
    for column, (field, title, name, colour) in zip(st.columns(len(RATE_CHARTS)), RATE_CHARTS, strict=True):
        with column:
            st.markdown(f"#### {title}")
            st.caption(f"今週（月〜日）{week['start']}〜{week['end']}　週合計: {common.percent(week[field])}")
            st.plotly_chart(
                rate_chart(week, field, name, colour), key=f"{PAGE}_{field}", config={"displayModeBar": False}
            )


CHANNEL_LINES = {"email": "#c62828", "phone": "#6a1b9a"}  # one line per channel: each has its own target


def support_chart(kpis: dict) -> go.Figure:
    """§7.3.1 per week: inquiries (bars) and each channel's median first-response time in minutes (lines, right
    axis), as the support page's cards compute it."""
    weeks = [f"{row['start'][5:7]}/{row['start'][8:]}〜" for row in kpis["weeks"]]
    figure = go.Figure()
    figure.add_bar(
        x=weeks,
        y=[row["inquiries"] for row in kpis["weeks"]],
        name="問い合わせ件数",
        marker_color="#90caf9",
        hovertemplate="%{x}<br>問い合わせ件数: %{y}件<extra></extra>",
    )
    channels = common.field("support_inquiry", "channel").choices
    for channel, colour in CHANNEL_LINES.items():
        name = f"初回応答時間（{channels[channel]}・中央値・分）"
        figure.add_scatter(
            x=weeks,
            y=[row["median_first_response_minutes_by_channel"][channel] for row in kpis["weeks"]],
            name=name,
            yaxis="y2",
            mode="lines+markers",
            marker_color=colour,
            hovertemplate=f"%{{x}}<br>{name}: %{{y:.2f}}分<extra></extra>",
        )
    figure.update_layout(
        height=300,
        margin={"l": 0, "r": 0, "t": 10, "b": 0},
        xaxis={"type": "category"},
        yaxis={"title": "件数", "rangemode": "tozero"},
        yaxis2={"title": "分", "overlaying": "y", "side": "right", "rangemode": "tozero"},
        legend={"orientation": "h", "y": -0.2},
    )
    return figure


def support_panel(kpis: dict) -> None:
    st.markdown("#### サポート対応（週次）")
    this_week = kpis["weeks"][-1]
    st.caption(
        f"直近{len(kpis['weeks'])}週（月〜日、受付日時で集計）。初回応答時間目標: Email 2時間以内、電話 即時。"
        f"今週: {this_week['inquiries']}件（応答済み {this_week['responded']}件）"
    )
    st.plotly_chart(support_chart(kpis), key=f"{PAGE}_support", config={"displayModeBar": False})
    st.page_link("app_pages/reservations/support.py", label="問い合わせ対応を開く", icon=":material/arrow_forward:")


def notification_list() -> None:
    st.markdown("#### 直近のSlack通知（#qrv-alerts）")
    posts = reservations_api.notifications(limit=10)
    if not posts:
        st.caption("通知はまだありません。")
    for post in posts:
        when = f"{timestamps.local_time(post['created_at'])[5:16]}（{timestamps.relative_time(post['created_at'])}）"
        st.markdown(f"- **{post['kind_label']}** {labels.plain(post['message'])}　:gray[{when}]")


@st.fragment(run_every=common.REFRESH_SECONDS)
def panels() -> None:
    today = reservations_api.console_today()
    today_cards(today)
    left, right = st.columns(2, gap="large")
    with left:
        status_table(today)
    with right:
        operations_table(today)
    weekly_charts(reservations_api.weekly_kpis())
    support_panel(reservations_api.support_kpis())
    notification_list()
    st.caption(f"{today['day']} の集計です。この画面は5分ごとに自動で更新されます。")


auth.require_page(__file__)
st.title("運営コンソール")
panels()
