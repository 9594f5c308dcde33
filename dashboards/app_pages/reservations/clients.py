"""予約 › MCPクライアント: each integrating AI chat client has its own API key (shown once), and can be revoked."""

import streamlit as st

from dashboards import api, auth, forms, labels, reservations_api
from dashboards.app_pages.reservations import common
from dashboards.components import timestamps, writes

PAGE = "reservations_clients"
NEW_KEY = f"{PAGE}_new_key"
CREATE = f"{PAGE}_create"  # the APIキーを発行 form


def client_row(client: dict) -> dict:
    head = common.headers("mcp_client")
    return {
        "ID": client["id"],
        "名前": client["name"],
        "キー（先頭）": f"{client['key_prefix']}…",
        "状態": common.field("mcp_client", "active").word(client["active"]),
        head["created_by"]: client["created_by"],
        "作成日時": timestamps.local_time(client["created_at"])[:16],
        head["last_used_at"]: timestamps.local_time(client["last_used_at"])[:16] or "未使用",
        head["revoked_at"]: timestamps.local_time(client["revoked_at"])[:16],
    }


def create_form() -> None:
    with st.form(CREATE):
        name = st.text_input(
            **common.field("mcp_client", "name").text(),
            key=forms.key(CREATE, "name"),
            placeholder="例: 社内AIチャット（Claude Desktop）",
        ).strip()
        submitted = st.form_submit_button("APIキーを発行", type="primary")
    if not submitted:
        return
    if not name:
        st.error(common.field("mcp_client", "name").required_message())
        return
    try:
        created = reservations_api.create_mcp_client(name)
    except api.ApiError as exc:
        writes.api_error(exc)
        return
    forms.clear(CREATE)
    st.session_state[NEW_KEY] = created
    st.rerun()


def show_new_key() -> None:
    created = st.session_state.pop(NEW_KEY, None)
    if created:
        st.success(f"「{labels.plain(created['name'])}」のAPIキーを発行しました。このキーは今回だけ表示されます。")
        st.code(created["api_key"], language=None)


def revoke(clients: list[dict]) -> None:
    active = {client["id"]: client["name"] for client in clients if client["active"]}
    if not active:
        return
    chosen = st.selectbox(
        "無効にするクライアント",
        list(active),
        index=None,
        format_func=active.__getitem__,
        key=f"{PAGE}_revoke_id",
        placeholder="クライアントを選択",
    )
    if chosen is not None:
        writes.confirm_then_act(
            PAGE,
            f"{PAGE}_revoke",
            confirm="このクライアントのAPIキーを無効にします（元に戻せません）",
            label="無効にする",
            call=lambda: reservations_api.revoke_mcp_client(chosen),
            success=f"「{active[chosen]}」のAPIキーを無効にしました。",
            icon=":material/key_off:",
        )


auth.require_page(__file__)
st.title("MCPクライアント")
st.caption(
    "AIチャット（MCPクライアント）ごとにAPIキーを発行します。MCPエンドポイント: /mcp（Authorization: Bearer <APIキー>）"
)
writes.show_flash(PAGE)
show_new_key()
create_form()
clients = reservations_api.list_mcp_clients()
if clients:
    st.dataframe([client_row(c) for c in clients], hide_index=True)
else:
    st.info("MCPクライアントはまだありません。")
revoke(clients)
