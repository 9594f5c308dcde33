"""Every import's file and its mapping step. The file goes as it is (.xlsx or CSV: the service reads both); when the
API answers that required columns are named otherwise (`columns_unmatched`, with the file's columns and the expected
ones), the file is kept and the person says which of its columns each one is; the file then goes again with that
mapping (`columns`). While the job runs, its bar (`progress`): 読み込み中 with the file's name, then its rows."""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from dashboards import api, labels
from dashboards.components import layout, writes

UNMATCHED = "columns_unmatched"
TYPES = ["xlsx", "csv"]  # what the imports read
CHOOSE = "選択してください"
FILE_KINDS = "Excel（.xlsx）またはCSV（UTF-8・Shift_JIS）"


@dataclass(frozen=True)
class Upload:
    name: str
    content: bytes
    extra: dict[str, Any] = field(default_factory=dict)  # what else the page sends with it (the form, the nursery)


Send = Callable[[Upload, str | None], Any]  # the page's API call: the file and the mapping (JSON) or None


def send(key: str, upload: Upload, call: Send) -> Any | None:
    """The API's answer; None when refused (shown), a refusal for columns named otherwise keeping the file for
    `mapping_step`."""
    try:
        return call(upload, None)
    except api.ApiError as exc:
        if exc.code == UNMATCHED and isinstance(exc.details, dict):
            st.session_state[key] = {"upload": upload, "details": exc.details, "message": exc.message}
        else:
            writes.api_error(exc)
    return None


def mapping_step(key: str, call: Send) -> Any | None:
    """While a file waits for its mapping: which of its columns each missing one is; the API's answer once it went
    again with them (None until then)."""
    pending = st.session_state.get(key)
    if not pending:
        return None
    details = pending["details"]
    with st.container(border=True, key=f"{key}_step"):
        st.subheader("列の対応づけ")
        st.warning(pending["message"])
        st.caption(f"ファイル: {pending['upload'].name}（見出しは{details['row']}行目）")
        with st.form(f"{key}_form"):
            chosen = {
                expected: st.selectbox(
                    f"「{expected}」にあたるファイルの列",
                    details["columns"],
                    index=None,
                    placeholder=CHOOSE,
                    key=f"{key}_column_{index}",
                )
                for index, expected in enumerate(details["missing"])
            }
            sent = st.form_submit_button("この対応で取り込み直す", type="primary")
        if st.button("対応づけをやめる", key=f"{key}_cancel"):
            del st.session_state[key]
            st.rerun()
    if not sent:
        return None
    if None in chosen.values():
        st.error("対応する列をすべて選んでください。")
        return None
    mapping = json.dumps({column: expected for expected, column in chosen.items()}, ensure_ascii=False)
    try:
        answer = call(pending["upload"], mapping)
    except api.ApiError as exc:
        writes.api_error(exc)
        return None
    del st.session_state[key]
    return answer


def progress(status: str, label: str, filename: str, done: int, total: int) -> None:
    """A running import's bar (`label`: its status in words): while its job reads the file (its rows not counted
    yet), the file's name."""
    if status == "reading":
        st.progress(0.0, text=f"{label}: {labels.plain(filename)}")
    else:
        layout.job_progress(label, done, total)


def listed_in_part(listed: int, refused: int) -> None:
    """Said under a finished import's refused rows when the service listed only the first of them."""
    if listed < refused:
        st.caption(f"最初の{listed:,}行を表示しています。")
