"""Shared pieces every page uses: KPI card, status badge, server-side paginated table with CSV download, messages."""

import math
from collections.abc import Callable, Hashable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from dashboards import api, auth, labels, sections

LOCAL_TZ = ZoneInfo("Asia/Tokyo")
PAGE_SIZES = (25, 50, 100)

STATUS_COLOURS = {
    "sent": "green", "ok": "green", "online": "green", "active": "green",
    "pending": "blue", "sending": "orange", "warning": "orange",
    "failed": "red", "error": "red", "offline": "red",
}


def kpi_card(label: str, value: Any, *, help: str | None = None, delta: Any = None) -> None:
    st.metric(label, value, delta=delta, help=help, border=True)


def status_badge(status: str, label: str | None = None) -> None:
    """A coloured badge: green for done, blue/orange for in progress, red for failed, grey for anything else."""
    st.badge(label or status, color=STATUS_COLOURS.get(status, "gray"))


def local_time(value: str | None) -> str:
    """An ISO timestamp from the API shown in Japan time, e.g. 2026-01-05 09:30:00."""
    if not value:
        return ""
    return datetime.fromisoformat(value).astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M:%S")


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
    """An API refusal shown as its message, with the fields it names."""
    details = exc.details if isinstance(exc.details, list) else []
    fields = [d["loc"][-1] for d in details if isinstance(d, dict) and d.get("loc")]
    st.error(f"{exc.message}（{', '.join(map(str, fields))}）" if fields else exc.message)


def code_select(label: str, mapping: dict[str, str], key: str) -> str:
    """A filter select over known codes shown by their labels, すべて first; returns the code or ''."""
    options = ["", *mapping]
    return st.selectbox(label, options, format_func=lambda code: mapping.get(code, labels.ALL_LABEL), key=key)


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
    file_name: str = "export",
) -> dict:
    """Show one page of a list endpoint with page controls and a CSV of the shown rows; returns the Page dict.

    fetch(page=, page_size=, **filters) returns the API's {items, total, page, page_size}: the total comes from
    the API, so nothing downloads a whole table to count it. Session-state keys start with `key`.
    """
    filters = filters or {}
    page_size = st.session_state.setdefault(f"{key}_page_size", PAGE_SIZES[1])
    signature = (tuple(sorted(filters.items())), page_size)
    pager = _pager_key(key, signature)
    current = st.session_state.get(pager, 1)
    result = fetch(page=current, page_size=page_size, **filters)
    pages = max(1, math.ceil(result["total"] / page_size))
    if current > pages:
        pager, current = _pager_key(key, signature, restart=True), pages
        result = fetch(page=current, page_size=page_size, **filters)
    rows = [to_row(item) for item in result["items"]]
    if not rows:
        st.info("該当するデータはありません。")
        return result
    first = (current - 1) * page_size + 1
    st.caption(f"全{result['total']:,}件中 {first:,}〜{first + len(rows) - 1:,}件目")
    frame = pd.DataFrame(rows)
    st.dataframe(frame, hide_index=True)
    controls = st.columns([3, 1, 1], vertical_alignment="bottom")
    with controls[0]:
        st.pagination(pages, default=current, key=pager)
    with controls[1]:
        st.selectbox("表示件数", PAGE_SIZES, key=f"{key}_page_size")
    with controls[2]:
        st.download_button(
            "CSVダウンロード", frame.to_csv(index=False).encode("utf-8-sig"),
            file_name=f"{file_name}_p{current}.csv", mime="text/csv", key=f"{key}_csv", icon=":material/download:",
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
