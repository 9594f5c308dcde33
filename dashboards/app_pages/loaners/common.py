"""What the 代替機 pages share: roles, the 管轄 and location pickers, the form's visibility rules (§2.3.4).

What any page could use (act, times, badges, the paged table) is in dashboards/components/.
"""

import re
from collections.abc import Callable, Mapping

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from dashboards import auth, fields, labels, loaners_api
from dashboards.components import badges

DOMAIN = "loaners"
DEVICE_PAGE = "app_pages/loaners/device.py"
BULK_PAGE = "app_pages/loaners/bulk.py"
FORM_PAGE = "app_pages/loaners/status_form.py"
VIEW_PAGES = {
    "NORMAL": "app_pages/loaners/devices.py",
    "AUDIT": "app_pages/loaners/audit.py",
    "SUMMARY": "app_pages/loaners/summary.py",
}
VALUE_PREFIX = re.compile(r"^\s*(\d{1,3})\.")
# A status's colour by its number (the spec reads statuses by it): 0-4.ステータス 1 lent out (in use), 2 back and
# still to be checked and wiped, 3 kept in-house (ready), 4 disposed; 預かり機のステータス as SUMMARY's cards colour
# them (success, warning, danger, info).
DEVICE_STATUS_COLOURS = {"1": "blue", "2": "orange", "3": "green", "4": "gray"}
HELD_STATUS_COLOURS = {"1": "green", "2": "orange", "3": "red", "4": "blue"}
AUDIT_STATUS_COLUMN = "ステータス"
# The one search box of NORMAL and AUDIT: what it finds a device by.
SEARCH_PLACEHOLDER = "拠点管理番号・資産管理番号・製造番号・機種名・貸出先・担当者・備考などの一部"


def headers(table: str) -> dict[str, str]:
    return fields.headers(DOMAIN, f"loaners_{table}")


def view_header(data_type_id: str) -> None:
    """The view's title (its データタイプ名) and links to the other active views in 表示順序 (§2.3.3), the view shown
    named in bold in its place (a greyed-out link of the page itself is too faint to read: 2.3:1)."""
    views = [view for view in loaners_api.active_data_types() if view["id"] in VIEW_PAGES]
    current = next((view for view in views if view["id"] == data_type_id), None)
    st.title(current["name"] if current else data_type_id)
    columns = st.columns(max(len(views), 1))
    for column, view in zip(columns, views, strict=False):
        with column:
            if view["id"] == data_type_id:
                st.markdown(f"**{view['name']}**")
            else:
                st.page_link(VIEW_PAGES[view["id"]], label=view["name"])
    if current is None:
        st.info("このデータタイプは無効です。")
        st.stop()


def jurisdiction_select(user: dict, key: str) -> str:
    """The 管轄 filter; a user whose grant names one 管轄 sees only that one (and no choice)."""
    scope = auth.tenant_scope(user, DOMAIN)
    if scope:
        st.caption(f"管轄: {labels.plain(scope)}")
        return scope
    options = ["", *loaners_api.jurisdictions()]
    label = fields.field("loaners", "loaners_location", "jurisdiction").label
    return st.selectbox(label, options, key=key, format_func=lambda j: j or labels.ALL_LABEL)


def location_select(label: str, key: str, *, jurisdiction: str = "", include_all: bool = True) -> str:
    """A location picker within the 管轄 (the caller's scope applies on the API); returns the 拠点ID or ''."""
    places = {loc["id"]: f"{loc['name']}（{loc['id']}）" for loc in loaners_api.locations(jurisdiction=jurisdiction)}
    options = ["", *places] if include_all else list(places)
    return st.selectbox(label, options, key=key, format_func=lambda i: places.get(i, labels.ALL_LABEL)) or ""


def status_choices() -> list[str]:
    """The 0-4.ステータス choices of the terminal form (every form shares them)."""
    form = loaners_api.form("terminal")
    return next(q["choices"] for q in form["questions"] if q["key"] == form["status_key"])


def value_prefix(value: str | None) -> str | None:
    """ "1.貸出中" -> "1"."""
    match = VALUE_PREFIX.match(value or "")
    return match.group(1) if match else None


def colour_by_prefix(colours: Mapping[str, str]) -> Callable[[str | None], str | None]:
    """A cell's colour by its value's number ("1.貸出中" -> colours["1"]); None for a value without one."""

    def colour(value: str | None) -> str | None:
        prefix = value_prefix(value)
        return None if prefix is None else colours.get(prefix)

    return colour


def shown(question: dict, form: dict, answers: dict) -> bool:
    """The API's rule: a numbered question shows under its status; an N-X-* one only when N-0 starts with X."""
    prefix = question["status_prefix"]
    if prefix is None:
        return True
    if value_prefix(answers.get(form["status_key"])) != prefix:
        return False
    nested = question["nested_prefix"]
    return nested is None or value_prefix(answers.get(form["nested_keys"].get(prefix))) == nested


def condition_met(question: dict, answers: dict) -> bool:
    return all(answers.get(key) == value for key, value in question["condition"].items())


def device_link(device_id: int, number: str) -> None:
    st.page_link(
        DEVICE_PAGE,
        label="機器詳細を開く",
        help=number,
        icon=":material/open_in_new:",
        query_params={"id": str(device_id)},
    )


def form_link(device_id: int, number: str) -> None:
    st.page_link(
        FORM_PAGE,
        label="ステータスを送信する",
        help=number,
        icon=":material/edit_note:",
        query_params={"device": str(device_id)},
    )


def status_style(frame: pd.DataFrame) -> Styler:
    """A device table's 0-4.ステータス (AUDIT: ステータス) and 預かり機のステータス cells in colour, by number."""
    vocabulary = loaners_api.vocabulary()
    styled = frame.style
    for column in (vocabulary["status_key"], AUDIT_STATUS_COLUMN):
        styled = badges.status_cells(styled, column, colour_by_prefix(DEVICE_STATUS_COLOURS))
    return badges.status_cells(styled, vocabulary["held_key"], colour_by_prefix(HELD_STATUS_COLOURS))


def held_label(held_status: str | None) -> str:
    return loaners_api.vocabulary()["held_statuses"].get(held_status or "", held_status or "")
