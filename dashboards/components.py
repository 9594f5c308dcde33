"""Shared pieces every page uses, so a domain's pages never write their own.

Display: kpi_card (its text wraps: kpi_style, called once per page run by streamlit_app.py), status_badge(status,
label, colours=...), code_select (a filter over known codes, すべて first),
record_picker (choose one record by id, whatever its shown label becomes after a write). Status colours: a badge for
one value, status_cells(table, column, colours) for a table's status column (the word on a coloured cell), so a state
reads the same in any font; never an emoji, which shows as an empty box where no emoji font is installed.
Times (the API speaks UTC, people read Japan time; the clock and the zone are clock.py's): local_time ->
"2026/01/05 09:30:00" (formats.DATE_TIME, as every date is written), local_datetime (for chart axes),
relative_time -> "10分前".
Writes: act(page_key, call, success, changed=..., form=...) runs one write and reruns with the success message
(show_flash(page_key) shows it at the top of the page), shows the API's refusal, or says 変更はありません。 when
nothing changed; a create form named by `form` starts empty again after its save (forms.py); confirm_then_act is
the same behind a tick box, for what cannot be undone. show_errors shows a form's own validation errors first;
api_error shows an ApiError (with the fields or CSV columns it names).
Lists: paginated_table(key, fetch, to_row, filters=..., export=...) pages any list endpoint that answers {items,
total} on the server, with a link to the whole filtered list's CSV (export: the list's GET …/export route; csv_link
for a page's own list); `style` colours the table (a pandas Styler), `page_size` fixes the size.
A list whose record opens below it or on its own page opens it on a click on its row: paginated_table(...,
picker=<the record_picker's key>, open_record=on_page("app_pages/x.py")), or record_table for a list of one call;
the picker stays the keyboard's way in, and both agree on the open record (kept by id: choose / chosen).
section_home is a section's 概要 page. shown_when_open(label, key=...) is an expander whose content is built only
while it is open (a list of twenty groups each with its table costs nothing for the groups left shut).
"""

import hashlib
import math
import re
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from itertools import chain
from pathlib import Path
from typing import Any, Literal, TypeAlias

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from dashboards import api, auth, clock, formats, forms, labels, sections

KPI_STYLE = Path(__file__).resolve().parent / "assets" / "kpi.css"
PAGE_SIZES = (25, 50, 100)
DEFAULT_PAGE_SIZE = 50
NO_ROWS = "該当するデータはありません。"
NO_CHANGES = "変更はありません。"
CSV_LABEL = "CSVダウンロード"
CSV_HELP = "条件に一致する全{total:,}件をダウンロードします"
# A list's downloads (the export's `format` and `encoding`): label, query, what the file is for (after the list's help)
DOWNLOADS: tuple[tuple[str, dict[str, str], str], ...] = (
    (
        CSV_LABEL,
        {},
        "CSV（UTF-8）。Excelで直接開くと長い番号（供給地点特定番号・法人番号など）や先頭の0が崩れます。"
        "Excelで使うときは「Excel（.xlsx）」をお使いください",
    ),
    ("Excel（.xlsx）", {"format": "xlsx"}, "Excelの形式。番号・電話番号は文字列、日時は日付、金額は数値のまま開けます"),
    (
        "CSV（Shift_JIS）",
        {"encoding": "shift_jis"},
        "古いExcelや基幹システム向けのShift_JISのCSV。Shift_JISにない文字（𠮷など）があるとダウンロードできません",
    ),
)
# The class a paged list's table is drawn in (st-key-<key>-paged-list): streamlit_ja.css takes its toolbar's search
# and CSV download off, which would see only the rows shown
PAGED_LIST = "paged-list"

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


def kpi_card(
    label: str,
    value: Any,
    *,
    help: str | None = None,
    delta: Any = None,
    delta_color: Literal["normal", "inverse", "off"] = "normal",
) -> None:
    """A number card; delta_color="inverse" shows a fall in green and a rise in red (for what is better lower).
    Its label, value and delta wrap rather than being cut short (kpi_style)."""
    st.metric(label, value, delta=delta, delta_color=delta_color, help=help, border=True)


# The page that shows a named figure's list (the figure's list route, service/figures.py): a card opens it with the
# figure's filter in its query (linked_filters reads it there).
LIST_PAGES = {
    "/fleet/terminals": "app_pages/fleet/terminals.py",
    "/fleet/alerts": "app_pages/fleet/alerts.py",
    "/reservations/reservations": "app_pages/reservations/detail.py",
    "/reservations/inquiries": "app_pages/reservations/support.py",
    "/crm/requests": "app_pages/crm/queue.py",
    "/crm/acquired": "app_pages/crm/acquired.py",
    "/crm/agencies": "app_pages/crm/agencies.py",
    "/crm/users": "app_pages/crm/users.py",
    "/loaners/views/returns": "app_pages/loaners/returns.py",
    "/entry-exit-logs": "app_pages/entry_logs/logs.py",
}
OPEN_LIST = "一覧を開く"


NO_BASIS = "—"  # a share or a median of no rows
UNIT_WORDS = {"days": "日", "minutes": "分"}


def figure_value(figure: Mapping[str, Any]) -> str:
    """A named figure's value as a card shows it: money in 万円, a count with separators and its counter word
    (「1,234台」), a share in %, days and minutes to one decimal, a 1–5 rating to two (a dash when it is taken over no
    rows)."""
    unit, value = figure["unit"], figure["value"]
    if figure.get("basis") == 0:
        return NO_BASIS
    if unit == "yen":
        return formats.man_yen(value)
    if unit == "percent":
        return f"{value * 100:.1f}%"
    if unit == "rating":
        return f"{value:.2f}"
    return f"{value:.1f}{UNIT_WORDS[unit]}" if unit in UNIT_WORDS else f"{value:,}{figure['counter']}"


def figure_card(
    figure: Mapping[str, Any],
    *,
    delta: Any = None,
    delta_color: Literal["normal", "inverse", "off"] = "normal",
    help: str = "",  # noqa: A002 - Streamlit's word
    label: str | None = None,
) -> None:
    """A named figure's card (service/figures.py): its label (or the same words dressed, e.g. a status badge), value
    with its counter word and what it counts (money's exact yen too), its period in words under it, and, where its
    rows are a list this user may open, a link to that list filtered to exactly them (its total is the card's
    number)."""
    exact = f"（{figure['value']:,}円）" if figure["unit"] == "yen" else ""
    basis = f"（対象 {figure['basis']:,}件）" if figure.get("basis") is not None else ""
    explained = figure["counts"] + exact + basis + help
    kpi_card(label or figure["label"], figure_value(figure), help=explained, delta=delta, delta_color=delta_color)
    period_caption(figure["period_label"])
    page = LIST_PAGES.get(figure["list_route"] or "")
    if page and auth.may_open(page):
        st.page_link(page, label=OPEN_LIST, icon=":material/list:", query_params=figure["list_query"])


def period_caption(words: str) -> None:
    """A card's or chart's period in words under it: 「期間: 2026年11月（25日まで）」."""
    st.caption(f"期間: {words}")


AS_OF_FORMAT = "%Y/%m/%d %H:%M 時点"  # the service's figures write their moment alike (service/figures.py)


def figures_stamp(figures: Sequence[Mapping[str, Any]]) -> None:
    """The moment a page's figures are as of: 「2026/11/25 14:03 時点」."""
    if figures:
        st.caption(figures[0]["as_of_label"])


def computed_stamp(computed_at: str | None, job: str = "毎晩の集計") -> None:
    """When a job computed the figures below (「集計日時: 2026/11/25 02:00 時点（毎晩の集計）」), or that it has
    not yet."""
    when = local_datetime(computed_at).strftime(AS_OF_FORMAT) if computed_at else "未集計"
    st.caption(f"集計日時: {when}（{job}）")


def linked_filters(page_key: str, widgets: Mapping[str, tuple[str, Callable[[str], Any]]]) -> dict[str, str]:
    """Set a list's filter widgets from the page's query (a figure card's link: ?overdue=true&open_only=true): each
    query parameter named in `widgets` (parameter -> (widget key, reading)) is set once per distinct query, so the
    person can change the filters afterwards. Returns the query just applied ({} when there is none, or it was)."""
    query = {name: st.query_params[name] for name in widgets if name in st.query_params}
    if not query or st.session_state.get(f"{page_key}_linked_query") == query:
        return {}
    st.session_state[f"{page_key}_linked_query"] = query
    for name, text in query.items():
        key, read = widgets[name]
        try:
            st.session_state[key] = read(text)
        except ValueError:
            continue  # an address edited by hand: that filter stays as it was
    return query


def day(text: str) -> date:
    """A query's date, as the API writes it (2026-11-25)."""
    return date.fromisoformat(text)


def flag(text: str) -> bool:
    """A query's boolean, as the API writes it (true / false)."""
    return text == "true"


def kpi_style() -> None:
    """The KPI cards' page-wide CSS (assets/kpi.css): their text wraps instead of ending in an ellipsis. Called once
    per page run by streamlit_app.py."""
    st.html(KPI_STYLE)


def status_badge(status: str, label: str | None = None, *, colours: Mapping[str, BadgeColour] = STATUS_COLOURS) -> None:
    """A badge coloured by status (by default green for done, blue/orange for in progress, red for failed); grey
    for a status the colours do not name."""
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
    """The table with each cell of `column` coloured as its word says: colours maps a shown word to a colour (see
    word_colours), or is a function of the word; a word without a colour stays plain, a missing column is skipped.
    Chain calls for more columns; hand the result to paginated_table's style or st.dataframe."""
    styler = table if isinstance(table, Styler) else styled(table)
    if column not in styler.data.columns:
        return styler
    colour_of = colours.get if isinstance(colours, Mapping) else colours
    return styler.map(lambda word: cell_style(colour_of(word)), subset=[column])


def local_datetime(value: str) -> datetime:
    """An API timestamp (UTC) as a datetime in Japan time, e.g. for chart axes or a custom format."""
    return datetime.fromisoformat(value).astimezone(clock.JAPAN_TIME)


def local_time(value: str | None) -> str:
    """An ISO timestamp from the API shown in Japan time, e.g. 2026/01/05 09:30:00 ([:16] without its seconds)."""
    return local_datetime(value).strftime(formats.DATE_TIME) if value else ""


def relative_time(value: str | None, now: datetime | None = None) -> str:
    """An API timestamp as 'たった今', '10分前', '3時間前' or '2日前'."""
    if not value:
        return ""
    seconds = ((now or clock.now()) - datetime.fromisoformat(value)).total_seconds()
    minutes = max(0, int(seconds // 60))
    if minutes < 1:
        return "たった今"
    if minutes < 60:
        return f"{minutes}分前"
    if minutes < 24 * 60:
        return f"{minutes // 60}時間前"
    return f"{minutes // (24 * 60)}日前"


def flash(page_key: str, message: str) -> None:
    """Keep a success message to show after the rerun that follows a write."""
    st.session_state[f"{page_key}_flash"] = message


def show_flash(page_key: str) -> None:
    message = st.session_state.pop(f"{page_key}_flash", None)
    if message:
        st.success(message)


def show_errors(errors: list[str]) -> bool:
    """Show validation errors; True when there were any."""
    for error in errors:
        st.error(error)
    return bool(errors)


def api_error(exc: api.ApiError) -> None:
    """An API refusal shown as its message, with the fields it names or the CSV columns it says are missing (a CSV's
    refusal, rule "columns", names them as the file's header does; a refused input's details name each field in
    words, `label`)."""
    if isinstance(exc.details, dict) and exc.details.get("rule") == "columns" and exc.details.get("missing"):
        st.error(f"{exc.message}（不足している列: {'、'.join(map(str, exc.details['missing']))}）")
        return
    details = exc.details if isinstance(exc.details, list) else []
    fields = dict.fromkeys(d["label"] for d in details if isinstance(d, dict) and d.get("label"))
    st.error(f"{exc.message}（{'、'.join(fields)}）" if fields else exc.message)


def act(page_key: str, call: Callable[[], Any], success: str, *, changed: bool = True, form: str | None = None) -> None:
    """Run one write; on success keep the message for after the rerun and rerun, else show the API's refusal.

    changed=False (a form sent back as it was) says 変更はありません。 and writes nothing. form: the key of the create
    form that sent it, which starts empty again once the write succeeded (forms.clear).
    """
    if not changed:
        st.info(NO_CHANGES)
        return
    try:
        call()
    except api.ApiError as exc:
        api_error(exc)
        return
    if form is not None:
        forms.clear(form)
    flash(page_key, success)
    st.rerun()


def confirm_then_act(
    page_key: str,
    key: str,
    *,
    confirm: str,
    label: str,
    call: Callable[[], Any],
    success: str,
    icon: str | None = None,
    help: str | None = None,
) -> None:
    """A button that stays disabled until its tick box (key `{key}_ok`) is ticked, then runs the write like act()."""
    confirmed = st.checkbox(confirm, key=f"{key}_ok", help=help)
    if st.button(label, key=key, disabled=not confirmed, icon=icon):
        act(page_key, call, success)


# What the API takes in one upload (service/config.py), in MB: an ordinary request body (a CSV), a firmware file, a
# loaners answer sheet, and each of a CRM request's statement images (at most CRM_IMAGES of them)
BODY_MB = 10
FIRMWARE_MB = 200
ANSWER_SHEET_MB = 32
CRM_IMAGE_MB = 10
PHOTO_MB = 8  # a nursery adult's photo (APP_ENTRY_LOGS_PHOTO_MAX_BYTES)
CRM_IMAGES = 20


def file_uploader(label: str, *, key: str, limit_mb: int, files: int = 1, **options: Any) -> Any:
    """st.file_uploader that refuses a file over limit_mb itself and says its limit in Japanese: in its help, and in
    its drop zone in place of Streamlit's English (assets/streamlit_ja.css); files > 1 takes up to that many."""
    limit = f"1ファイル{limit_mb}MBまで" + (f"・{files}ファイルまで" if files > 1 else "")
    zone = f".st-key-{re.sub(r'[^a-zA-Z0-9_-]', '-', key)} [data-testid='stFileUploaderDropzoneInstructions'] > div"
    st.html(f'<style>{zone}::after {{ content: "ここにファイルをドラッグ＆ドロップ（{limit}）"; }}</style>')
    return st.file_uploader(
        label, key=key, help=limit, max_upload_size=limit_mb, accept_multiple_files=files > 1, **options
    )


def code_select(label: str, mapping: dict[str, str], key: str, *, default: str = "") -> str:
    """A filter select over known codes shown by their labels, すべて first; returns the code or '' (default: the
    code chosen when the page opens)."""
    options = ["", *mapping]
    return st.selectbox(
        label,
        options,
        index=options.index(default),
        format_func=lambda code: mapping.get(code, labels.ALL_LABEL),
        key=key,
    )


def record_picker(
    label: str,
    options: Mapping[Hashable, str],
    key: str,
    *,
    default: Hashable | None = None,
    placeholder: str | None = None,
) -> Any:
    """A select of records shown by their labels; returns the chosen record's id (or None).

    Streamlit sends a choice back as the label it showed, so a write that changes a label (a status, a name) would
    drop the choice and the next form on that record would silently do nothing. The choice is kept by id under
    `{key}_id` (choose() chooses a record from code, chosen() reads it) and handed to the widget (key `key`) on every
    run, so labels may change freely; `default` is chosen while nothing shown is.
    """
    memory = f"{key}_id"
    chosen = st.session_state.get(memory)
    if chosen not in options:
        chosen = default if default in options else None
    st.session_state[memory] = st.session_state[key] = chosen
    st.selectbox(
        label,
        list(options),
        key=key,
        format_func=options.__getitem__,
        placeholder=placeholder,
        on_change=_remember_choice,
        args=(key, tuple(options)),
    )
    return chosen


def _remember_choice(key: str, ids: tuple) -> None:
    """Keep a person's new choice by id; a label the browser held from before a write names no record."""
    value = st.session_state[key]
    if value is None or value in ids:
        st.session_state[f"{key}_id"] = value


def chosen(key: str) -> Any:
    """The id last chosen in the record_picker keyed `key` (None before any choice)."""
    return st.session_state.get(f"{key}_id")


def choose(key: str, record_id: Hashable) -> None:
    """Choose a record in the record_picker keyed `key` from code, e.g. from a clicked row (record_table)."""
    st.session_state[f"{key}_id"] = record_id


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
    """A table's rows (one row maker's dicts) as a DataFrame built column by column, the columns in the order the
    rows name them: the same frame as pandas makes from the rows as records, in less of the page's time."""
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
    """Show one page of a list endpoint with page controls and a link to the whole list's CSV; returns the Page dict.

    fetch(page=, page_size=, **filters) returns {items, total, ...}: the total comes from the API, so nothing
    downloads a whole table to count it; a change of filters goes back to page 1. Session-state keys start with
    `key`. page_size fixes the size (else the person picks 25/50/100); export is the API path of the list's CSV
    download (its GET …/export route, given the same filters; None: no CSV); style turns the shown frame into a
    Styler (colours); note follows the count;
    table draws the frame, given the page's items, instead of a plain st.dataframe (e.g. with rows to select).
    picker and/or open_record make a click on a row open its record, rows_chosen makes the rows' boxes a
    selection for bulk work, column_config sets the columns (see record_table); tall shows up to TALL_ROWS rows
    without the table's own scrolling (a work list), where the default shows about ten.
    """
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


def csv_link(key: str, export: str, filters: Mapping[str, Any], *, help: str) -> None:  # noqa: A002 - Streamlit's word
    """Links to a list's whole file, as CSV, Excel and Shift_JIS CSV (DOWNLOADS): the service streams every row the
    filters select (the browser signs the download in with its session cookie), however many pages the list has."""
    for index, (label, choice, note) in enumerate(DOWNLOADS):
        st.link_button(
            label,
            api.export_url(export, **filters, **choice),
            help=f"{help}（{note}）",
            icon=":material/download:",
            key=f"{key}_{index}" if index else key,
            width="stretch",
        )


@contextmanager
def shown_when_open(label: str, *, key: str, icon: str | None = None) -> Iterator[bool]:
    """An expander that says whether it is open: its content is for the page to build only then, so the rows of a
    shut one are neither read nor sent. Opening or shutting it reruns the page (Streamlit keeps its state under
    `key`)."""
    section = st.expander(label, icon=icon, key=key, on_change="rerun")
    with section:
        yield bool(section.open)


def section_home(page_file: str) -> None:
    """A section's 概要 page: what the section is for and the role the signed-in user has in it."""
    user = auth.require_page(page_file)
    section, _ = sections.find_page(page_file)
    st.title(section.label)
    st.write(section.summary)
    grant = sections.grants_by_domain(user).get(section.domain)
    if grant:
        st.info(f"この区分でのあなたの役割: **{labels.role_text(grant)}**")
    else:
        st.info("プラットフォーム管理者として、この区分のすべての画面を表示できます。")
    st.caption(f"{section.label}の各画面は、{section.label}の機能の開発とともにこの区分に追加されます。")


def job_progress(status: str, done: int, total: int, unit: str = "行") -> None:
    """A running job's progress bar, e.g. 取込中: 1,200 / 5,000行."""
    st.progress(done / total if total else 0.0, text=f"{status}: {done:,} / {total:,}{unit}")
