"""What the audit log pages (管理 › 監査ログ（全体）, 代理店CRM › 監査ログ) share: an entry's changes in words, as the
API words them (action_label, target_label, changed_fields), and the detail of one entry."""

from collections.abc import Callable

import pandas as pd
import streamlit as st

from dashboards import labels
from dashboards.components import timestamps

CHANGE_COLUMNS = ["項目", "変更前", "変更後"]


def actor_input(page: str) -> str:
    """Who acted, by a part of their name: the API's `actor` filter."""
    return st.text_input("操作者", key=f"{page}_actor", placeholder="氏名の一部").strip()


def change_rows(entry: dict) -> list[tuple[str, str, str]]:
    """(項目, 変更前, 変更後) per field; a fact recorded without a before (e.g. a reason) has an empty 変更前."""
    return [
        (change["field_label"], change["before_label"] or "", change["after_label"])
        for change in entry["changed_fields"]
    ]


def change_text(entry: dict) -> str:
    """e.g. 氏名: 山田 → 山田太郎 / 理由: 重複."""
    return " / ".join(
        f"{name}: {before} → {after}" if before else f"{name}: {after}" for name, before, after in change_rows(entry)
    )


def entry_row(entry: dict, *, with_domain: bool) -> dict:
    """A list row: who did what to which record, when, and what changed (区分 on the platform's log)."""
    row = {
        "番号": entry["seq"],
        "日時": timestamps.local_time(entry["occurred_at"]),
        "操作者": entry["actor_name"],
        "操作": entry["action_label"],
    }
    if with_domain:
        row["区分"] = entry["domain_label"]
    return row | {
        "対象": entry["target_label"],
        "変更内容": change_text(entry),
        "接続元": entry["client_address"] or "",
    }


def entry_detail(page: str, entries: list[dict], *, caption: Callable[[dict], str] | None = None) -> None:
    """One listed entry's changes as a table, chosen by its number."""
    by_seq = {entry["seq"]: entry for entry in entries}
    seq = st.selectbox(
        "詳細を表示する記録（番号）", list(by_seq), index=None, key=f"{page}_detail", placeholder="番号を選択"
    )
    if seq is None:
        return
    entry = by_seq[seq]
    st.markdown(f"**{labels.plain(entry['action_label'])}**: {labels.plain(entry['target_label'])}")
    st.dataframe(pd.DataFrame(change_rows(entry), columns=CHANGE_COLUMNS), hide_index=True)
    if caption:
        st.caption(caption(entry))
