"""代理店CRM › 監査ログ (admins, §2.8): who changed what in the CRM and when, with before/after in words (card data
never shown), filtered by operator, action, target and period."""

from functools import partial
from typing import Any

import streamlit as st

from dashboards import crm_api
from dashboards.app_pages.admin import audit_common
from dashboards.app_pages.crm import common
from dashboards.components import pickers, tables

PAGE = "crm_audit"


def filters() -> dict[str, Any]:
    words = crm_api.audit_vocabulary()
    top = st.columns(4)
    with top[0]:
        actor = audit_common.actor_input(PAGE)
    with top[1]:
        action = pickers.code_select("操作", words["actions"], f"{PAGE}_action")
    with top[2]:
        target_type = pickers.code_select("対象の種類", words["target_types"], f"{PAGE}_target_type")
    target_id = top[3].text_input("対象ID", key=f"{PAGE}_target_id").strip()
    since, until = common.period_inputs(PAGE)
    return {
        "actor": actor,
        "action": action,
        "target_type": target_type,
        "target_id": target_id,
        "since": common.iso(since),
        "until": common.iso(until),
    }


common.start(__file__)
listed = tables.paginated_table(
    PAGE,
    crm_api.list_audit,
    partial(audit_common.entry_row, with_domain=False),
    filters=filters(),
    export="/crm/audit/export",
)
if listed["items"]:
    audit_common.entry_detail(PAGE, listed["items"])
