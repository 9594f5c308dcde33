"""Shared pieces every page uses, so a domain's pages never write their own.

Display: kpi_card, status_badge(status, label, colours=...), code_select (a filter over known codes, すべて first),
record_picker (choose one record by id, whatever its shown label becomes after a write).
Times (the API speaks UTC, people read Japan time): local_time -> "2026-01-05 09:30:00", local_datetime (for chart
axes), local_today, relative_time -> "10分前".
Writes: act(page_key, call, success, changed=...) runs one write and reruns with the success message
(show_flash(page_key) shows it at the top of the page), shows the API's refusal, or says 変更はありません。 when
nothing changed; confirm_then_act is the same behind a tick box, for what cannot be undone. show_errors shows a form's
own validation errors first; api_error shows an ApiError (with the fields or CSV columns it names).
Lists: paginated_table(key, fetch, to_row, filters=...) pages any list endpoint that answers {items, total} on the
server, with a CSV of the shown rows; `style` colours the table (a pandas Styler), `page_size` fixes the size.
section_home is a section's 概要 page.
"""

import math
from collections.abc import Callable, Hashable, Mapping
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from dashboards import api, auth, labels, sections

LOCAL_TZ = ZoneInfo("Asia/Tokyo")
PAGE_SIZES = (25, 50, 100)
DEFAULT_PAGE_SIZE = 50
NO_ROWS = "該当するデータはありません。"
NO_CHANGES = "変更はありません。"

STATUS_COLOURS = {
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
}


def kpi_card(
    label: str, value: Any, *, help: str | None = None, delta: Any = None, delta_color: str = "normal"
) -> None:
    """A number card; delta_color="inverse" shows a fall in green and a rise in red (for what is better lower)."""
    st.metric(label, value, delta=delta, delta_color=delta_color, help=help, border=True)


def status_badge(status: str, label: str | None = None, *, colours: Mapping[str, str] = STATUS_COLOURS) -> None:
    """A badge coloured by status (by default green for done, blue/orange for in progress, red for failed); grey
    for a status the colours do not name."""
    st.badge(label or status, color=colours.get(status, "gray"))


def local_datetime(value: str) -> datetime:
    """An API timestamp (UTC) as a datetime in Japan time, e.g. for chart axes or a custom format."""
    return datetime.fromisoformat(value).astimezone(LOCAL_TZ)


def local_time(value: str | None) -> str:
    """An ISO timestamp from the API shown in Japan time, e.g. 2026-01-05 09:30:00."""
    return local_datetime(value).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def local_today() -> date:
    """Today in Japan."""
    return datetime.now(LOCAL_TZ).date()


def relative_time(value: str | None, now: datetime | None = None) -> str:
    """An API timestamp as 'たった今', '10分前', '3時間前' or '2日前'."""
    if not value:
        return ""
    seconds = ((now or datetime.now(UTC)) - datetime.fromisoformat(value)).total_seconds()
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
    """An API refusal shown as its message, with the fields it names or the CSV columns it says are missing."""
    if isinstance(exc.details, dict) and exc.details.get("missing"):
        st.error(f"{exc.message}（不足している列: {'、'.join(map(str, exc.details['missing']))}）")
        return
    details = exc.details if isinstance(exc.details, list) else []
    fields = [d["loc"][-1] for d in details if isinstance(d, dict) and d.get("loc")]
    st.error(f"{exc.message}（{', '.join(map(str, fields))}）" if fields else exc.message)


def act(page_key: str, call: Callable[[], Any], success: str, *, changed: bool = True) -> None:
    """Run one write; on success keep the message for after the rerun and rerun, else show the API's refusal.

    changed=False (a form sent back as it was) says 変更はありません。 and writes nothing.
    """
    if not changed:
        st.info(NO_CHANGES)
        return
    try:
        call()
    except api.ApiError as exc:
        api_error(exc)
        return
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


def code_select(label: str, mapping: dict[str, str], key: str) -> str:
    """A filter select over known codes shown by their labels, すべて first; returns the code or ''."""
    options = ["", *mapping]
    return st.selectbox(label, options, format_func=lambda code: mapping.get(code, labels.ALL_LABEL), key=key)


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
    `{key}_id` (set it to choose a record from code) and handed to the widget (key `key`) on every run, so labels
    may change freely; `default` is chosen while nothing shown is.
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


def _pager_key(key: str, signature: Hashable, *, restart: bool = False) -> str:
    """The page widget's key: a fresh one, back on page 1, whenever the filters or the page size change."""
    if restart or st.session_state.get(f"{key}_signature") != signature:
        st.session_state[f"{key}_signature"] = signature
        st.session_state[f"{key}_generation"] = st.session_state.get(f"{key}_generation", 0) + 1
    return f"{key}_page_{st.session_state[f'{key}_generation']}"


def paginated_table(
    key: str,
    fetch: Callable[..., dict],
    to_row: Callable[[dict], dict],
    *,
    filters: dict[str, Any] | None = None,
    file_name: str | None = "export",
    page_size: int | None = None,
    style: Callable[[pd.DataFrame], Styler] | None = None,
    note: str = "",
    table: Callable[[pd.DataFrame | Styler, list[dict]], None] | None = None,
) -> dict:
    """Show one page of a list endpoint with page controls and a CSV of the shown rows; returns the Page dict.

    fetch(page=, page_size=, **filters) returns {items, total, ...}: the total comes from the API, so nothing
    downloads a whole table to count it; a change of filters goes back to page 1. Session-state keys start with
    `key`. page_size fixes the size (else the person picks 25/50/100); file_name=None leaves the CSV out (for a
    page with an export of its own); style turns the shown frame into a Styler (colours); note follows the count;
    table draws the frame, given the page's items, instead of a plain st.dataframe (e.g. with rows to select).
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
    frame = pd.DataFrame(rows)
    shown = style(frame) if style else frame
    if table:
        table(shown, result["items"])
    else:
        st.dataframe(shown, hide_index=True)
    controls = st.columns([3, 1, 1], vertical_alignment="bottom")
    with controls[0]:
        st.pagination(pages, default=current, key=pager)
    if page_size is None:
        with controls[1]:
            st.selectbox("表示件数", PAGE_SIZES, key=f"{key}_page_size")
    if file_name:
        with controls[2]:
            st.download_button(
                "CSVダウンロード",
                frame.to_csv(index=False).encode("utf-8-sig"),
                file_name=f"{file_name}_p{current}.csv",
                mime="text/csv",
                key=f"{key}_csv",
                icon=":material/download:",
            )
    return result


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
