"""Numbers and times as people read them: phone numbers as dialled in Japan, money in 万円 on cards and chart axes,
every date as YYYY/MM/DD (times as loaners.md §7 writes them), in tables and in every date field; every time field
24-hour."""

import ast
import inspect
from datetime import date
from pathlib import Path

import plotly.graph_objects as go
import pytest
import streamlit as st

from dashboards import formats
from dashboards.components import timestamps

PAGES = Path(__file__).resolve().parents[2] / "dashboards"


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("+819012345678", "090-1234-5678"),
        ("+81312345678", "03-1234-5678"),
        ("+81662345678", "06-6234-5678"),
        ("+81120123456", "0120-123-456"),
        ("03-1234-5678", "03-1234-5678"),  # typed and kept as typed (a CRM corporation's number)
        ("+813000000001", "03000000001"),  # no known area: its digits at home, which read back as the same number
        ("090-0000-0000", "090-0000-0000"),  # no known area, typed at home: as typed
        ("+14155550123", "+1 415-555-0123"),  # abroad: with its country code
        ("内線12", "内線12"),  # no phone number: as it is
        ("", ""),
        (None, ""),
    ],
)
def test_phone_numbers_read_as_dialled(stored, shown):
    assert formats.phone(stored) == shown


def test_money_on_cards_is_in_man_yen():
    assert formats.man_yen(1_234_567) == "123.5万円"
    assert formats.man_yen(12_345_678_900) == "1,234,567.9万円"
    assert formats.man_yen(None) == "-"
    assert (formats.man_yen_change(54_000), formats.man_yen_change(-5_000)) == ("+5.4万円", "-0.5万円")


def test_a_money_axis_plots_man_yen_with_the_exact_sum_on_hover():
    figure = go.Figure(
        go.Scatter(
            x=["2026-01"],
            y=formats.in_man_yen([1_250_000]),
            customdata=[1_250_000],
            hovertemplate=formats.money_hover("売上"),
        )
    )
    axis = formats.money_axis(figure, "売上").layout.yaxis

    assert (axis.title.text, axis.tickformat) == ("売上（万円）", ",.1~f")
    assert figure.data[0].y == (125.0,)
    assert "%{y:,.1f}万円（%{customdata:,}円）" in figure.data[0].hovertemplate


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("2026-11-23T22:04:56+00:00", "2026/11/24 07:04:56"),  # the API's UTC in Japan time, as loaners.md §7 writes it
        ("2026-11-24T07:04:56+09:00", "2026/11/24 07:04:56"),
        (None, ""),
    ],
)
def test_a_timestamp_is_written_yyyy_mm_dd_hh_mm_ss_in_japan(stored, shown):
    assert timestamps.local_time(stored) == shown


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("2026-11-24", "2026/11/24"),  # an API date
        (date(2026, 11, 24), "2026/11/24"),
        ("2026-11-23T22:04:56+00:00", "2026/11/24"),  # a timestamp's day in Japan
        (None, ""),
        ("", ""),
    ],
)
def test_a_date_is_written_yyyy_mm_dd(stored, shown):
    assert formats.day(stored) == shown


def formats_given(widget: str) -> list[tuple[str, str]]:
    """Every st.<widget>'s format on the pages (st.date_input, st.time_input): (where, its source), Streamlit's
    default written as 'default'."""
    found = []
    for path in PAGES.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == widget:
                given = [ast.unparse(k.value) for k in node.keywords if k.arg == "format"]
                found.append((f"{path.name}:{node.lineno}", given[0] if given else "default"))
    return found


@pytest.mark.parametrize(
    ("widget", "fixed", "named"),
    [
        ("date_input", formats.DATE_INPUT, "formats.DATE_INPUT"),  # drawn 年/月/日 while empty (assets/streamlit_ja.js)
        ("time_input", formats.TIME_INPUT, "formats.TIME_INPUT"),  # 24-hour: no AM/PM
    ],
)
def test_every_date_field_reads_yyyy_mm_dd_and_every_time_field_24_hours(widget, fixed, named):
    assert inspect.signature(getattr(st, widget)).parameters["format"].default == fixed
    fields = formats_given(widget)
    assert fields, f"no st.{widget} found"
    assert [field for field in fields if field[1] not in ("default", named)] == []
