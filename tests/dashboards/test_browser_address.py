"""The dashboards call the API for a browser: each call carries the browser's address with the dashboards' key, so the
API throttles sign-ins and audits by the person's address, not by the dashboards server's that every call comes from.

AppTest cannot seed st.context.ip_address (Streamlit fills it in from a real connection), so `browser_at` stands in
for the browser's connection, as test_browser_url's `shown_under` does for the host name it shows.
"""

import pytest
from sqlalchemy import select

from dashboards import api
from service.audit.models import AuditEntry
from service.config import get_settings
from tests.dashboards.conftest import button, texts
from tests.dashboards.test_app import sign_in
from tests.factories import DEFAULT_PASSWORD, make_user

DASHBOARDS_SERVER = "127.0.0.1"  # the live API sees every AppTest call come from here


@pytest.fixture
def browser_at(monkeypatch):
    """browser_at(address): the session serves a browser connected from this address (None: over loopback)."""

    def _at(address: str | None) -> None:
        monkeypatch.setattr(api, "browser_address", lambda: address)

    return _at


def audited_addresses(db, action: str) -> list[str]:
    addresses = db.scalars(select(AuditEntry.client_address).where(AuditEntry.action == action)).all()
    db.commit()
    return list(addresses)


def test_calls_reach_the_api_with_the_browsers_address(db, open_app, browser_at):
    make_user(db, "alice", grants={"fleet": "viewer"})
    db.commit()
    browser_at("198.51.100.7")
    at = sign_in(open_app(), "alice", DEFAULT_PASSWORD)
    assert not at.exception and api.TOKEN_KEY in at.session_state
    button(at.sidebar, "ログアウト").click().run()
    assert audited_addresses(db, "login") == audited_addresses(db, "logout") == ["198.51.100.7"]


def test_one_browsers_guesses_lock_nobody_else_out(db, open_app, browser_at):
    make_user(db, "alice", grants={"fleet": "viewer"})
    db.commit()
    browser_at("198.51.100.20")
    alice = sign_in(open_app(), "alice", "a-typo-of-hers")
    assert texts(alice.error) == ["ログインIDまたはパスワードが正しくありません（あと4回失敗するとロックされます）"]
    browser_at("198.51.100.66")
    guesser = open_app()
    for attempt in range(get_settings().login_address_max_failures):
        sign_in(guesser, f"guess{attempt}", "wrong-password")
    assert texts(guesser.error) == ["この接続元からの試行が多すぎます。あと1分後に再度お試しください"]
    browser_at("198.51.100.20")
    alice = sign_in(alice, "alice", DEFAULT_PASSWORD)
    assert not alice.exception and api.TOKEN_KEY in alice.session_state  # her own typo, but not her address
    assert set(audited_addresses(db, "login_failed")) == {"198.51.100.20", "198.51.100.66"}


@pytest.mark.parametrize(
    ("key", "browser"), [("not-the-apis-dashboards-key-at-all", "198.51.100.9"), ("", "198.51.100.9")]
)
def test_without_the_apis_key_the_forwarded_address_is_not_believed(
    db, open_app, browser_at, monkeypatch, key, browser
):
    monkeypatch.setenv("APP_DASHBOARDS_KEY", key)
    browser_at(browser)
    sign_in(open_app(), "nobody", "wrong-password")
    assert audited_addresses(db, "login_failed") == [DASHBOARDS_SERVER]


def test_a_browser_over_loopback_is_known_by_the_dashboards_own_address(db, open_app, browser_at):
    browser_at(None)
    sign_in(open_app(), "nobody", "wrong-password")
    assert audited_addresses(db, "login_failed") == [DASHBOARDS_SERVER]
