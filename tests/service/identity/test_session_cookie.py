"""The dashboards' session cookie: set from a valid login token for the token's lifetime, HttpOnly and SameSite=Lax,
Secure in production; cleared on request; never set from a refused token or from another site's page (the
dashboards on a loopback address are their pages under any loopback name)."""

import httpx
import pytest

from service.config import get_settings
from service.credentials import SESSION_COOKIE
from service.identity.dependencies import DEVICE_COOKIE
from service.identity.router import session_cookie_options
from tests.factories import DEFAULT_PASSWORD, make_user, token_for

SAME_SITE = {"Sec-Fetch-Site": "same-site"}


def remember(client, token: str, headers=SAME_SITE) -> httpx.Response:
    client.cookies.clear()
    return client.post("/api/auth/session", data={"token": token}, headers=headers)


def set_and_clear(client, token: str, headers: dict[str, str]) -> list[httpx.Response]:
    """The answers to setting the cookie, then clearing it, from a page sending these headers."""
    return [remember(client, token, headers=headers), client.post("/api/auth/session/end", headers=headers)]


def cookie_attributes(response: httpx.Response) -> dict[str, str]:
    """The Set-Cookie header's attributes by lower-case name (the cookie itself under its name)."""
    parts = [part.strip() for part in response.headers["set-cookie"].split(";")]
    return {name.lower(): value for name, _, value in (part.partition("=") for part in parts)}


def test_a_login_token_becomes_an_httponly_lax_cookie_living_as_long_as_the_token(client, db):
    make_user(db, "alice", grants={"fleet": "viewer"})
    db.commit()
    login = client.post("/api/auth/login", json={"login_id": "alice", "password": DEFAULT_PASSWORD}).json()

    response = remember(client, login["access_token"])

    assert response.status_code == 204
    cookie = cookie_attributes(response)
    assert cookie[SESSION_COOKIE] == login["access_token"]
    assert "httponly" in cookie
    assert cookie["samesite"] == "lax"
    assert cookie["path"] == "/"
    assert "secure" not in cookie  # served over plain HTTP outside production
    lifetime = get_settings().jwt_expiry_minutes * 60
    assert lifetime - 60 <= int(cookie["max-age"]) <= lifetime


@pytest.mark.parametrize("how", ["logged_out", "password_changed", "garbage"])
def test_a_token_the_service_refuses_sets_no_cookie(client, db, how):
    user = make_user(db, "alice", grants={"fleet": "viewer"})
    admin = make_user(db, "root", grants={"platform": "admin"})
    db.commit()
    token = token_for(user)
    if how == "logged_out":
        client.post("/api/auth/logout", headers={"Authorization": f"Bearer {token}"}).raise_for_status()
    elif how == "password_changed":
        changed = client.patch(
            f"/api/admin/users/{user.id}",
            json={"password": "a-new-password-1"},
            headers={"Authorization": f"Bearer {token_for(admin)}"},
        )
        changed.raise_for_status()
    else:
        token = "not-a-token"

    response = remember(client, token)

    assert response.status_code == 401
    assert "set-cookie" not in response.headers


def test_another_sites_page_can_neither_set_nor_clear_the_cookie(client, db):
    user = make_user(db, "alice", grants={"fleet": "viewer"})
    db.commit()
    cross_site = {"Sec-Fetch-Site": "cross-site"}

    answers = set_and_clear(client, token_for(user), cross_site)

    assert [a.status_code for a in answers] == [403, 403]
    assert answers[0].json()["error"]["code"] == "cross_site"
    assert all("set-cookie" not in a.headers for a in answers)


@pytest.fixture
def dashboards(monkeypatch) -> str:
    """The dashboards served at https://daicho.example.jp (APP_DASHBOARD_URL); their pages' origin."""
    monkeypatch.setattr(get_settings(), "dashboard_url", "https://daicho.example.jp:443/")
    return "https://daicho.example.jp"


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Referer": "https://evil.example/login.html"},
        {"Origin": "null"},
        {"Origin": "http://daicho.example.jp"},
        {"Origin": "https://daicho.example.jp:8443", "Sec-Fetch-Site": "same-site"},
        {"Origin": "https://evil.example", "Referer": "https://daicho.example.jp/"},
        {"Origin": "https://localhost", "Sec-Fetch-Site": "same-origin"},
    ],
)
def test_a_page_of_another_origin_is_refused_without_fetch_metadata_too(client, db, dashboards, headers):
    user = make_user(db, "alice", grants={"fleet": "viewer"})
    db.commit()

    answers = set_and_clear(client, token_for(user), headers)

    assert [(a.status_code, a.json()["error"]["code"]) for a in answers] == [(403, "cross_site")] * 2
    assert all("set-cookie" not in a.headers for a in answers)


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://daicho.example.jp"},
        {"Origin": "https://DAICHO.example.jp", "Sec-Fetch-Site": "same-origin"},
        {"Referer": "https://daicho.example.jp/fleet_dashboard?tab=1"},
        {},
    ],
)
def test_the_dashboards_own_pages_and_programs_without_a_page_keep_the_cookie(client, db, dashboards, headers):
    user = make_user(db, "alice", grants={"fleet": "viewer"})
    db.commit()
    token = token_for(user)

    response = remember(client, token, headers=headers)

    assert response.status_code == 204
    assert cookie_attributes(response)[SESSION_COOKIE] == token


@pytest.mark.parametrize("dashboard_url", ["http://127.0.0.1:8501", "http://localhost:8501/", "http://[::1]:8501"])
@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://localhost:8501", "Sec-Fetch-Site": "same-site"},
        {"Origin": "http://127.0.0.1:8501"},
        {"Origin": "http://[::1]:8501"},
        {"Referer": "http://LOCALHOST:8501/admin-users"},
    ],
)
def test_loopback_dashboards_keep_the_cookie_under_any_loopback_name(client, db, monkeypatch, dashboard_url, headers):
    """`make run` serves the dashboards on 127.0.0.1: opened as localhost (or [::1]) they are the same pages."""
    monkeypatch.setattr(get_settings(), "dashboard_url", dashboard_url)
    user = make_user(db, "alice", grants={"fleet": "viewer"})
    db.commit()
    token = token_for(user)

    answers = set_and_clear(client, token, headers)

    assert [a.status_code for a in answers] == [204, 204]
    assert cookie_attributes(answers[0])[SESSION_COOKIE] == token


@pytest.mark.parametrize(
    "origin",
    [
        "http://192.168.1.20:8501",
        "http://daicho.example.jp:8501",
        "http://127.0.0.2:8501",
        "http://localhost.evil.example:8501",
        "http://localhost:8502",
        "https://localhost:8501",
    ],
)
def test_loopback_dashboards_refuse_any_other_host_port_or_scheme(client, db, monkeypatch, origin):
    monkeypatch.setattr(get_settings(), "dashboard_url", "http://127.0.0.1:8501")
    user = make_user(db, "alice", grants={"fleet": "viewer"})
    db.commit()
    headers = {"Origin": origin, "Sec-Fetch-Site": "same-site"}

    answers = set_and_clear(client, token_for(user), headers)

    assert [(a.status_code, a.json()["error"]["code"]) for a in answers] == [(403, "cross_site")] * 2
    assert all("set-cookie" not in a.headers for a in answers)


def test_ending_the_session_expires_the_cookie(client):
    response = client.post("/api/auth/session/end", headers=SAME_SITE)

    assert response.status_code == 204
    cookie = cookie_attributes(response)
    assert cookie[SESSION_COOKIE] in ('""', "")
    assert cookie["max-age"] == "0"
    assert "httponly" in cookie


def test_the_cookie_is_secure_in_production():
    production = get_settings().model_copy(update={"env": "production"})

    assert session_cookie_options(production)["secure"] is True
    assert session_cookie_options(get_settings())["secure"] is False


def test_the_device_token_of_the_sign_in_becomes_the_browsers_long_lived_device_cookie(client, db):
    make_user(db, "alice", grants={"fleet": "viewer"})
    make_user(db, "bob", grants={"fleet": "viewer"})
    db.commit()
    alice, bob = (
        client.post("/api/auth/login", json={"login_id": name, "password": DEFAULT_PASSWORD}).json()
        for name in ("alice", "bob")
    )
    client.cookies.clear()
    kept = client.post(
        "/api/auth/session", data={"token": alice["access_token"], "device": alice["device_token"]}, headers=SAME_SITE
    )
    assert kept.status_code == 204
    device = next(c for c in kept.headers.get_list("set-cookie") if c.startswith(f"{DEVICE_COOKIE}="))
    assert device.startswith(f"{DEVICE_COOKIE}={alice['device_token']};") and "HttpOnly" in device
    assert f"Max-Age={get_settings().login_device_days * 24 * 3600}" in device
    client.cookies.clear()
    foreign = client.post(
        "/api/auth/session", data={"token": alice["access_token"], "device": bob["device_token"]}, headers=SAME_SITE
    )
    assert foreign.status_code == 401 and "set-cookie" not in foreign.headers
