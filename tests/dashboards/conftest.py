"""Dashboard tests run the real Streamlit app with AppTest against the real API served on a free port."""

from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboards import api
from tests.factories import token_for
from tests.support import live_server

DASHBOARDS = Path(__file__).resolve().parents[2] / "dashboards"
APP = DASHBOARDS / "streamlit_app.py"
RUN_TIMEOUT_SECONDS = 30

live_api = live_server.live_api


@pytest.fixture
def open_app(live_api: str) -> Callable[..., AppTest]:
    """Run the app (or one page file) once, signed in as `user` when given."""

    def _open(user=None, *, script: Path = APP) -> AppTest:
        at = AppTest.from_file(str(script), default_timeout=RUN_TIMEOUT_SECONDS)
        if user is not None:
            at.session_state[api.TOKEN_KEY] = token_for(user)
        return at.run()

    return _open


def button(at: AppTest, label: str):
    """The one button (or form submit button) with this label."""
    matches = [b for b in at.button if b.label == label]
    assert len(matches) == 1, f"expected one button {label!r}, found {[b.label for b in at.button]}"
    return matches[0]


def texts(elements) -> list[str]:
    return [element.value for element in elements]
