"""What the administrator's home page (管理 › ユーザー管理) says first while the company's account is the way in:
each recent sign-in with a password of the break-glass administrator (audited as `break_glass_login`)."""

import streamlit as st

from dashboards import api
from dashboards.components import tables, timestamps

SHOWN = 5
HEADING = "緊急用パスワードでのログイン"
EXPLAINED = (
    "会社のアカウントでのログインが設定されている間に、管理者がパスワードでログインした記録です。"
    "心当たりのないものは、パスワードの変更と監査ログの確認をしてください。"
)


def use_row(entry: dict) -> dict:
    return {
        "日時": timestamps.local_time(entry["occurred_at"]),
        "管理者": entry["actor_name"],
        "接続元": entry["client_address"] or "",
    }


def recent_uses() -> None:
    """Nothing when there were none."""
    uses = api.list_audit(action="break_glass_login", page_size=SHOWN)
    if not uses["items"]:
        return
    st.warning(f"**{HEADING}**（{uses['total']}件）  \n{EXPLAINED}", icon=":material/key:")
    st.dataframe(tables.table_frame([use_row(e) for e in uses["items"]]), hide_index=True)
