"""代理店CRM › 新規投入依頼 (§3.1a): a new corporation (1page・2page), the statement images and remarks, sent as one
request; the sales person enters no site information (the back office does, from the images)."""

import streamlit as st

from dashboards import api, components, crm_api
from dashboards.app_pages.crm import common
from dashboards.app_pages.crm import forms as crm_forms

PAGE = "crm_new_request"
FORM = f"{PAGE}_form"


def agency_for(profile: dict) -> int | None:
    """An admin names the agency of the new corporation; a sales person's is their own."""
    if profile["role"] == common.SALES:
        st.caption(f"代理店: {profile['agency_name']}")
        return None
    return common.agency_select("代理店（新規法人の所属）", f"{PAGE}_agency", include_all=False)


def send(values: dict, request: crm_forms.RequestInput, agency_id: int | None) -> None:
    errors = crm_forms.corporation_errors(values, None) + request.errors()
    if components.show_errors(errors):
        return
    payload = request.payload() | {"corporation": values, "agency_id": agency_id}
    try:
        created = crm_api.create_request(payload, request.files)
    except api.ApiError as exc:
        common.show_api_error(exc)
        return
    crm_forms.after_sending(created, FORM)


profile = common.start(__file__)
agency_id = agency_for(profile)
st.caption("営業担当者が入力するのは法人情報と明細画像だけです。地点情報は投入担当者が明細画像から入力します。")
with st.form(FORM):
    corporation = crm_forms.corporation_form(FORM, None)
    request = crm_forms.request_input(FORM)
    submitted = st.form_submit_button("投入依頼を送信", type="primary", icon=":material/send:")
if submitted:
    send(corporation, request, agency_id)
