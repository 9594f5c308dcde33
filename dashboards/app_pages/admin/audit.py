"""管理 › 監査ログ（全体）: who changed what and when, in words (the API's labels), with filters, and the tamper check
of the hash chain."""

from datetime import date, datetime, time, timedelta
from functools import partial
from typing import Any

import streamlit as st

from dashboards import api, auth, clock, labels
from dashboards.app_pages.admin import audit_common
from dashboards.components import pickers, tables

PAGE = "admin_audit"


def day_start(day: date | None, *, days_after: int = 0) -> str | None:
    """Midnight (Japan time) of the day, as the ISO timestamp the API filters on."""
    if day is None:
        return None
    return datetime.combine(day + timedelta(days=days_after), time.min, tzinfo=clock.JAPAN_TIME).isoformat()


def filters() -> dict[str, Any]:
    words = api.audit_vocabulary()
    top = st.columns(3)
    with top[0]:
        actor = audit_common.actor_input(PAGE)
    with top[1]:
        action = pickers.code_select("操作", words["actions"], f"{PAGE}_action")
    with top[2]:
        domain = pickers.code_select("区分", words["domains"], f"{PAGE}_domain")
    bottom = st.columns(4)
    with bottom[0]:
        target_type = pickers.code_select("対象の種類", words["target_types"], f"{PAGE}_target_type")
    with bottom[1]:
        target_id = st.text_input("対象ID", key=f"{PAGE}_target_id").strip()
    with bottom[2]:
        since = st.date_input("開始日", value=None, key=f"{PAGE}_since")
    with bottom[3]:
        until = st.date_input("終了日", value=None, key=f"{PAGE}_until")
    return {
        "actor": actor,
        "action": action,
        "domain": domain,
        "target_type": target_type,
        "target_id": target_id,
        "since": day_start(since),
        "until": day_start(until, days_after=1),
    }


def chain_check() -> None:
    if not st.button("改ざんチェック", key=f"{PAGE}_verify", icon=":material/verified_user:"):
        return
    with st.spinner("監査ログのハッシュ連鎖を検査しています…"):
        report = api.verify_audit()
    if report["ok"]:
        st.success(f"改ざんは見つかりませんでした（{report['checked']:,}件を検査）。")
    else:
        problem = labels.label(labels.CHAIN_PROBLEM_LABELS, report["problem"])
        st.error(
            f"改ざんの可能性があります: 番号{report['first_bad_seq']}（{problem}）。"
            f"それより前の{report['checked']:,}件は正常です。"
        )


def hashes(entry: dict) -> str:
    return f"リクエストID: {entry['request_id'] or '-'} ／ ハッシュ: {entry['entry_hash']}"


auth.require_page(__file__)
st.title("監査ログ（全体）")
chain_check()
listed = tables.paginated_table(
    PAGE,
    api.list_audit,
    partial(audit_common.entry_row, with_domain=True),
    filters=filters(),
    export="/admin/audit/export",
)
if listed["items"]:
    audit_common.entry_detail(PAGE, listed["items"], caption=hashes)
