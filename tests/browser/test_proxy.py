"""The dashboards scaled out: two servers as `make run` starts them behind the reverse proxy of ops/caddy/Caddyfile
(Debian's caddy, configured by the environment as compose configures it). A browser signs in, opens a page, is sent to
the other server by the proxy's affinity cookie and stays signed in there, and uploads a file, which only the server
holding its Streamlit session takes. Every answer, the proxy's and `make run`'s server's own, carries the security
headers, and an X-Forwarded-For the browser made up is believed by neither."""

import hashlib
import json
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import select

from clientkit.security_headers import SECURITY_HEADERS
from service.audit.models import AuditEntry
from service.config import REPO_ROOT, get_settings
from service.identity.models import User
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.support.live_server import free_port, server_process
from tests.support.streamlit_browser import PAGE_WIDTH, TIMEOUT_MS, drawn, open_from_sidebar, sign_in, streamlit_process

# browser tests check pages, not the backend: each module runs in one pass of `make check` (docs/testing.md)
pytestmark = [pytest.mark.slow, pytest.mark.embedded_only, pytest.mark.outside]

CADDY = shutil.which("caddy")
CADDYFILE = REPO_ROOT / "ops" / "caddy" / "Caddyfile"
AFFINITY_COOKIE = "daicho_dashboards"  # the Caddyfile's lb_policy cookie
FORGED = "203.0.113.66"  # an address the browser claims in X-Forwarded-For
LOOPBACK = "127.0.0.1"  # the dashboards' own address, where the API sees a loopback browser's calls come from
AFFINITY_TRIES = 64  # new browsers the proxy is asked to place before it must have named the other server (2**-64)
needs_caddy = pytest.mark.skipif(CADDY is None, reason="caddy is missing (Debian's caddy; make check installs it)")


@contextmanager
def caddy(upstreams: list[str], log_path: Path) -> Iterator[str]:
    """The repo's Caddyfile served by Debian's caddy on a free port in front of `upstreams`; yields its address."""
    port = free_port()
    environment = {
        "PROXY_PORT": str(port),
        "DASHBOARDS_UPSTREAMS": "to " + " ".join(upstream.removeprefix("http://") for upstream in upstreams),
        "DASHBOARDS_TRUSTED_PROXIES": "",
        "HOME": str(log_path.parent),  # caddy keeps its state there
    }
    command = [str(CADDY), "run", "--adapter", "caddyfile", "--config", str(CADDYFILE)]
    url = f"http://{LOOPBACK}:{port}"
    with server_process(command, f"{url}/_stcore/health", log_path, env=environment):
        yield url


@pytest.fixture
def proxied(live_api: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Two dashboards servers behind the proxy, which they trust for X-Forwarded-For as compose's replicas trust
    theirs; the service knows the proxy's address as the dashboards' (APP_DASHBOARD_URL)."""
    behind_proxy = {"FORWARDED_ALLOW_IPS": LOOPBACK}
    with (
        streamlit_process(live_api, tmp_path / "first.log", **behind_proxy) as first,
        streamlit_process(live_api, tmp_path / "second.log", **behind_proxy) as second,
        caddy([first, second], tmp_path / "caddy.log") as url,
    ):
        monkeypatch.setattr(get_settings(), "dashboard_url", url)
        yield url


def window(browser) -> BrowserContext:
    """A browser window in Japanese whose every request claims to come from FORGED."""
    expect.set_options(timeout=TIMEOUT_MS)
    return browser.new_context(
        viewport={"width": PAGE_WIDTH, "height": 900}, locale="ja-JP", extra_http_headers={"X-Forwarded-For": FORGED}
    )


def affinity(context: BrowserContext) -> str:
    return next(cookie["value"] for cookie in context.cookies() if cookie["name"] == AFFINITY_COOKIE)


def other_server(url: str, taken: str) -> str:
    """The affinity cookie of the server `taken` does not name: the proxy gives a new browser a server at random, so
    it is asked as a new browser until it names the other one (however long each answer takes)."""
    with httpx.Client(timeout=TIMEOUT_MS / 1000) as http:
        for _ in range(AFFINITY_TRIES):
            value = http.get(f"{url}/_stcore/health").cookies.get(AFFINITY_COOKIE)
            http.cookies.clear()
            if value and value != taken:
                return value
    raise AssertionError(f"the proxy named the server of {taken!r} for {AFFINITY_TRIES} new browsers in a row")


def expect_security_headers(headers: dict[str, str]) -> None:
    assert {name.decode(): value.decode() for name, value in SECURITY_HEADERS}.items() <= headers.items()


def signed_in_addresses(db, login_id: str) -> list[str]:
    user_id = db.scalar(select(User.id).where(User.login_id == login_id))
    logins = select(AuditEntry.client_address).where(AuditEntry.action == "login", AuditEntry.actor_id == str(user_id))
    addresses = list(db.scalars(logins))
    db.commit()
    return addresses


def upload_firmware(page: Page, content: bytes, version: str) -> None:
    """Register a firmware release on ファームウェア管理 › リリース: the file goes to the server with the page's
    session, then the form sends it to the API."""
    page.get_by_role("tab", name="リリース").click()
    page.get_by_text("ファームウェアを登録", exact=True).click()
    drawn(page)  # what the expander draws once open
    uploader = page.get_by_test_id("stFileUploader")
    uploader.locator("input[type=file]").set_input_files(
        {"name": "tc200.bin", "mimeType": "application/octet-stream", "buffer": content}
    )
    expect(uploader.get_by_text("tc200.bin")).to_be_visible()
    expect(uploader.get_by_test_id("stFileChipIconSpinner")).to_have_count(0)  # uploaded: the form will carry it
    drawn(page)
    page.get_by_label("バージョン").fill(version)
    page.get_by_label("SHA-256").fill(hashlib.sha256(content).hexdigest())
    page.get_by_role("button", name="登録", exact=True).click()
    expect(page.get_by_text(f"ファームウェア {version} を登録しました。")).to_be_visible()


@needs_caddy
def test_the_proxy_sets_the_security_headers_itself_and_names_no_server(tmp_path):
    """Whatever a replica sends, the proxy's answers carry clientkit/security_headers.py's headers, as Caddy reads the
    Caddyfile."""
    adapt = [str(CADDY), "adapt", "--adapter", "caddyfile", "--config", str(CADDYFILE)]
    adapted = subprocess.run(adapt, env={"HOME": str(tmp_path)}, capture_output=True, text=True, check=True)
    routes = json.loads(adapted.stdout)["apps"]["http"]["servers"]["srv0"]["routes"]
    handlers = [handler for route in routes for handler in route["handle"]]
    (headers,) = [handler["response"] for handler in handlers if handler["handler"] == "headers"]
    assert {name.lower(): values for name, values in headers["set"].items()} == {
        name.decode(): [value.decode()] for name, value in SECURITY_HEADERS
    }
    assert headers["delete"] == ["Server"]


@needs_caddy
def test_behind_the_proxy_a_browser_moved_to_the_other_server_stays_signed_in_and_uploads(db, proxied, browser):
    make_user(db, "fleet-admin", name="端末 管理者", grants={"fleet": "admin"})
    db.commit()
    page = window(browser).new_page()
    sign_in(page, proxied, "fleet-admin", DEFAULT_PASSWORD, "ダッシュボード")
    open_from_sidebar(page, "ファームウェア管理")
    first = affinity(page.context)

    page.context.add_cookies([{"name": AFFINITY_COOKIE, "value": other_server(proxied, first), "url": proxied}])
    answer = page.reload()
    expect(page.get_by_role("heading", name="ファームウェア管理")).to_be_visible()
    expect(page.get_by_test_id("stSidebar").get_by_text("端末 管理者")).to_be_visible()
    assert affinity(page.context) != first  # the proxy kept the browser on the server its cookie named
    drawn(page)
    upload_firmware(page, b"\x7fELF firmware image", "9.1.0")

    assert answer is not None
    expect_security_headers(answer.headers)
    assert "server" not in answer.headers
    # not FORGED: the proxy put the address that connected in its place (loopback, as the dashboards' own)
    assert signed_in_addresses(db, "fleet-admin") == [LOOPBACK]


def test_make_runs_server_believes_no_forwarded_address_and_is_never_framed(db, dashboards_url, browser):
    make_user(db, "viewer", grants={"fleet": "viewer"})
    db.commit()
    page = window(browser).new_page()
    answer = page.goto(dashboards_url)
    assert answer is not None
    expect_security_headers(answer.headers)
    sign_in(page, dashboards_url, "viewer", DEFAULT_PASSWORD, "レポート")
    assert signed_in_addresses(db, "viewer") == [LOOPBACK]
