"""管理 › 監査ログ: who changed what and when, with filters, and the tamper check of the hash chain."""

from datetime import date, datetime, time, timedelta
from typing import Any

import pandas as pd
import streamlit as st

from dashboards import api, auth, components, labels, sections

PAGE = "admin_audit"


def shown(field: str, value: Any) -> str:
    if value is None:
        return "（なし）"
    if isinstance(value, bool):
        return labels.yes_no(value)
    return labels.label(labels.VALUE_LABELS.get(field, {}), value)


def change_pairs(changes: dict) -> list[tuple[str, str, str]]:
    """(項目, 変更前, 変更後) per field in name order (as every backend stores it); plain facts have no 変更前."""
    pairs = []
    for field, value in sorted(changes.items()):
        name = labels.label(labels.FIELD_LABELS, field)
        if isinstance(value, dict) and set(value) <= {"before", "after"}:
            pairs.append((name, shown(field, value.get("before")), shown(field, value.get("after"))))
        else:
            pairs.append((name, "", shown(field, value)))
    return pairs


def change_text(changes: dict) -> str:
    """e.g. 氏名: 山田 → 山田太郎 / 有効: はい → いいえ."""
    pairs = change_pairs(changes)
    return " / ".join(f"{name}: {before} → {after}" if before else f"{name}: {after}" for name, before, after in pairs)


def entry_row(entry: dict) -> dict:
    actor = entry["actor_label"] or labels.label(labels.ACTOR_TYPE_LABELS, entry["actor_type"])
    return {
        "番号": entry["seq"],
        "日時": components.local_time(entry["occurred_at"]),
        "操作者": actor,
        "操作": labels.label(labels.ACTION_LABELS, entry["action"]),
        "区分": labels.label(sections.DOMAIN_LABELS, entry["domain"]),
        "対象": f"{labels.label(labels.TARGET_TYPE_LABELS, entry['target_type'])} {entry['target_id'] or ''}".strip(),
        "変更内容": change_text(entry["changes"]),
        "接続元": entry["client_address"] or "",
    }


def day_start(day: date | None, *, days_after: int = 0) -> str | None:
    """Midnight (Japan time) of the day, as the ISO timestamp the API filters on."""
    if day is None:
        return None
    return datetime.combine(day + timedelta(days=days_after), time.min, tzinfo=components.LOCAL_TZ).isoformat()


def filters() -> dict[str, Any]:
    top = st.columns(3)
    with top[0]:
        actor_id = st.text_input("操作者（ユーザーID）", key=f"{PAGE}_actor_id").strip()
    with top[1]:
        action = components.code_select("操作", labels.ACTION_LABELS, f"{PAGE}_action")
    with top[2]:
        domain = components.code_select("区分", sections.DOMAIN_LABELS, f"{PAGE}_domain")
    bottom = st.columns(4)
    with bottom[0]:
        target_type = components.code_select("対象の種類", labels.TARGET_TYPE_LABELS, f"{PAGE}_target_type")
    with bottom[1]:
        target_id = st.text_input("対象ID", key=f"{PAGE}_target_id").strip()
    with bottom[2]:
        since = st.date_input("開始日", value=None, key=f"{PAGE}_since")
    with bottom[3]:
        until = st.date_input("終了日", value=None, key=f"{PAGE}_until")
    return {
        "actor_id": actor_id,
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


def entry_detail(entries: list[dict]) -> None:
    by_seq = {entry["seq"]: entry for entry in entries}
    seq = st.selectbox(
        "詳細を表示する記録（番号）", list(by_seq), index=None, key=f"{PAGE}_detail", placeholder="番号を選択"
    )
    if seq is None:
        return
    entry = by_seq[seq]
    st.dataframe(pd.DataFrame(change_pairs(entry["changes"]), columns=["項目", "変更前", "変更後"]), hide_index=True)
    st.caption(f"リクエストID: {entry['request_id'] or '-'} ／ ハッシュ: {entry['entry_hash']}")


auth.require_page(__file__)
st.title("監査ログ")
chain_check()
listed = components.paginated_table(PAGE, api.list_audit, entry_row, filters=filters(), file_name="audit_log")
if listed["items"]:
    entry_detail(listed["items"])
