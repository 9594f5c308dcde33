"""The status form's questions as widgets, shared by ステータス送信 (one device) and 一括ステータス変更 (many).

The widgets live outside st.form so a change of 0-4.ステータス (or of 3-0.社内ステータス) shows its questions at once;
each page names its widgets by a prefix of its own.
"""

from collections.abc import Callable
from datetime import date
from typing import Any

import streamlit as st

from dashboards import api, labels, loaners_api
from dashboards.app_pages.loaners import common as loaners_common
from dashboards.components import writes


def widget_key(prefix: str, question: dict) -> str:
    return f"{prefix}_{question['id']}"


def condition_rule(question: dict) -> str:
    """Why a conditional question cannot be answered now (the held-device rule in the spec's wording)."""
    vocabulary = loaners_api.vocabulary()
    if question["key"] == vocabulary["held_key"]:
        return vocabulary["messages"]["held_not_allowed"]
    condition = "、".join(f"「{k}」が「{v}」" for k, v in question["condition"].items())
    return vocabulary["messages"]["condition_not_met"].format(key=question["key"], condition=condition)


def ask(prefix: str, question: dict, answers: dict) -> Any:
    """One question's widget; a conditional one (the held-device status) is emptied and greyed out while its
    condition does not hold (§2.6.2: cleared when 0-4 leaves 1.貸出中 or 1-4 becomes 無し)."""
    key, label, help_text = widget_key(prefix, question), question["key"], question["help_text"] or None
    label += "（必須）" if question["required"] else ""
    kind = question["type"]
    allowed = loaners_common.condition_met(question, answers)
    if not allowed:
        st.session_state[key] = None
        help_text = condition_rule(question)
    empty: dict[str, Any] = {} if key in st.session_state else {"index" if kind == "choice" else "value": None}
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
        return st.date_input(label, key=key, help=help_text, disabled=not allowed, **empty)
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


def errors_key(page: str) -> str:
    """Where a page keeps the refusal of its last send, for `questions` to show on the rerun."""
    return f"{page}_errors"


def send_checked(page: str, form: dict, answers: dict[str, str], submit: Callable[[dict[str, str]], str]) -> None:
    """Check the answers, then `submit` the given ones (it returns the flash message); a refusal, ours or the API's,
    is kept under the page's errors_key."""
    errors = check(form, answers)
    if not errors:
        try:
            done = submit({key: value for key, value in answers.items() if value})
        except api.ApiError as exc:
            errors = refusal(exc)
    if errors:
        st.session_state[errors_key(page)] = errors
        st.rerun()
    st.session_state.pop(errors_key(page), None)
    writes.flash(page, done)
    st.rerun()


def questions(prefix: str, form: dict, errors: dict[str, str]) -> dict[str, str]:
    """Every question the answers so far show, each with its error; returns the answers as text."""
    if errors:
        st.error(loaners_api.vocabulary()["messages"]["answers_invalid"])
    if errors.get(""):
        st.error(labels.plain(errors[""]))
    answers: dict[str, str] = {}
    for question in form["questions"]:
        if not loaners_common.shown(question, form, answers):
            continue
        answers[question["key"]] = as_text(ask(prefix, question, answers))
        if question["key"] in errors:
            st.error(errors[question["key"]])
    for key in sorted(set(errors) - set(answers) - {""}):
        st.error(errors[key])
    return answers
