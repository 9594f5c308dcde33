"""管理 › 利用者管理（全体）: search and list users, add one, edit one, set their roles per domain and reset another
person's second factor (a lost phone)."""

import contextlib

import streamlit as st

from dashboards import api, auth, fields, forms, labels
from dashboards.app_pages.admin import break_glass, directory
from dashboards.components import pickers, tables, timestamps, writes

PAGE = "admin_users"
PICKER = f"{PAGE}_selected"
NEW = f"{PAGE}_new"  # the create form


def account(column: str) -> fields.Field:
    """An account's field as GET /admin/vocabulary states it (label, length, its rule in words)."""
    return fields.field("platform", "identity_user", column)


def user_row(user: dict) -> dict:
    head = fields.headers("platform", "identity_user")
    return {
        "ID": user["id"],
        head["login_id"]: user["login_id"],
        head["name"]: user["name"],
        head["email"]: user["email"],
        head["source"]: account("source").choices.get(user["source"], user["source"]),
        "状態": account("is_active").word(user["is_active"]),
        "権限": "、".join(labels.grant_label(g) for g in user["grants"]) or labels.NONE_LABEL,
        head["last_login_at"]: timestamps.local_time(user.get("last_login_at")),
    }


def validate(
    *, name: str, email: str, password: str, login_id: str | None = None, password_required: bool = False
) -> list[str]:
    """The API's rules, checked before anything is sent."""
    errors = [] if login_id is None else account("login_id").pattern_problems(login_id)
    named = account("name")
    if not name or len(name) > (named.max_chars or 0):
        errors.append(f"{named.label}は1〜{named.max_chars}文字で入力してください。")
    errors += account("email").pattern_problems(email) if email else []
    typed = account("password_hash")  # the password as typed: its lengths
    low, high = typed.min_chars, typed.max_chars
    if (password or password_required) and not low <= len(password) <= (high or len(password)):
        errors.append(f"{typed.label}は{low}文字以上{high}文字以下にしてください。")
    return errors


def create_form() -> None:
    with st.expander("ユーザーを追加", icon=":material/person_add:"):
        with st.form(f"{PAGE}_create"):
            login = account("login_id")
            login_id = st.text_input(**login.text(), key=forms.key(NEW, "login_id"), help=login.pattern_words).strip()
            name = st.text_input(**account("name").text(), key=forms.key(NEW, "name")).strip()
            mail = account("email")
            email = st.text_input(
                f"{mail.label}（任意）", max_chars=mail.max_chars, key=forms.key(NEW, "email")
            ).strip()
            typed = account("password_hash")
            password = st.text_input(
                f"初期{typed.label}",
                type="password",
                max_chars=typed.max_chars,
                key=forms.key(NEW, "password"),
                help=f"{typed.min_chars}文字以上",
            )
            active = st.checkbox(account("is_active").label, value=True, key=forms.key(NEW, "active"))
            submitted = st.form_submit_button("作成", type="primary")
    if not submitted:
        return
    errors = validate(name=name, email=email, password=password, login_id=login_id, password_required=True)
    if writes.show_errors(errors):
        return
    data = {"login_id": login_id, "name": name, "email": email or None, "password": password, "is_active": active}

    def create() -> None:
        pickers.choose(PICKER, api.create_user(data)["id"])

    writes.act(
        PAGE,
        create,
        f"ユーザー「{labels.plain(login_id)}」を作成しました。続けて権限を設定してください。",
        form=NEW,
    )


def pick_user(shown: list[dict]) -> dict | None:
    """The user being edited: one of the shown rows, or the one just created even when it is on another page."""
    users = {user["id"]: user for user in shown}
    selected = pickers.chosen(PICKER)
    if selected is not None and selected not in users:
        with contextlib.suppress(api.ApiError):
            users = {selected: api.get_user(selected)} | users
    if not users:
        return None
    choice = pickers.record_picker(
        "編集するユーザー",
        {i: f"{user['login_id']}（{user['name']}）" for i, user in users.items()},
        PICKER,
        placeholder="ユーザーを選択してください",
    )
    return users.get(choice)


def edit_form(user: dict) -> None:
    uid = user["id"]
    with st.form(f"{PAGE}_edit_{uid}"):
        name = st.text_input(**account("name").text(), value=user["name"], key=f"{PAGE}_edit_name_{uid}").strip()
        email = st.text_input(**account("email").text(), value=user["email"], key=f"{PAGE}_edit_email_{uid}").strip()
        active = st.checkbox(account("is_active").label, value=user["is_active"], key=f"{PAGE}_edit_active_{uid}")
        typed = account("password_hash")
        password = st.text_input(
            f"新しい{typed.label}（変更する場合のみ）",
            type="password",
            max_chars=typed.max_chars,
            key=f"{PAGE}_edit_password_{uid}",
        )
        submitted = st.form_submit_button("保存", type="primary")
    writes.show_flash(PAGE, at=str(uid))
    if not submitted:
        return
    changes = {k: v for k, v in {"name": name, "email": email, "is_active": active}.items() if v != user[k]}
    errors = validate(name=name, email=email, password=password)
    if "email" in changes and not email:
        errors.append("メールアドレスは空にできません。")
    if writes.show_errors(errors):
        return
    if password:
        changes["password"] = password
    saved = saved_words(user, changes)
    writes.act(PAGE, lambda: api.update_user(uid, changes), saved, changed=bool(changes), at=str(uid))


def saved_words(user: dict, changes: dict) -> str:
    """Said beside the 保存 button: a new password, and a deactivation, end the person's sessions."""
    who = labels.plain(user["login_id"])
    if "password" in changes:
        return (
            f"ユーザー「{who}」のパスワードを変更しました。"
            "これまでのログインは終了し、次回から新しいパスワードでログインします。"
        )
    if changes.get("is_active") is False:
        return f"ユーザー「{who}」を無効にしました。ログイン中の画面も次の操作でログイン画面に戻ります。"
    return f"ユーザー「{who}」を保存しました。"


def second_factor_reset(user: dict, me: dict) -> None:
    """A lost phone and lost recovery codes: another person's authenticator removed; one's own only on the server."""
    if not user["second_factor_enabled"]:
        return
    st.markdown("#### 二段階認証")
    if user["id"] == me["id"]:
        st.caption("ご自身の二段階認証のリセットは、サーバーの管理コマンドで行います。")
        return
    name = labels.plain(user["name"])
    writes.confirm_then_act(
        PAGE,
        f"{PAGE}_second_factor_reset_{user['id']}",
        confirm=f"「{name}」さんの認証アプリとリカバリーコードを無効にする",
        label="二段階認証をリセット",
        call=lambda: api.reset_second_factor(user["id"]),
        success=f"「{name}」さんの二段階認証をリセットしました。次回はパスワードでログインし、認証アプリを設定し直せます。",
        icon=":material/phonelink_erase:",
    )


def grant_row(user_id: int, entry: dict, grant: dict | None) -> tuple[str, str]:
    """One domain's role select (with なし) and, for roles limited to a tenant, its scope; returns (role, scope)."""
    domain, roles = entry["domain"], entry["roles"]
    options = ["", *roles]
    left, right = st.columns(2)
    role = left.selectbox(
        entry["label"],
        options,
        index=options.index(grant["role"]) if grant else 0,
        format_func=lambda r: roles.get(r, labels.NONE_LABEL),
        key=f"{PAGE}_role_{user_id}_{domain}",
    )
    if role not in entry["scoped_roles"]:
        return role, ""
    required = role in entry["scope_required_roles"]
    kind = entry["scope_label"]
    names = {tenant["scope"]: tenant["name"] for tenant in entry["tenants"]}
    current = (grant or {}).get("scope") or ""
    options = ["", *names, *([current] if current and current not in names else [])]
    scope = right.selectbox(
        f"{entry['label']}の範囲（{kind}）{'・必須' if required else ''}",
        options,
        index=options.index(current),
        key=f"{PAGE}_scope_{user_id}_{domain}",
        format_func=lambda s: names.get(s, s) if s else ("選択してください" if required else "全体"),
    )
    return role, scope


def save_grants(user: dict, catalogue: list[dict], wanted: dict[str, tuple[str, str]]) -> None:
    """Send only the domains whose role or scope changed: PUT to set, DELETE for なし."""
    current = {g["domain"]: (g["role"], g.get("scope") or "") for g in user["grants"]}
    missing = [
        f"{e['label']}: この役割には範囲の入力が必要です。"
        for e in catalogue
        if wanted[e["domain"]][0] in e["scope_required_roles"] and not wanted[e["domain"]][1]
    ]
    if writes.show_errors(missing):
        return
    saved, errors = [], []
    for entry in catalogue:
        domain = entry["domain"]
        role, scope = wanted[domain]
        if (role, scope) == current.get(domain, ("", "")):
            continue
        try:
            if role:
                api.set_grant(user["id"], domain, role, scope or None)
            else:
                api.remove_grant(user["id"], domain)
            saved.append(entry["label"])
        except api.ApiError as exc:
            errors.append(f"{entry['label']}: {exc.message}")
    if errors:
        writes.show_errors(errors)
        if saved:
            st.success(f"保存した権限: {'、'.join(saved)}")
    elif saved:
        login_id = labels.plain(user["login_id"])
        writes.flash(PAGE, f"ユーザー「{login_id}」の権限を保存しました（{'、'.join(saved)}）。")
        st.rerun()
    else:
        st.info("変更はありません。")


def grants_editor(user: dict) -> None:
    st.markdown("#### 権限")
    for grant in (g for g in user["grants"] if g.get("group_name")):
        st.caption(f"{labels.grant_label(grant)}（グループ「{labels.plain(grant['group_name'])}」から）")
    catalogue = api.roles()
    grants = {g["domain"]: g for g in user["grants"]}
    wanted = {entry["domain"]: grant_row(user["id"], entry, grants.get(entry["domain"])) for entry in catalogue}
    if st.button("権限を保存", key=f"{PAGE}_grants_save_{user['id']}", type="primary"):
        save_grants(user, catalogue, wanted)


def people_tab(me: dict) -> None:
    writes.show_flash(PAGE)
    query = st.text_input("検索", key=f"{PAGE}_q", placeholder=directory.SEARCH_HINT).strip()
    listed = tables.paginated_table(
        PAGE, api.list_users, user_row, filters={"q": query}, export="/admin/users/export", picker=PICKER
    )
    create_form()
    st.subheader("ユーザーの編集")
    chosen = pick_user(listed["items"])
    if chosen:
        details, roles = st.columns(2, gap="large")
        with details:
            st.markdown("#### 基本情報")
            edit_form(chosen)
            second_factor_reset(chosen, me)
        with roles:
            grants_editor(chosen)


signed_in = auth.require_page(__file__)
st.title("利用者管理（全体）")
break_glass.recent_uses()
people, groups, tokens = st.tabs(["利用者", "グループ", "SCIMトークン"])
with people:
    people_tab(signed_in)
with groups:
    directory.groups_tab()
with tokens:
    directory.tokens_tab()
