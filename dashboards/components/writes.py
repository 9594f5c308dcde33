"""Writes: act runs one write and reruns with the success message (show_flash shows it at the top of the page), or shows
the API's refusal; confirm_then_act is the same behind a tick box, for what cannot be undone."""

from collections.abc import Callable
from typing import Any

import streamlit as st

from dashboards import api, forms

NO_CHANGES = "変更はありません。"


def _flash_key(page_key: str, at: str | None) -> str:
    return f"{page_key}_{at}_flash" if at else f"{page_key}_flash"


def flash(page_key: str, message: str, *, at: str | None = None) -> None:
    """Keep a success message to show after the rerun that follows a write; at: the place that shows it (the form
    whose button made the change, so the message sits beside it, not at the top of a long page)."""
    st.session_state[_flash_key(page_key, at)] = message


def show_flash(page_key: str, *, at: str | None = None) -> None:
    message = st.session_state.pop(_flash_key(page_key, at), None)
    if message:
        st.success(message)


def show_errors(errors: list[str]) -> bool:
    """True when there were any."""
    for error in errors:
        st.error(error)
    return bool(errors)


def api_error(exc: api.ApiError) -> None:
    """An API refusal shown as its message, with the fields it names or the CSV columns it says are missing (a CSV's
    refusal, rule "columns", names them as the file's header does; a refused input's details name each field in
    words, `label`)."""
    if isinstance(exc.details, dict) and exc.details.get("rule") == "columns" and exc.details.get("missing"):
        st.error(f"{exc.message}（不足している列: {'、'.join(map(str, exc.details['missing']))}）")
        return
    details = exc.details if isinstance(exc.details, list) else []
    fields = dict.fromkeys(d["label"] for d in details if isinstance(d, dict) and d.get("label"))
    st.error(f"{exc.message}（{'、'.join(fields)}）" if fields else exc.message)


def act(
    page_key: str,
    call: Callable[[], Any],
    success: str,
    *,
    changed: bool = True,
    form: str | None = None,
    at: str | None = None,
) -> None:
    """changed=False (a form sent back as it was) says 変更はありません。 and writes nothing. form: the key of the
    create form that sent it, which starts empty again once the write succeeded (forms.clear). at: where the success
    is shown (show_flash(page_key, at=...) beside the form's button); the page's top when None."""
    if not changed:
        st.info(NO_CHANGES)
        return
    try:
        call()
    except api.ApiError as exc:
        api_error(exc)
        return
    if form is not None:
        forms.clear(form)
    flash(page_key, success, at=at)
    st.rerun()


def confirm_then_act(
    page_key: str,
    key: str,
    *,
    confirm: str,
    label: str,
    call: Callable[[], Any],
    success: str,
    icon: str | None = None,
    help: str | None = None,
) -> None:
    """A button that stays disabled until its tick box (key `{key}_ok`) is ticked, then runs the write like act()."""
    confirmed = st.checkbox(confirm, key=f"{key}_ok", help=help)
    if st.button(label, key=key, disabled=not confirmed, icon=icon):
        act(page_key, call, success)
