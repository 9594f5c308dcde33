"""代理店CRM › ユーザー管理 (admins): the CRM's users with role, agency, 営業担当者コード, Lコード and the
営業マネージャー flag (a sales person who sees the whole agency's cases); adding one (a login with its CRM
role), editing one under optimistic locking, and taking the CRM role away."""

from typing import Any

import streamlit as st

from dashboards import crm_api, fields, forms, labels
from dashboards.app_pages.crm import common
from dashboards.components import kpi, pickers, tables, timestamps, writes

PAGE = "crm_users"
PICKER = f"{PAGE}_chosen"
EDIT = f"{PAGE}_edit"
NEW = f"{PAGE}_new"  # the create form
AGENCY_REQUIRED = "営業担当者には代理店の指定が必要です。"
MANAGER_SALES_ONLY = "営業マネージャーは営業担当者にのみ設定できます。"


def profile(column: str) -> str:
    """A CRM profile field's label (代理店, 営業担当者コード, Lコード, 営業マネージャー), from the vocabulary."""
    return common.declared("profile", column).label


def user_row(user: dict) -> dict:
    return {
        "ID": user["user_id"],
        "ログインID": user["login_id"],
        "氏名": user["name"],
        "役割": user["role_label"] or labels.NONE_LABEL,
        profile("agency_id"): user["agency_name"],
        profile("sales_staff_code"): user["sales_staff_code"],
        profile("l_code"): user["l_code"],
        profile("is_sales_manager"): common.declared("profile", "is_sales_manager").word(user["is_sales_manager"]),
        "状態": common.declared("identity_user", "is_active").word(user["is_active"]),
        "最終ログイン": timestamps.local_time(user["last_login_at"]),
    }


def account(column: str, note: str = "") -> dict[str, Any]:
    """An account field's label (with the form's note, e.g. （任意）) and length, from the vocabulary."""
    served = common.declared("identity_user", column)
    return {"label": f"{served.label}{note}", "max_chars": served.max_chars}


def password_input(kind: str) -> dict[str, Any]:
    """A password input's label (初期パスワード（8文字以上）) and length: the account's password as typed."""
    typed = common.declared("identity_user", "password_hash")
    return {"label": f"{kind}{typed.label}（{typed.min_chars}文字以上）", "max_chars": typed.max_chars}


def roles() -> dict[str, str]:
    """The CRM roles in words, as the service serves them."""
    return crm_api.vocabulary()["roles"]


def role_fields(key: str, base: dict | None) -> dict[str, Any]:
    """役割, 代理店 (required for sales), the codes and the 営業マネージャー flag."""
    base = base or {}
    words = roles()
    choices = list(words)
    names = common.agency_names()
    agencies = [None, *names]
    columns = st.columns(4)
    role = columns[0].selectbox(
        common.declared("identity_grant", "role").label,
        choices,
        index=choices.index(base.get("role") or "sales"),
        key=common.widget_key(key, "role"),
        format_func=words.__getitem__,
    )
    agency_id = columns[1].selectbox(
        f"{profile('agency_id')}（営業担当者は必須）",
        agencies,
        index=agencies.index(base.get("agency_id")) if base.get("agency_id") in agencies else 0,
        key=common.widget_key(key, "agency_id"),
        format_func=lambda i: labels.NONE_LABEL if i is None else names[i],
    )
    codes = {
        field: columns[i]
        .text_input(
            **common.declared("profile", field).text(), value=base.get(field, ""), key=common.widget_key(key, field)
        )
        .strip()
        for i, field in enumerate(("sales_staff_code", "l_code"), start=2)
    }
    manager = st.checkbox(
        f"{profile('is_sales_manager')}（自代理店の全案件を表示）",
        value=base.get("is_sales_manager", False),
        key=common.widget_key(key, "is_sales_manager"),
    )
    return {"role": role, "agency_id": agency_id} | codes | {"is_sales_manager": manager}


def role_errors(values: dict[str, Any]) -> list[str]:
    """What the service would refuse about role, agency and the manager flag, said before sending."""
    sales = values["role"] == "sales"
    errors = []
    if sales and values["agency_id"] is None:
        errors.append(AGENCY_REQUIRED)
    if not sales and values["is_sales_manager"]:
        errors.append(MANAGER_SALES_ONLY)
    return errors


def create_form() -> None:
    with st.expander("ユーザーを追加", icon=":material/person_add:"):
        with st.form(f"{PAGE}_create"):
            left, middle, right = st.columns(3)
            values: dict[str, Any] = {
                "login_id": left.text_input(**account("login_id"), key=forms.key(NEW, "login_id")).strip(),
                "name": middle.text_input(**account("name"), key=forms.key(NEW, "name")).strip(),
                "email": right.text_input(**account("email", "（任意）"), key=forms.key(NEW, "email")).strip() or None,
                "password": st.text_input(**password_input("初期"), type="password", key=forms.key(NEW, "password")),
            }
            values |= role_fields(NEW, None)
            submitted = st.form_submit_button("追加", type="primary")
    if submitted and not writes.show_errors(common.schema_errors("user_create", values) + role_errors(values)):
        writes.act(
            PAGE,
            lambda: crm_api.create_user(values),
            f"ユーザー「{labels.plain(values['name'])}」を追加しました。",
            form=NEW,
        )


def edit_form(shown: list[dict]) -> None:
    by_id = {user["user_id"]: user for user in shown}
    chosen = pickers.record_picker(
        "編集するユーザー",
        {i: f"{user['name']}（{user['login_id']}）" for i, user in by_id.items()},
        PICKER,
        placeholder="ユーザーを選択",
    )
    if chosen is None:
        return
    base = common.editing_base(EDIT, crm_api.get_user(chosen) | {"id": chosen})
    with st.form(f"{EDIT}_form"):
        name = st.text_input(**account("name"), value=base["name"], key=common.widget_key(EDIT, "name")).strip()
        values = {"name": name} | role_fields(EDIT, base)
        values["is_active"] = st.checkbox(
            account("is_active")["label"], value=base["is_active"], key=common.widget_key(EDIT, "is_active")
        )
        password = st.text_input(
            "新しいパスワード（変更する場合のみ）", type="password", key=common.widget_key(EDIT, "password")
        )
        submitted = st.form_submit_button("保存", type="primary", icon=":material/save:")
    if submitted:
        save_user(base, values, password)
    remove(base)


def save_user(base: dict, values: dict[str, Any], password: str) -> None:
    changes = common.changes_from(base, values) | ({"password": password} if password else {})
    if writes.show_errors(common.schema_errors("user_update", changes) + role_errors(values)):
        return
    user_id = base["user_id"]
    common.save(
        PAGE,
        EDIT,
        base,
        changes,
        lambda body: crm_api.update_user(user_id, body),
        f"ユーザー「{labels.plain(values['name'])}」を保存しました。",
        current=lambda: crm_api.get_user(user_id),
        merge=True,
        words={"role": roles(), "agency_id": common.agency_names()},
    )


def remove(user: dict) -> None:
    writes.confirm_then_act(
        PAGE,
        f"{PAGE}_remove",
        confirm=f"{user['name']} の代理店CRMの役割を外します（ログインは残ります）",
        label="CRMの役割を外す",
        call=lambda: crm_api.remove_user(user["user_id"]),
        success=f"ユーザー「{labels.plain(user['name'])}」の代理店CRMの役割を外しました。",
        icon=":material/person_remove:",
    )


common.start(__file__)
writes.show_flash(PAGE)
columns = st.columns(3)
query = columns[0].text_input(**fields.search("検索（ログインID・氏名・営業担当者コード）"), key=f"{PAGE}_q").strip()
with columns[1]:
    kpi.linked_filters(PAGE, {"role": (f"{PAGE}_role", str)})  # 営業担当者's card
    role_filter = pickers.code_select("役割", roles(), f"{PAGE}_role")
with columns[2]:
    agency_filter = common.agency_select("代理店", f"{PAGE}_agency")
listed = tables.paginated_table(
    PAGE,
    crm_api.list_users,
    user_row,
    filters={"q": query, "role": role_filter, "agency_id": agency_filter},
    export="/crm/users/export",
    picker=PICKER,
    id_field="user_id",
)
if listed["items"]:
    edit_form(listed["items"])
create_form()
