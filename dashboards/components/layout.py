"""A page's frame: a section's 概要 page, an expander built only while open, a job's progress bar."""

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st


@contextmanager
def shown_when_open(label: str, *, key: str, icon: str | None = None) -> Iterator[bool]:
    """An expander that says whether it is open: its content is for the page to build only then, so the rows of a
    shut one are neither read nor sent. Opening or shutting it reruns the page (Streamlit keeps its state under
    `key`)."""
    section = st.expander(label, icon=icon, key=key, on_change="rerun")
    with section:
        yield bool(section.open)


def job_progress(status: str, done: int, total: int, unit: str = "行") -> None:
    """A running job's progress bar, e.g. 取込中: 1,200 / 5,000行."""
    st.progress(done / total if total else 0.0, text=f"{status}: {done:,} / {total:,}{unit}")
