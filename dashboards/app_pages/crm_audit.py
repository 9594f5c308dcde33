"""代理店CRM › 監査ログ (admins, §2.8): who changed what in the CRM and when, with before/after (card data never
shown), filtered by operator, action, target and period."""

from typing import Any

import pandas as pd
import streamlit as st

from dashboards import components, crm_api, labels
from dashboards.app_pages import crm_common as common
from dashboards.app_pages.crm_labels import ACTION_LABELS, TARGET_TYPE_LABELS

PAGE = "crm_audit"


def change_rows(changes: dict) -> list[dict]:
    """(項目, 変更前, 変更後) per field; facts recorded without a before (e.g. a reason) have an empty 変更前."""
    rows = []
    for field, value in sorted(changes.items()):
        paired = isinstance(value, dict) and set(value) <= {"before", "after"}
        before, after = (value.get("before"), value.get("after")) if paired else (None, value)
        rows.append(
            {
                "項目": common.field_label(field),
                "変更前": common.shown_value(field, before) if paired else "",
                "変更後": common.shown_value(field, after),
            }
        )
    return rows


def entry_row(entry: dict) -> dict:
    changes = " / ".join(
        f"{row['項目']}: {row['変更前']} → {row['変更後']}" if row["変更前"] else f"{row['項目']}: {row['変更後']}"
        for row in change_rows(entry["changes"])
    )
    return {
        "番号": entry["seq"],
        "日時": components.local_time(entry["occurred_at"]),
        "操作者": entry["actor_label"] or labels.label(labels.ACTOR_TYPE_LABELS, entry["actor_type"]),
        "操作": labels.label(ACTION_LABELS, entry["action"]),
        "対象": f"{labels.label(TARGET_TYPE_LABELS, entry['target_type'])} {entry['target_id'] or ''}".strip(),
        "変更内容": changes,
        "接続元": entry["client_address"] or "",
    }


def filters() -> dict[str, Any]:
    top = st.columns(4)
    actor_id = top[0].text_input("操作者（ユーザーID）", key=f"{PAGE}_actor_id").strip()
    with top[1]:
        action = components.code_select("操作", ACTION_LABELS, f"{PAGE}_action")
    with top[2]:
        target_type = components.code_select("対象の種類", TARGET_TYPE_LABELS, f"{PAGE}_target_type")
    target_id = top[3].text_input("対象ID", key=f"{PAGE}_target_id").strip()
    since, until = common.period_inputs(PAGE)
    return {
        "actor_id": actor_id,
        "action": action,
        "target_type": target_type,
        "target_id": target_id,
        "since": common.iso(since),
        "until": common.iso(until),
    }


def entry_detail(entries: list[dict]) -> None:
    by_seq = {entry["seq"]: entry for entry in entries}
    seq = st.selectbox(
        "詳細を表示する記録（番号）", list(by_seq), index=None, key=f"{PAGE}_detail", placeholder="番号を選択"
    )
    if seq is not None:
        st.dataframe(pd.DataFrame(change_rows(by_seq[seq]["changes"])), hide_index=True)


common.start(__file__)
listed = components.paginated_table(PAGE, crm_api.list_audit, entry_row, filters=filters(), file_name="crm_audit_log")
if listed["items"]:
    entry_detail(listed["items"])
