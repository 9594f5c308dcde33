"""代替機 › ステータス送信: the status form a device's QR code opens (?device=<id>), prefilled, usable on a phone.

The questions' widgets are loaners_answers' (shared with 一括ステータス変更).
"""

import re
from datetime import date
from typing import Any

import streamlit as st

from dashboards import api, auth, labels, loaners_api
from dashboards.app_pages.loaners import answers as loaners_answers
from dashboards.app_pages.loaners import common as loaners_common
from dashboards.components import timestamps, writes

PAGE = "loaners_status_form"
ERRORS_KEY = loaners_answers.errors_key(PAGE)


def widget_key(device_id: int, question: dict) -> str:
    return loaners_answers.widget_key(f"{PAGE}_{device_id}", question)


def opened(device_id: int, form: dict) -> bool:
    """Whether this run opens the device's form: another device was on it, or its widgets are gone (Streamlit drops a
    widget's state once a run leaves it off the screen, so coming back to the page from another one opens it anew).
    The 担当者 question is always on the form."""
    person = next(q for q in form["questions"] if q["key"] == form["person_key"])
    shown = widget_key(device_id, person) in st.session_state
    return st.session_state.get(f"{PAGE}_prefilled") != device_id or not shown


def prefill(device_id: int, form: dict, answers: dict[str, str], person: str) -> None:
    """Put the current answers in the widgets each time the form is opened (the reruns in between keep what the
    person changed); 担当者 is the signed-in person, who is answering now."""
    if not opened(device_id, form):
        return
    for question in form["questions"]:
        value: Any = person if question["key"] == form["person_key"] else answers.get(question["key"])
        if value is not None and question["type"] == "date":
            value = date(*map(int, re.split("[-/]", value)))
        elif value is not None and question["type"] == "number":
            value = float(value)
        st.session_state[widget_key(device_id, question)] = value
    st.session_state[f"{PAGE}_prefilled"] = device_id
    st.session_state.pop(ERRORS_KEY, None)


def send(device: dict, form: dict, answers: dict[str, str]) -> None:
    """Once sent, the form opens anew from the service's prefill, which carries no free-text note."""

    def submit(given: dict[str, str]) -> str:
        loaners_api.submit(device["id"], given)
        st.session_state.pop(f"{PAGE}_prefilled", None)
        return f"{labels.plain(device['management_number'])} のステータスを送信しました。"

    loaners_answers.send_checked(PAGE, form, answers, submit)


def form_body(device: dict, form: dict) -> None:
    answers = loaners_answers.questions(f"{PAGE}_{device['id']}", form, st.session_state.get(ERRORS_KEY, {}))
    if st.button("送信", type="primary", key=f"{PAGE}_submit", use_container_width=True, icon=":material/send:"):
        send(device, form, answers)


def bulk_pick(device: dict) -> None:
    """「一括変更に追加」: put the device on the person's list for 一括ステータス変更, kept on the server, so that a
    phone scanning QR codes one after another (each opening this page) gathers them all."""
    picks = {d["id"] for d in loaners_api.bulk_picks()}
    st.divider()
    if device["id"] in picks:
        st.success(f"一括変更に追加済みです（選択中 {len(picks)}台）。")
    elif st.button("一括変更に追加", key=f"{PAGE}_bulk_pick", use_container_width=True, icon=":material/playlist_add:"):
        loaners_api.add_bulk_pick(device["id"])
        st.rerun()
    if picks:
        st.page_link(
            loaners_common.BULK_PAGE,
            label=f"一括ステータス変更を開く（選択中 {len(picks)}台）",
            icon=":material/library_add_check:",
        )


def choose_device() -> int | None:
    """Without ?device=: find the device by part of its 拠点管理番号."""
    query = st.text_input("拠点管理番号で検索", key=f"{PAGE}_q", placeholder="拠点管理番号の一部").strip()
    if not query:
        st.info("QRコードから開くか、拠点管理番号で機器を検索してください。")
        return None
    found = {d["id"]: d["management_number"] for d in loaners_api.list_devices(q=query, page_size=20)["items"]}
    return st.selectbox(
        "機器",
        list(found),
        index=None,
        key=f"{PAGE}_device",
        format_func=found.__getitem__,
        placeholder="機器を選択" if found else "該当する機器がありません",
    )


def device_from_address() -> int | None:
    raw = st.query_params.get("device", "")
    return int(raw) if raw.isdigit() else None


user = auth.require_page(__file__)
st.title("ステータス送信")
writes.show_flash(PAGE)
device_id = device_from_address() or choose_device()
if device_id is None:
    st.stop()
try:
    loaded = loaners_api.device_form(device_id)
except api.ApiError as exc:
    writes.api_error(exc)
    st.stop()
chosen = loaded["device"]
st.markdown(
    f"**{labels.plain(chosen['management_number'])}**  \n"
    f"{chosen['kind_label']}・{labels.plain(chosen['model_name'])}・{labels.plain(chosen['location_name'])}"
)
if loaded["current"]:
    st.caption(f"現在: {chosen['status'] or '-'}（{timestamps.local_time(loaded['current']['submitted_at'])}）")
prefill(device_id, loaded["form"], loaded["prefill"], user["name"])
form_body(chosen, loaded["form"])
bulk_pick(chosen)
loaners_common.device_link(chosen["id"], chosen["management_number"])
