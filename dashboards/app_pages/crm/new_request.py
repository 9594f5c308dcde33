"""代理店CRM › 新規投入依頼 (§3.1a): a new corporation (1page・2page), the statement images and remarks, sent as one
request; the sales person enters no site information (the back office does, from the images).

One company is one corporation (decision 1, §3.1b): a corporation the agency has already (the API's 409
duplicate_corporation naming it) is shown with 「この法人に地点を追加して送信」, which sends the same images and
remarks to it; a name-and-phone match may also be sent as another company (「別の法人として登録」).
"""

import streamlit as st

from dashboards import api, crm_api, formats, labels
from dashboards.app_pages.crm import common
from dashboards.app_pages.crm import forms as crm_forms
from dashboards.components import writes

PAGE = "crm_new_request"
FORM = f"{PAGE}_form"
PENDING = f"{PAGE}_duplicate"  # the request the API answered with a corporation it has, kept until a choice
DUPLICATE = "duplicate_corporation"


def agency_for(profile: dict) -> int | None:
    """An admin names the agency of the new corporation; a sales person's is their own."""
    if profile["role"] == common.SALES:
        st.caption(f"代理店: {profile['agency_name']}")
        return None
    return common.agency_select("代理店（新規法人の所属）", f"{PAGE}_agency", include_all=False)


def create(payload: dict, request: crm_forms.RequestInput) -> None:
    """Send the request; on success off to マイ依頼一覧, else the API's refusal (a duplicate kept for the choice)."""
    try:
        created = crm_api.create_request(request.payload() | payload, request.files)
    except api.ApiError as exc:
        if exc.code == DUPLICATE:
            st.session_state[PENDING] = {
                "payload": payload,
                "request": request,
                "message": exc.message,
                "details": exc.details,
            }
            return
        common.show_api_error(exc)
        return
    st.session_state.pop(PENDING, None)
    crm_forms.after_sending(created, FORM)


def send(values: dict, request: crm_forms.RequestInput, agency_id: int | None) -> None:
    st.session_state.pop(PENDING, None)
    errors = crm_forms.corporation_errors(values, None) + request.errors()
    if writes.show_errors(errors):
        return
    create({"corporation": values, "agency_id": agency_id}, request)


def existing_payload(corporation: dict, values: dict) -> dict:
    """既存法人に地点追加 of the corporation found: its id, and the security code typed when it needs one again."""
    code = values.get("credit_card_security_code", "") if corporation["security_code_needed"] else ""
    return {"corporation_id": corporation["id"]} | ({"credit_card_security_code": code} if code else {})


def show_existing(corporation: dict, pending: dict) -> None:
    """One corporation the agency has, and the button that sends the request to it."""
    with st.container(border=True):
        number = corporation["corporation_number"]
        facts = [f"法人番号 {number}" if number else "", formats.phone(corporation["phone1"]), corporation["address"]]
        st.markdown(f"**{labels.plain(corporation['display_name'])}**（#{corporation['id']}）")
        st.caption(f"{'・'.join(fact for fact in facts if fact)}　投入依頼 {corporation['requests']}件")
        if st.button(
            "この法人に地点を追加して送信",
            key=f"{PAGE}_existing_{corporation['id']}",
            type="primary",
            icon=":material/add_location_alt:",
        ):
            create(existing_payload(corporation, pending["payload"]["corporation"]), pending["request"])


def show_duplicate() -> None:
    """The confirm step: the corporations the agency has, to add the sites to; another company only when the API
    allows it (a name-and-phone match, never a 法人番号's)."""
    pending = st.session_state.get(PENDING)
    if pending is None:
        return
    st.warning(pending["message"], icon=":material/domain:")
    for corporation in pending["details"]["corporations"]:
        show_existing(corporation, pending)
    other, cancel = st.columns(2)
    if pending["details"]["confirmable"] and other.button("別の法人として登録", key=f"{PAGE}_confirm"):
        create(pending["payload"] | {"confirm": True}, pending["request"])
    if cancel.button("送信しない", key=f"{PAGE}_cancel"):
        st.session_state.pop(PENDING, None)
        st.rerun()


profile = common.start(__file__)
agency_id = agency_for(profile)
st.caption("営業担当者が入力するのは法人情報と明細画像だけです。地点情報は投入担当者が明細画像から入力します。")
with st.form(FORM):
    corporation = crm_forms.corporation_form(FORM, None)
    request = crm_forms.request_input(FORM)
    submitted = st.form_submit_button("投入依頼を送信", type="primary", icon=":material/send:")
if submitted:
    send(corporation, request, agency_id)
show_duplicate()
