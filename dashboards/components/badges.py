"""Status colours, so a state reads the same in any font; never an emoji, which shows as an empty box where no emoji
font is installed."""

from collections.abc import Callable, Mapping
from typing import Any, Literal, TypeAlias

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

# What a colour says on every page: red needs action (failed, overdue), orange a warning (due soon), yellow what a
# spec paints yellow, green ok or done, blue in progress, gray inactive. Pages keep their kind's map (code -> colour).
BadgeColour: TypeAlias = Literal["red", "orange", "yellow", "blue", "green", "violet", "gray", "grey", "primary"]
STATUS_COLOURS: dict[str, BadgeColour] = {
    "sent": "green",
    "ok": "green",
    "online": "green",
    "active": "green",
    "pending": "blue",
    "sending": "orange",
    "warning": "orange",
    "failed": "red",
    "error": "red",
    "offline": "red",
    "withdrawn": "gray",
}


def status_badge(status: str, label: str | None = None, *, colours: Mapping[str, BadgeColour] = STATUS_COLOURS) -> None:
    """Grey for a status the colours do not name."""
    st.badge(label or status, color=colours.get(status, "gray"))


# Each colour as a table cell: a light background and a dark text of the same hue (readable, also when printed).
CELL_COLOURS = {
    "red": ("#ffd6d6", "#8a1c1c"),
    "orange": ("#ffe0b8", "#7a3e00"),
    "yellow": ("#fff3bf", "#6b5200"),
    "green": ("#d3f9d8", "#1e5e2b"),
    "blue": ("#d0e7ff", "#0b4a8b"),
    "gray": ("#e9ecef", "#495057"),
}
CellColours = Mapping[Any, str] | Callable[[Any], str | None]


def cell_style(colour: str | None) -> str:
    """The CSS of a table cell in a badge colour ("grey" is "gray"); '' for no colour."""
    shades = CELL_COLOURS.get("gray" if colour == "grey" else colour or "")
    return f"background-color: {shades[0]}; color: {shades[1]}; font-weight: 700" if shades else ""


def word_colours(words: Mapping[str, str], colours: Mapping[str, str]) -> dict[str, str]:
    """Colours by the word a table shows, from a vocabulary (code -> word) and a kind's colours (code -> colour)."""
    return {word: colours[code] for code, word in words.items() if code in colours}


def styled(frame: pd.DataFrame) -> Styler:
    """The frame to style (colour cells of): a Styler that gives only the cells it styles an id. Streamlit sends a
    styled table's every cell again as shown text, and with no id a plain cell's text is its value's (None empty,
    1.5 as 1.5), taken at a third less of the table's cost."""
    return Styler(frame, cell_ids=False)


def status_cells(table: pd.DataFrame | Styler, column: str, colours: CellColours) -> Styler:
    """`colours` maps a shown word to a colour (see word_colours), or is a function of the word; a word without a colour
    stays plain, a missing column is skipped. Chain calls for more columns."""
    styler = table if isinstance(table, Styler) else styled(table)
    if column not in styler.data.columns:
        return styler
    colour_of = colours.get if isinstance(colours, Mapping) else colours
    return styler.map(lambda word: cell_style(colour_of(word)), subset=[column])
