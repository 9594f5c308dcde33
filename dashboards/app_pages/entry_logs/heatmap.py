"""入退管理 › 混雑時間帯: arrivals and departures by weekday and hour (Japan time), counted by the API."""

from datetime import date, timedelta

import plotly.graph_objects as go
import streamlit as st

from dashboards import auth, clock, entry_logs_api
from dashboards.app_pages.entry_logs import common
from dashboards.components import kpi

PAGE = "entry_logs_heatmap"
WEEKDAYS = ("月", "火", "水", "木", "金", "土", "日")
KINDS = common.DIRECTIONS
FIGURES = {"Entry": "entries", "Exit": "exits"}  # each kind's named figure (service/entry_logs/figures.py)
DEFAULT_DAYS = 28
# The hours always shown (a nursery's day); hours outside them appear when they have scans.
FIRST_HOUR, LAST_HOUR = 7, 19


def hours_shown(cells: list[dict]) -> list[int]:
    hours = [cell["hour"] for cell in cells]
    return list(range(min([FIRST_HOUR, *hours]), max([LAST_HOUR, *hours]) + 1))


def heat_figure(heat: dict, entry_type: str, hours: list[int], words: str) -> go.Figure:
    """A weekday x hour grid of one kind of scan, white (none) to the kind's colour (most)."""
    counts = {(cell["weekday"], cell["hour"]): cell["count"] for cell in heat["cells"]}
    z = [[counts.get((weekday, hour), 0) for hour in hours] for weekday in range(len(WEEKDAYS))]
    figure = go.Figure(
        go.Heatmap(
            z=z,
            x=[f"{hour}時" for hour in hours],
            y=list(WEEKDAYS),
            xgap=2,
            ygap=2,
            zmin=0,
            colorscale=[[0, "#ffffff"], [1, common.COLOURS[entry_type]]],
            colorbar={"title": {"text": "件"}},
            hovertemplate="%{y}曜 %{x}台: %{z}件<extra></extra>",
        )
    )
    figure.update_layout(
        title={
            "text": f"{common.ARROWS[entry_type]} {KINDS[entry_type]}（{heat['total']:,}件・{words}）",
            "font": {"size": 15},
        },
        height=330,
        margin={"l": 0, "r": 0, "t": 40, "b": 0},
        yaxis={"autorange": "reversed"},
    )
    return figure


def peak(heat: dict) -> str:
    """The busiest weekday and hour, e.g. 月曜 8時台（12件）."""
    if not heat["cells"]:
        return "-"
    top = max(heat["cells"], key=lambda cell: cell["count"])
    return f"{WEEKDAYS[top['weekday']]}曜 {top['hour']}時台（{top['count']:,}件）"


def period() -> tuple[date, date] | None:
    today = clock.today()
    columns = st.columns([1, 1, 2])
    start = columns[0].date_input("期間（開始）", value=today - timedelta(days=DEFAULT_DAYS - 1), key=f"{PAGE}_from")
    end = columns[1].date_input("期間（終了）", value=today, key=f"{PAGE}_to")
    if start is None or end is None or start > end:
        st.error("期間の開始と終了を、開始が終了より前になるように指定してください。")
        return None
    return start, end


def show(nursery_id: int, start: date, end: date) -> None:
    period_filter = {"from": start.isoformat(), "to": end.isoformat()}
    figures = entry_logs_api.figures(nursery_id, **period_filter)
    words = figures["entries"]["period_label"]
    heats = {kind: entry_logs_api.heatmap(nursery_id, **period_filter, entryType=kind) for kind in KINDS}
    cards = st.columns(len(KINDS))
    for column, (kind, heat) in zip(cards, heats.items(), strict=True):
        with column:
            kpi.figure_card(figures[FIGURES[kind]])
            st.caption(f"ピーク: {peak(heat)}")
    kpi.figures_stamp(list(figures.values()))
    hours = hours_shown([cell for heat in heats.values() for cell in heat["cells"]])
    for kind, heat in heats.items():
        st.plotly_chart(heat_figure(heat, kind, hours, words), key=f"{PAGE}_{kind}", config={"displayModeBar": False})
    st.caption(f"曜日・時刻は日本時間（{heats['Entry']['timezone']}）。削除したログは数えません。")


user = auth.require_page(__file__)
st.title("混雑時間帯")
nursery = common.nursery_choice(user, PAGE)
if nursery is not None and (chosen := period()) is not None:
    show(nursery["id"], *chosen)
