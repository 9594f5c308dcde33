"""How the dashboards write numbers and dates people read, so every page says them the same way: phone numbers in
national format (the API stores E.164; a number abroad keeps its country code), money in 万円 (cards and chart axes) or
in yen, dates as YYYY/MM/DD in every domain (as the 代替機 spec writes them, loaners.md §7), in Japan time.

DATE_INPUT is the format of every st.date_input and TIME_INPUT of every st.time_input (Streamlit's own defaults: the
date's year, month and day in that order, drawn 年/月/日 while empty by assets/streamlit_ja.js; the time 24-hour,
with no AM/PM); tests/dashboards/test_formats.py holds every page to them."""

import unicodedata
from collections.abc import Iterable
from datetime import date, datetime

import plotly.graph_objects as go

from clientkit.phones import as_dialled
from dashboards import clock

MAN = 10_000
MAN_YEN = "万円"
NO_AMOUNT = "-"
DATE = "%Y/%m/%d"
DATE_TIME = f"{DATE} %H:%M:%S"  # 代替機 (loaners.md §7): yyyy/MM/dd HH:mm:ss
DATE_INPUT = "YYYY/MM/DD"
TIME_INPUT = "24h"


def phone(value: str | None) -> str:
    """A phone number as people dial it (clientkit/phones.py, the rule the service's files follow too)."""
    return as_dialled(value)


def day(value: str | date | None) -> str:
    """A date as YYYY/MM/DD: an API date ("2026-11-24"), a date, or an API timestamp's day in Japan time; nothing
    for none."""
    if not value:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    if isinstance(value, datetime):
        value = value.astimezone(clock.JAPAN_TIME)
    return value.strftime(DATE)


def man_yen(amount: int | float | None) -> str:
    """A sum in 万円 to one decimal, e.g. 1,234,567 -> 123.5万円."""
    return NO_AMOUNT if amount is None else f"{amount / MAN:,.1f}{MAN_YEN}"


def man_yen_change(change: int | float | None) -> str:
    """A change of a sum in 万円 with its sign, e.g. +12.3万円 / -0.5万円."""
    return NO_AMOUNT if change is None else f"{change / MAN:+,.1f}{MAN_YEN}"


def in_man_yen(amounts: Iterable[int | float | None]) -> list[float | None]:
    return [None if amount is None else amount / MAN for amount in amounts]


def money_axis(figure: go.Figure, title: str) -> go.Figure:
    """The figure's y axis in 万円: its title says so (e.g. 売上（万円）) and its ticks have thousands separators."""
    figure.update_yaxes(title_text=f"{title}（{MAN_YEN}）", tickformat=",.1~f", rangemode="tozero")
    return figure


def money_hover(title: str) -> str:
    """The hover text of a point on a 万円 axis, with the exact sum (customdata) beside it."""
    return f"%{{x}}<br>{title}: %{{y:,.1f}}{MAN_YEN}（%{{customdata:,}}円）<extra></extra>"


def nfkc(text: str) -> str:
    """As the API reads codes and phones before its rules (service/schemas.py)."""
    return unicodedata.normalize("NFKC", text)


def recent_months(today: date, count: int) -> list[str]:
    """This month and the ones before it, newest first, as YYYY-MM (a month picker's choices)."""
    months, year, month = [], today.year, today.month
    for _ in range(count):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return months


def month_label(month: str) -> str:
    """YYYY-MM in words: 2026年1月."""
    year, number = month.split("-")
    return f"{year}年{int(number)}月"
