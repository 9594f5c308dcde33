"""利用者管理's グループ (members and the grants they give them) and SCIMトークン (the company's directory's keys, each
shown once) tabs; layout only: the rules are the service's (service/identity/groups.py, scim/tokens.py)."""

import streamlit as st

from dashboards import api, fields, labels
from dashboards.components import timestamps, writes

PAGE = "admin_users"
GROUPS = f"{PAGE}_groups"
TOKENS = f"{PAGE}_tokens"
SECRET = f"{TOKENS}_secret"  # the token just made, shown on the next run alone
SEARCH_HINT = "ログインID・氏名・メールアドレスの一部"
MATCHES_SHOWN = 50  # the people one member search lists; the search box narrows them


def field(table: str, column: str) -> fields.Field:
    """A group's, a grant's or a token's field as GET /admin/vocabulary states it."""
    return fields.field("platform", table, column)


def person_names(users: list[dict]) -> dict[int, str]:
    return {u["id"]: f"{u['name']}（{u['login_id']}）" for u in users}


def group_grants(group: dict, catalogue: list[dict]) -> None:
    """The group's grants, each removable, and one to add (a scoped role with its tenant, picked by name)."""
    for grant in group["grants"]:
        text, remove = st.columns([4, 1])
        text.write(labels.grant_label(grant))
        if remove.button("外す", key=f"{GROUPS}_ungrant_{group['id']}_{grant['domain']}"):
            ungrant(group, grant)
    entries = {e["domain"]: e for e in catalogue}
    with st.form(f"{GROUPS}_grant_{group['id']}"):
        left, middle, right = st.columns(3)
        domain = left.selectbox(
            field("identity_grant", "domain").label, list(entries), format_func=lambda d: entries[d]["label"]
        )
        entry = entries[domain]
        role = middle.selectbox(
            field("identity_grant", "role").label, list(entry["roles"]), format_func=lambda r: entry["roles"][r]
        )
        names = {t["scope"]: t["name"] for t in entry["tenants"]}
        scope = right.selectbox(
            f"範囲（{entry['scope_label'] or 'なし'}）",
            ["", *names],
            format_func=lambda s: names.get(s, "全体"),
            disabled=not names,
        )
        submitted = st.form_submit_button("権限を付ける")
    if submitted:
        writes.act(
            PAGE,
            lambda: api.set_group_grant(group["id"], domain, role, scope or None),
            f"グループ「{labels.plain(group['display_name'])}」のメンバーに{entry['label']}の権限を付けました。",
            at=GROUPS,
        )


def ungrant(group: dict, grant: dict) -> None:
    writes.act(
        PAGE,
        lambda: api.remove_group_grant(group["id"], grant["domain"]),
        f"グループ「{labels.plain(group['display_name'])}」から{grant['domain_label']}の権限を外しました。",
        at=GROUPS,
    )


def group_members(group: dict) -> None:
    """The members, kept while the person searches for more: the picker lists the group's members, those picked so
    far, and the first people the search finds (GET /admin/users?q=), never the whole directory."""
    if group["from_directory"]:
        st.caption("メンバーは会社のディレクトリ（SCIM）が管理します。")
        st.write("、".join(m["name"] for m in group["members"]) or labels.NONE_LABEL)
        return
    gid = group["id"]
    picked_key, names_key = f"{GROUPS}_members_{gid}", f"{GROUPS}_names_{gid}"
    query = st.text_input("利用者を検索", key=f"{GROUPS}_search_{gid}", placeholder=SEARCH_HINT).strip()
    found = api.list_users(q=query, page_size=MATCHES_SHOWN)
    names = st.session_state[names_key] = (
        st.session_state.get(names_key, {}) | person_names(group["members"]) | person_names(found["items"])
    )
    members = [m["id"] for m in group["members"]]
    picked = st.session_state.get(picked_key, members)
    options = list(dict.fromkeys([*picked, *members, *(u["id"] for u in found["items"])]))
    st.multiselect("グループの利用者", options, default=members, format_func=names.get, key=picked_key)
    if found["total"] > len(found["items"]):
        st.caption(
            f"該当する{found['total']}人のうち{len(found['items'])}人を候補に表示しています。"
            "氏名やログインIDで検索して絞り込んでください。"
        )
    if st.button("メンバーを保存", key=f"{GROUPS}_save_{gid}"):
        writes.act(
            PAGE,
            lambda: api.update_group(gid, group["display_name"], st.session_state[picked_key]),
            f"グループ「{labels.plain(group['display_name'])}」のメンバーを保存しました。",
            at=GROUPS,
        )


def groups_tab() -> None:
    st.caption(
        "グループに付けた権限は、そのメンバー全員に付きます。グループから外れると、その権限もなくなります。"
        "本人に個別の権限がある領域では、個別の権限が優先されます。"
    )
    writes.show_flash(PAGE, at=GROUPS)
    catalogue = api.roles()
    for group in api.list_groups():
        with st.expander(f"{group['display_name']}（{len(group['members'])}人）"):
            group_members(group)
            st.markdown("##### 権限")
            group_grants(group, catalogue)
    with st.form(f"{GROUPS}_new"):
        named = field("identity_group", "display_name")
        name = st.text_input(**named.text()).strip()
        submitted = st.form_submit_button("グループを作成")
    if submitted and not writes.show_errors([] if name else [named.required_message()]):
        made = f"グループ「{labels.plain(name)}」を作成しました。"
        writes.act(PAGE, lambda: api.create_group(name, []), made, at=GROUPS)


def token_rows(tokens: list[dict]) -> list[dict]:
    head = fields.headers("platform", "identity_scim_token")
    return [
        {
            head["name"]: t["name"],
            "作成日時": timestamps.local_time(t["created_at"]),
            head["created_by"]: t["created_by"],
            head["last_used_at"]: timestamps.local_time(t["last_used_at"]) or "未使用",
            "状態": "取り消し済み" if t["revoked_at"] else "有効",
        }
        for t in tokens
    ]


def show_new_secret() -> None:
    made = st.session_state.pop(SECRET, None)
    if made:
        st.success(f"SCIMトークン「{labels.plain(made['name'])}」を作成しました。この値は今しか表示されません。")
        st.code(made["secret"], language=None)


def tokens_tab() -> None:
    st.caption(
        "会社のディレクトリ（Entra ID・Okta・HENNGE One など）が利用者を登録・変更・無効化するときに使うトークンです。"
        "SCIMのURLは /api/scim/v2 です。"
    )
    writes.show_flash(PAGE, at=TOKENS)
    show_new_secret()
    tokens = api.list_scim_tokens()
    if tokens:
        st.dataframe(token_rows(tokens), hide_index=True)
    live = {t["id"]: t["name"] for t in tokens if not t["revoked_at"]}
    if live:
        with st.form(f"{TOKENS}_revoke"):
            chosen = st.selectbox("取り消すトークン", list(live), format_func=lambda i: live[i])
            submitted = st.form_submit_button("取り消す")
        if submitted:
            writes.act(
                PAGE,
                lambda: api.revoke_scim_token(chosen),
                f"SCIMトークン「{labels.plain(live[chosen])}」を取り消しました。このトークンはもう使えません。",
                at=TOKENS,
            )
    with st.form(f"{TOKENS}_new"):
        named = field("identity_scim_token", "name")
        name = st.text_input(**named.text(), placeholder="entra-prod").strip()
        submitted = st.form_submit_button("トークンを作成")
    if submitted and not writes.show_errors([] if name else [named.required_message()]):

        def make() -> None:
            st.session_state[SECRET] = api.make_scim_token(name)

        writes.act(PAGE, make, "", at=f"{TOKENS}_made")
