"""代替機 › ステータス送信: the status form a device's QR code opens (?device=<id>), prefilled, usable on a phone.

The widgets live outside st.form so a change of 0-4.ステータス (or of 3-0.社内ステータス) shows its questions at once.
"""

import re
from datetime import date
from typing import Any

import streamlit as st

from dashboards import api, auth, components, labels, loaners_api
from dashboards.app_pages import loaners_common

PAGE = "loaners_status_form"
ERRORS_KEY = f"{PAGE}_errors"


def widget_key(device_id: int, question: dict) -> str:
    return f"{PAGE}_{device_id}_{question['id']}"


def prefill(device_id: int, form: dict, answers: dict[str, str], person: str) -> None:
    """Put the current answers in the widgets once per device (later runs keep what the person changed); 担当者 is
    the signed-in person, who is answering now."""
    if st.session_state.get(f"{PAGE}_prefilled") == device_id:
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


def condition_rule(question: dict) -> str:
    """Why a conditional question cannot be answered now (the held-device rule in the spec's wording)."""
    vocabulary = loaners_api.vocabulary()
    if question["key"] == vocabulary["held_key"]:
        return vocabulary["messages"]["held_not_allowed"]
    condition = "、".join(f"「{k}」が「{v}」" for k, v in question["condition"].items())
    return vocabulary["messages"]["condition_not_met"].format(key=question["key"], condition=condition)


def ask(device_id: int, question: dict, answers: dict) -> Any:
    """One question's widget; a conditional one (the held-device status) is emptied and greyed out while its
    condition does not hold (§2.6.2: cleared when 0-4 leaves 1.貸出中 or 1-4 becomes 無し)."""
    key, label, help_text = widget_key(device_id, question), question["key"], question["help_text"] or None
    label += "（必須）" if question["required"] else ""
    kind = question["type"]
    allowed = loaners_common.condition_met(question, answers)
    if not allowed:
        st.session_state[key] = None
        help_text = condition_rule(question)
    empty = {} if key in st.session_state else {"index" if kind == "choice" else "value": None}
    if kind == "choice":
        options = list(question["choices"])
        current = st.session_state.get(key)
        if current and current not in options:
            options.append(current)  # a stale answer stays visible so the check can name it
        if question["key"] == loaners_api.vocabulary()["status_key"]:
            return st.radio(label, options, key=key, help=help_text, **empty)
        return st.selectbox(
            label, options, key=key, placeholder="選択してください", help=help_text, disabled=not allowed, **empty
        )
    if kind == "date":
        return st.date_input(label, key=key, format="YYYY/MM/DD", help=help_text, disabled=not allowed, **empty)
    if kind == "number":
        return st.number_input(label, key=key, help=help_text, disabled=not allowed, **empty)
    if kind == "textarea":
        return st.text_area(label, key=key, help=help_text, disabled=not allowed)
    return st.text_input(label, key=key, help=help_text, disabled=not allowed)


def as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return f"{value:%Y/%m/%d}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def check(form: dict, answers: dict[str, str]) -> dict[str, str]:
    """The API's rules checked before sending: choices and required answers; field -> message."""
    messages, errors = loaners_api.vocabulary()["messages"], {}
    for question in form["questions"]:
        key, value = question["key"], answers.get(question["key"], "")
        if not loaners_common.shown(question, form, answers):
            continue
        if value and question["type"] == "choice" and value not in question["choices"]:
            errors[key] = messages["not_a_choice"].format(key=key, value=value)
        elif not value and question["required"] and loaners_common.condition_met(question, answers):
            errors[key] = messages["required"].format(key=key)
    return errors


def refusal(exc: api.ApiError) -> dict[str, str]:
    """The API's 422 as field -> message (every broken rule it lists), or the message alone."""
    listed = exc.details.get("errors") if isinstance(exc.details, dict) else None
    if not listed:
        return {"": exc.message}
    return {error["field"]: error["message"] for error in listed}


def send(device: dict, form: dict, answers: dict[str, str]) -> None:
    errors = check(form, answers)
    if not errors:
        shown = {k: v for k, v in answers.items() if v}
        try:
            loaners_api.submit(device["id"], shown)
        except api.ApiError as exc:
            errors = refusal(exc)
    if errors:
        st.session_state[ERRORS_KEY] = errors
        st.rerun()
    st.session_state.pop(ERRORS_KEY, None)
    components.flash(PAGE, f"{labels.plain(device['management_number'])} のステータスを送信しました。")
    st.rerun()


def form_body(device: dict, form: dict) -> None:
    errors: dict[str, str] = st.session_state.get(ERRORS_KEY, {})
    if errors:
        st.error(loaners_api.vocabulary()["messages"]["answers_invalid"])
    if errors.get(""):
        st.error(errors[""])
    answers: dict[str, str] = {}
    for question in form["questions"]:
        if not loaners_common.shown(question, form, answers):
            continue
        answers[question["key"]] = as_text(ask(device["id"], question, answers))
        if question["key"] in errors:
            st.error(errors[question["key"]])
    hidden = set(errors) - set(answers) - {""}
    for key in sorted(hidden):
        st.error(errors[key])
    if st.button("送信", type="primary", key=f"{PAGE}_submit", use_container_width=True, icon=":material/send:"):
        send(device, form, answers)


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
        format_func=found.get,
        placeholder="機器を選択" if found else "該当する機器がありません",
    )


def device_from_address() -> int | None:
    raw = st.query_params.get("device", "")
    return int(raw) if raw.isdigit() else None


user = auth.require_page(__file__)
st.title("ステータス送信")
components.show_flash(PAGE)
device_id = device_from_address() or choose_device()
if device_id is None:
    st.stop()
try:
    loaded = loaners_api.device_form(device_id)
except api.ApiError as exc:
    components.api_error(exc)
    st.stop()
chosen = loaded["device"]
st.markdown(
    f"**{labels.plain(chosen['management_number'])}**  \n"
    f"{chosen['kind_label']}・{labels.plain(chosen['model_name'])}・{labels.plain(chosen['location_name'])}"
)
if loaded["current"]:
    st.caption(f"現在: {chosen['status'] or '-'}（{components.local_time(loaded['current']['submitted_at'])}）")
prefill(device_id, loaded["form"], loaded["prefill"], user["name"])
form_body(chosen, loaded["form"])
loaners_common.device_link(chosen["id"], chosen["management_number"])
