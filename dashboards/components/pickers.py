"""Selects over known codes and over records (kept by id)."""

from collections.abc import Hashable, Mapping
from typing import Any, TypeVar

import streamlit as st

from dashboards import labels

Id = TypeVar("Id", bound=Hashable)


def code_select(label: str, mapping: dict[str, str], key: str, *, default: str = "") -> str:
    """すべて first; returns the code or '' (default: the code chosen when the page opens)."""
    options = ["", *mapping]
    return st.selectbox(
        label,
        options,
        index=options.index(default),
        format_func=lambda code: mapping.get(code, labels.ALL_LABEL),
        key=key,
    )


def record_picker(
    label: str,
    options: Mapping[Id, str],
    key: str,
    *,
    default: Id | None = None,
    placeholder: str | None = None,
) -> Any:
    """Streamlit sends a choice back as the label it showed, so a write that changes a label (a status, a name) would
    drop the choice and the next form on that record would silently do nothing. The choice is kept by id under
    `{key}_id` and handed to the widget (key `key`) on every run, so labels may change freely; `default` is chosen while
    nothing shown is."""
    memory = f"{key}_id"
    chosen = st.session_state.get(memory)
    if chosen not in options:
        chosen = default if default in options else None
    st.session_state[memory] = st.session_state[key] = chosen
    st.selectbox(
        label,
        list(options),
        key=key,
        format_func=options.__getitem__,
        placeholder=placeholder,
        on_change=_remember_choice,
        args=(key, tuple(options)),
    )
    return chosen


def _remember_choice(key: str, ids: tuple) -> None:
    """Keep a person's new choice by id; a label the browser held from before a write names no record."""
    value = st.session_state[key]
    if value is None or value in ids:
        st.session_state[f"{key}_id"] = value


def chosen(key: str) -> Any:
    """The id last chosen in the record_picker keyed `key` (None before any choice)."""
    return st.session_state.get(f"{key}_id")


def choose(key: str, record_id: Hashable) -> None:
    """E.g. from a clicked row (record_table)."""
    st.session_state[f"{key}_id"] = record_id
