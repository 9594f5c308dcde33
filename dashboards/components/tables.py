"""Lists: paginated_table pages any list endpoint that answers {items, total} on the server; record_table opens a record
on a click on its row."""

import hashlib
import math
from collections.abc import Callable, Hashable, Mapping, Sequence
from itertools import chain
from typing import Any, Literal

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from dashboards import sections
from dashboards.components.exports import CSV_HELP, csv_link
from dashboards.components.pickers import choose, chosen

PAGE_SIZES = (25, 50, 100)
DEFAULT_PAGE_SIZE = 50
NO_ROWS = "該当するデータはありません。"

# The class a paged list's table is drawn in (st-key-<key>-paged-list): streamlit_ja.css takes its toolbar's search
# and CSV download off, which would see only the rows shown
PAGED_LIST = "paged-list"


def record_table(
    key: str,
    frame: pd.DataFrame | Styler,
    items: Sequence[dict],
    *,
    picker: str | None = None,
    open_record: Callable[[dict], None] | None = None,
    id_field: str = "id",
    column_config: Mapping[str, Any] | None = None,
    rows_chosen: str | None = None,
    height: int | Literal["auto"] = "auto",
) -> None:
    """A table of records (frame's rows are the items') where a click on a row (any cell, or its box) opens its record.

    picker names the record_picker (its key) that keeps the list's open record, so the keyboard has the same way in:
    a click chooses the row's record there (by its `id_field`), and the record chosen there is the row shown
    selected. open_record(item) then runs with the clicked row's API item, e.g. st.switch_page to the record's own
    page. Both run as the click's callback, before the page's next run, so they hold for the whole page.

    rows_chosen makes the rows' boxes a multi-row selection for bulk work (a click on a cell still opens the record):
    the chosen ids are kept under that session-state key (chosen_rows() reads them), so they hold across pages,
    filters and writes, and a row chosen before never stands for another record.

    Streamlit keeps a table's selection by row position, so the table is keyed by the ids it shows, the open record,
    the chosen rows and the clicks so far: other rows (another page, other filters, a write that moved a row) make a
    new table, and only a click opens a record. Session-state keys start with `key`.
    """
    ids = [item[id_field] for item in items]
    opened = chosen(picker) if picker else None
    clicks = f"{key}_clicks"
    ticked = [i for i in ids if i in chosen_rows(rows_chosen)] if rows_chosen else []
    table = f"{key}_rows_{_digest([*ids, opened, st.session_state.get(clicks, 0), *ticked])}"
    mode: Literal["multi-row", "single-row", "single-row-required"] = "multi-row"
    if rows_chosen:
        selected = [ids.index(i) for i in ticked]
    else:
        selected = [ids.index(opened)] if opened in ids else []
        mode = "single-row-required" if selected else "single-row"

    def open_clicked() -> None:
        selection = st.session_state[table].selection
        if rows_chosen:
            _keep_chosen(rows_chosen, ids, selection.rows)
        item = _clicked_item(selection, items, boxes_open=not rows_chosen)
        if item is None:
            return
        st.session_state[clicks] = st.session_state.get(clicks, 0) + 1
        if picker:
            choose(picker, item[id_field])
        if open_record:
            open_record(item)

    st.dataframe(
        frame,
        hide_index=True,
        column_config=column_config,
        key=table,
        height=height,
        on_select=open_clicked,
        selection_mode=[mode, "single-cell"],
        selection_default={"selection": {"rows": selected}},
    )


def chosen_rows(key: str) -> list:
    """The ids chosen with a table's row boxes (record_table's rows_chosen), in the order they were chosen."""
    return list(st.session_state.get(key, []))


def clear_chosen_rows(key: str) -> None:
    st.session_state[key] = []


def _keep_chosen(key: str, shown: list, rows: list[int]) -> None:
    """The shown rows' boxes decide for the shown ids; ids chosen on other pages stay chosen."""
    ticked = [shown[row] for row in rows]
    st.session_state[key] = [i for i in chosen_rows(key) if i not in shown or i in ticked] + [
        i for i in ticked if i not in chosen_rows(key)
    ]


def on_page(page: str, *, id_field: str = "id") -> Callable[[dict], None]:
    """An open_record that opens the clicked record on its own page (?id=…), e.g. app_pages/fleet/terminal.py?id=12.

    The page goes to st.switch_page as the navigation's own Page (same file and address), not as a path: a path is
    looked up among the pages the current run registered, and a click's callback runs before the run registers any
    where a session does not keep them from its last run (AppTest)."""
    _, spec = sections.find_page(page)
    target = st.Page(spec.path, title=spec.title, url_path=spec.url_path)
    return lambda item: st.switch_page(target, query_params={"id": str(item[id_field])})


def _clicked_item(selection: Any, items: Sequence[dict], *, boxes_open: bool = True) -> dict | None:
    """The item of the row just clicked: its cell, else its box unless the boxes choose rows for bulk work (a table is
    drawn anew after each click, so nothing else is selected but the open record's row). Positions are those of the
    rows the table showed."""
    rows = [row for row, _ in selection.cells] or (selection.rows if boxes_open else [])
    return items[rows[0]] if rows else None


def _digest(values: Sequence[Hashable]) -> str:
    return hashlib.blake2b(repr(values).encode(), digest_size=8).hexdigest()


def _pager_key(key: str, signature: Hashable, *, restart: bool = False) -> str:
    """The page widget's key: a fresh one, back on page 1, whenever the filters or the page size change."""
    if restart or st.session_state.get(f"{key}_signature") != signature:
        st.session_state[f"{key}_signature"] = signature
        st.session_state[f"{key}_generation"] = st.session_state.get(f"{key}_generation", 0) + 1
    return f"{key}_page_{st.session_state[f'{key}_generation']}"


def table_frame(rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Built column by column: the same frame as pandas makes from the rows as records, in less of the page's time."""
    columns = dict.fromkeys(chain.from_iterable(rows))
    return pd.DataFrame({column: [row.get(column) for row in rows] for column in columns})


def paginated_table(
    key: str,
    fetch: Callable[..., dict],
    to_row: Callable[[dict], dict],
    *,
    filters: dict[str, Any] | None = None,
    export: str | None = None,
    page_size: int | None = None,
    style: Callable[[pd.DataFrame], Styler] | None = None,
    note: str = "",
    table: Callable[[pd.DataFrame | Styler, list[dict]], None] | None = None,
    picker: str | None = None,
    open_record: Callable[[dict], None] | None = None,
    id_field: str = "id",
    rows_chosen: str | None = None,
    column_config: Mapping[str, Any] | None = None,
    tall: bool = False,
) -> dict:
    """fetch(page=, page_size=, **filters) returns {items, total, ...}: the total comes from the API, so nothing
    downloads a whole table to count it; a change of filters goes back to page 1. Session-state keys start with `key`.

    - page_size fixes the size (else the person picks 25/50/100).
    - export: the list's GET …/export route, given the same filters (None: no CSV).
    - style turns the shown frame into a Styler; note follows the count.
    - table draws the frame instead of a plain st.dataframe (e.g. with rows to select).
    - picker, open_record, rows_chosen, column_config: see record_table.
    - tall shows up to TALL_ROWS rows without the table's own scrolling (a work list)."""
    filters = filters or {}
    size = page_size or st.session_state.setdefault(f"{key}_page_size", DEFAULT_PAGE_SIZE)
    signature = (tuple(sorted(filters.items())), size)
    pager = _pager_key(key, signature)
    current = st.session_state.get(pager, 1)
    result = fetch(page=current, page_size=size, **filters)
    pages = max(1, math.ceil(result["total"] / size))
    if current > pages:
        pager, current = _pager_key(key, signature, restart=True), pages
        result = fetch(page=current, page_size=size, **filters)
    rows = [to_row(item) for item in result["items"]]
    if not rows:
        st.info(NO_ROWS)
        return result
    first = (current - 1) * size + 1
    st.caption(f"全{result['total']:,}件中 {first:,}〜{first + len(rows) - 1:,}件目{note}")
    frame = table_frame(rows)
    shown = style(frame) if style else frame
    with st.container(key=f"{key}-{PAGED_LIST}"):  # no toolbar search or CSV of the rows shown (streamlit_ja.css)
        if table:
            table(shown, result["items"])
        elif picker or open_record or rows_chosen:
            record_table(
                key,
                shown,
                result["items"],
                picker=picker,
                open_record=open_record,
                id_field=id_field,
                column_config=column_config,
                rows_chosen=rows_chosen,
                height=table_height(len(rows)) if tall else "auto",
            )
        else:
            st.dataframe(shown, hide_index=True, column_config=column_config)
    controls = st.columns([3, 1, 1], vertical_alignment="bottom")
    with controls[0]:
        st.pagination(pages, default=current, key=pager)
    if page_size is None:
        with controls[1]:
            st.selectbox("表示件数", PAGE_SIZES, key=f"{key}_page_size")
    if export:
        with controls[2]:
            csv_link(f"{key}_csv", export, filters, help=CSV_HELP.format(total=result["total"]))
    return result


# A tall table (a work list such as アラート一覧) shows this many rows before it scrolls: at 1440×900 the list is
# read at a glance, not ten rows at a time. Streamlit draws rows 35 px high under a 38 px header.
TALL_ROWS = 20


def table_height(rows: int) -> int:
    """The height in pixels that shows this many rows (up to TALL_ROWS) without the table's own scroll bar."""
    return 38 + 35 * min(rows, TALL_ROWS) + 2
