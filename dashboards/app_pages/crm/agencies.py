"""代理店CRM › 代理店管理 (§3.5, admins): the agencies with their sales staff count, registering one, and editing or
deactivating one (無効化) under optimistic locking."""

from typing import Any

import streamlit as st

from dashboards import crm_api, formats, labels
from dashboards.app_pages.crm import common
from dashboards.app_pages.crm.labels import field_names
from dashboards.components import kpi, pickers, tables, writes
from dashboards.fields import search

PAGE = "crm_agencies"
PICKER = f"{PAGE}_chosen"
EDIT = f"{PAGE}_edit"
REQUIRED = {"name", "code"}


def agency_row(agency: dict) -> dict:
    head = common.headers("agency")
    return {
        "ID": agency["id"],
        head["name"]: agency["name"],
        head["code"]: agency["code"],
        head["contact_name"]: agency["contact_name"],
        "所属営業担当数": agency["sales_count"],
        "ステータス": common.declared("agency", "is_active").word(agency["is_active"]),
        head["referral_shop_code"]: agency["referral_shop_code"],
        head["referral_shop_name"]: agency["referral_shop_name"],
        head["phone"]: formats.phone(agency["phone"]),
        head["mail_address"]: agency["mail_address"],
    }


def active_filter() -> dict[str, str]:
    """The ステータス filter's values (the API's active=true/false) in 有効's words."""
    active = common.declared("agency", "is_active")
    return {"true": active.word(True), "false": active.word(False)}


def fields(key: str, base: dict | None) -> dict[str, Any]:
    values: dict[str, Any] = {}
    columns = st.columns(2)
    text_fields = {field: label for field, label in field_names("agency").items() if field != "is_active"}
    for i, field in enumerate(text_fields):
        served = common.declared("agency", field)
        shown = f"{served.label}（必須）" if field in REQUIRED else served.label
        with columns[i % 2]:
            values[field] = st.text_input(
                shown, max_chars=served.max_chars, value=(base or {}).get(field, ""), key=common.widget_key(key, field)
            ).strip()
    values["is_active"] = st.checkbox(
        common.declared("agency", "is_active").label,
        value=(base or {}).get("is_active", True),
        key=common.widget_key(key, "is_active"),
    )
    return values


def create_form() -> None:
    with st.expander("代理店を登録", icon=":material/add_business:"):
        with st.form(f"{PAGE}_create"):
            values = fields(f"{PAGE}_new", None)
            submitted = st.form_submit_button("登録", type="primary")
    if submitted and not writes.show_errors(common.schema_errors("agency", values)):
        writes.act(
            PAGE,
            lambda: crm_api.create_agency(values),
            f"代理店「{labels.plain(values['name'])}」を登録しました。",
            form=f"{PAGE}_new",
        )


def edit_form(shown: list[dict]) -> None:
    """編集 / 無効化 of one agency of the page, from the version first read."""
    by_id = {agency["id"]: agency for agency in shown}
    chosen = pickers.record_picker(
        "編集する代理店",
        {i: f"{agency['name']}（{agency['code']}）" for i, agency in by_id.items()},
        PICKER,
        placeholder="代理店を選択",
    )
    if chosen is None:
        return
    base = common.editing_base(EDIT, crm_api.get_agency(chosen))
    with st.form(f"{EDIT}_form"):
        values = fields(EDIT, base)
        submitted = st.form_submit_button("保存", type="primary", icon=":material/save:")
    if not submitted or writes.show_errors(common.schema_errors("agency", values)):
        return
    changes = common.changes_from(base, values)
    common.save(
        PAGE,
        EDIT,
        base,
        changes,
        lambda body: crm_api.update_agency(chosen, body),
        f"代理店「{labels.plain(values['name'])}」を保存しました。",
        current=lambda: crm_api.get_agency(chosen),
        merge=True,
    )


common.start(__file__)
writes.show_flash(PAGE)
columns = st.columns([2, 1])
query = columns[0].text_input(**search("検索（代理店名・コード）"), key=f"{PAGE}_q").strip()
with columns[1]:
    kpi.linked_filters(PAGE, {"active": (f"{PAGE}_active", str)})  # 有効な代理店's card
    active = pickers.code_select("ステータス", active_filter(), f"{PAGE}_active")
listed = tables.paginated_table(
    PAGE,
    crm_api.list_agencies,
    agency_row,
    filters={"q": query, "active": active},
    export="/crm/agencies/export",
    picker=PICKER,
)
if listed["items"]:
    edit_form(listed["items"])
create_form()
