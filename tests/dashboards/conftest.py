"""Dashboard tests run the real Streamlit app with AppTest against the real API served on a free port.

Helpers for every page's tests: open_page (a page as a user, with query parameters or session state set first),
button, texts, turn_page (the shared table's pager), click_row (a click on a table's row), cell_colours (a shown
table's coloured cells), the `downloads` fixture (what download buttons deliver), csv_link_rows (a list's CSV
download, followed as a browser follows its link) and the `browser_selects` fixture (selectboxes send back the label a
browser holds).
"""

import functools
import json
import re
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest
import streamlit as st
from streamlit.components.v2.component_manager import BidiComponentManager
from streamlit.proto.WidgetStates_pb2 import WidgetState
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.scriptrunner.script_cache import ScriptCache
from streamlit.testing.v1 import AppTest, app_test, local_script_runner
from streamlit.testing.v1.element_tree import InitialValue, Selectbox

from dashboards import api
from dashboards.components import badges, exports
from tests.factories import token_for
from tests.support import live_server
from tests.support.downloads import csv_download

DASHBOARDS = Path(__file__).resolve().parents[2] / "dashboards"
APP = DASHBOARDS / "streamlit_app.py"
RUN_TIMEOUT_SECONDS = 30

live_api = live_server.live_api


@functools.cache
def installed_components() -> BidiComponentManager:
    """The installed packages' Streamlit components, found once for the run as a server finds them once at start.

    An AppTest otherwise scans every installed distribution for them on its first run (~0.2 s of CPU per test).
    """
    manager = BidiComponentManager()
    manager.discover_and_register_components(start_file_watching=False)
    return manager


@pytest.fixture(scope="session", autouse=True)
def scripts_compiled_once() -> Iterator[None]:
    """One script cache for the run's AppTests, as a server keeps one for all its sessions: each run of an AppTest
    otherwise reads, rewrites (Streamlit's magic) and compiles the app's script and its page's anew."""
    shared = ScriptCache()
    with pytest.MonkeyPatch.context() as patch:
        for module in (app_test, local_script_runner):  # the page's script, the app's
            patch.setattr(module, "ScriptCache", lambda: shared)
        yield


@pytest.fixture(autouse=True)
def reads_forgotten() -> None:
    """Each test starts with no cached read: reference data is cached by grants, not by token, and a scope's id or a
    master's code may name another record in the next test's database."""
    st.cache_data.clear()


@pytest.fixture
def open_app(live_api: str, monkeypatch) -> Callable[..., AppTest]:
    """Run the app (or one page file) once, signed in as `user` when given; the API's public address is the one the
    test serves it at, as `make run` sets it (the pages' download links start with it)."""
    monkeypatch.setenv("APP_PUBLIC_BASE_URL", live_api)

    def _open(user=None, *, script: Path = APP) -> AppTest:
        at = AppTest.from_file(str(script), default_timeout=RUN_TIMEOUT_SECONDS)
        at._bidi_component_manager = installed_components()
        if user is not None:
            at.session_state[api.TOKEN_KEY] = token_for(user)
        return at.run()

    return _open


def open_page(open_app, user, page: str, *, state: Mapping[str, Any] | None = None, **query: str) -> AppTest:
    """Open one page (e.g. "app_pages/fleet/alerts.py") as the user and check that it ran without an exception.

    query: ?name=value parameters of the address; state: session-state values set before the page runs.
    """
    at = open_app(user)
    for name, value in (state or {}).items():
        at.session_state[name] = value
    for name, value in query.items():
        at.query_params[name] = value
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def button(at: AppTest, label: str):
    """The one button (or form submit button) with this label."""
    matches = [b for b in at.button if b.label == label]
    assert len(matches) == 1, f"expected one button {label!r}, found {[b.label for b in at.button]}"
    return matches[0]


def fill(at: AppTest, prefix: str, **values: str) -> AppTest:
    """Type into the text inputs keyed `{prefix}_{field}`."""
    for field, value in values.items():
        at.text_input(key=f"{prefix}_{field}").input(value)
    return at


def texts(elements) -> list[str]:
    return [element.value for element in elements]


CSS_RULE = re.compile(r"([^{}]+)\{\s*background-color: (#[0-9a-f]{6});[^}]*\}")
CELL_SELECTOR = re.compile(r"_row(\d+)_col(\d+)$")
COLOUR_BY_BACKGROUND = {background: colour for colour, (background, _) in badges.CELL_COLOURS.items()}


def colours_in_css(css: str) -> dict[tuple[int, int], str]:
    """(row, column) -> colour (badges.CELL_COLOURS) of each cell a Styler's CSS colours, from rules naming every
    cell that shares a style: `#T_x_row0_col1, #T_x_row2_col1 { background-color: …; … }`."""
    return {
        tuple(map(int, CELL_SELECTOR.search(selector.strip()).groups())): COLOUR_BY_BACKGROUND.get(background)
        for selectors, background in CSS_RULE.findall(css)
        for selector in selectors.split(",")
    }


def cell_colours(table, column: str) -> list[str | None]:
    """The colour of each cell of a shown table's column, row by row; None when plain."""
    index = table.value.columns.get_loc(column)
    colours = colours_in_css(table.proto.arrow_data.styler.styles)
    return [colours.get((row, index)) for row in range(len(table.value))]


def turn_page(at: AppTest, number: int) -> AppTest:
    """Go to page `number` of the (first) shared paginated table."""
    return at.get("pagination")[0].set_value(number).run()


def click_row(at: AppTest, row: int, *, table: int = 0) -> AppTest:
    """Click a cell of row `row` (0 = the first shown) of the page's table number `table` and run, sending what a
    browser sends (AppTest cannot click a table): the table's selection, with the rest of the page's widgets."""
    frame = at.dataframe[table]
    click = {"selection": {"rows": [], "columns": [], "cells": [[row, str(frame.value.columns[0])]]}}
    states = at._tree.get_widget_states()
    states.widgets.append(WidgetState(id=frame.proto.id, string_value=json.dumps(click)))
    return at._run(states)


def tick_rows(at: AppTest, rows: list[int], *, table: int = 0) -> AppTest:
    """Tick the boxes of these rows (0 = the first shown) of a table whose boxes choose rows for bulk work, and run."""
    frame = at.dataframe[table]
    ticked = {"selection": {"rows": rows, "columns": [], "cells": []}}
    states = at._tree.get_widget_states()
    states.widgets.append(WidgetState(id=frame.proto.id, string_value=json.dumps(ticked)))
    return at._run(states)


@pytest.fixture
def downloads(monkeypatch) -> dict[str, Any]:
    """What each download button a page renders delivers, by file name: its bytes, or the callable run on click.

    A spy on Streamlit's media file manager (the real methods still run): AppTest keeps no files of its own.
    """
    files: dict[str, Any] = {}
    add, add_deferred = MediaFileManager.add, MediaFileManager.add_deferred

    def spy_add(self, data, mimetype, coordinates, file_name=None, is_for_static_download=False):
        if file_name:  # images (the page icon) are media files too, without a name
            files[file_name] = data
        return add(self, data, mimetype, coordinates, file_name, is_for_static_download)

    def spy_add_deferred(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        files[file_name] = data_callable
        return add_deferred(self, data_callable, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add", spy_add)
    monkeypatch.setattr(MediaFileManager, "add_deferred", spy_add_deferred)
    return files


def csv_link_rows(at: AppTest, user, *, link: int = 0) -> list[list[str]]:
    """The records (header first) of the page's CSV download number `link`: its link followed with the user's session
    cookie, as a browser follows it."""
    links = [button for button in at.get("link_button") if button.proto.label == exports.CSV_LABEL]
    cookie = {"Cookie": f"{api.SESSION_COOKIE}={token_for(user)}"}
    return csv_download(httpx.get(links[link].proto.url, headers=cookie, timeout=RUN_TIMEOUT_SECONDS))


@pytest.fixture
def browser_selects(monkeypatch) -> None:
    """Selectboxes send back the label the browser holds, as Streamlit's frontend does: the one last picked or last
    set by the server. AppTest instead sends the chosen value's label as of the last run, which hides a choice lost
    when a write changed its label.
    """
    held: dict[str, str | None] = {}

    def widget_state(self: Selectbox) -> WidgetState:
        if not isinstance(self._value, InitialValue):
            held[self.id] = None if self.index is None else self.options[self.index]
        elif self.proto.set_value:
            held[self.id] = self.proto.raw_value if self.proto.HasField("raw_value") else None
        elif self.id not in held:
            held[self.id] = self.options[self.proto.default] if self.proto.HasField("default") else None
        state = WidgetState(id=self.id)
        if held[self.id] is not None:
            state.string_value = held[self.id]
        return state

    monkeypatch.setattr(Selectbox, "_widget_state", property(widget_state))
