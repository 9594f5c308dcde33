"""代理店CRM › 既存法人に地点追加 (§3.1b): find the corporation by name, 法人番号 or phone number, see its information
(表示のみ), and send the added sites' statement images with remarks as a new request."""

import streamlit as st

from dashboards import api, crm_api, fields, forms
from dashboards.app_pages.crm import common
from dashboards.app_pages.crm import forms as crm_forms
from dashboards.app_pages.crm.labels import SECURITY_CODE_AGAIN
from dashboards.components import writes

PAGE = "crm_add_site"
FORM = f"{PAGE}_form"
SHOWN = 20


def search() -> int | None:
    """The corporation picked from a search; None until one is."""
    query = st.text_input(
        **fields.search("法人名・法人番号・電話番号で検索"),
        key=f"{PAGE}_q",
        placeholder="例: テスト商事 / 7000012050002",
    ).strip()
    if not query:
        st.info("地点を追加する法人を、法人名・法人番号・電話番号で検索してください。")
        return None
    found = crm_api.search_corporations(q=query, page_size=SHOWN)
    if not found["items"]:
        st.info("該当する法人はありません。新しい法人の場合は「新規投入依頼」から依頼してください。")
        return None
    if found["total"] > SHOWN:
        st.caption(f"全{found['total']:,}件中 {SHOWN}件を表示しています。検索語を詳しくすると絞り込めます。")
    by_id = {corporation["id"]: corporation for corporation in found["items"]}
    return st.selectbox(
        "法人",
        list(by_id),
        index=None,
        key=f"{PAGE}_corporation",
        placeholder="検索結果から法人を選択",
        format_func=lambda i: common.corporation_label(by_id[i]),
    )


def security_code(corporation: dict) -> str:
    """The card's security code, asked again when an earlier request's completion deleted it (PCI rule)."""
    if not corporation["security_code_needed"]:
        return ""
    st.warning(SECURITY_CODE_AGAIN, icon=":material/credit_card:")
    return st.text_input(
        "セキュリティコード（必須）",
        type="password",
        max_chars=common.security_code_max(),
        key=forms.key(FORM, "security_code"),
    ).strip()


def send(corporation_id: int, request: crm_forms.RequestInput, code: str) -> None:
    if writes.show_errors(request.errors()):
        return
    extra = {"corporation_id": corporation_id} | ({"credit_card_security_code": code} if code else {})
    try:
        created = crm_api.create_request(request.payload() | extra, request.files)
    except api.ApiError as exc:
        common.show_api_error(exc)
        return
    crm_forms.after_sending(created, FORM)


common.start(__file__)
chosen = search()
if chosen is not None:
    corporation = crm_api.get_corporation(chosen)
    with st.expander("法人情報（表示のみ）", expanded=True, icon=":material/domain:"):
        crm_forms.corporation_view(corporation)
    with st.form(FORM):
        code = security_code(corporation)
        request = crm_forms.request_input(FORM)
        submitted = st.form_submit_button("投入依頼を送信", type="primary", icon=":material/send:")
    if submitted:
        send(chosen, request, code)
