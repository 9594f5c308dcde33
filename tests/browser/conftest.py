"""Browser tests: the real Streamlit server, run as a subprocess against the live API, driven by headless Chromium.

Fixtures: dashboards_url (the server, started once per run; the service knows it as APP_DASHBOARD_URL; a test that
needs a server of its own, e.g. one whose clock is moved, starts one with streamlit_process), browser
(Chromium) and new_page (a Japanese page, expect() waiting up to TIMEOUT_MS). Chromium has the tests' own fonts,
whatever fonts the machine has: a fontconfig file (fonts_conf) naming one folder that holds only IPAex Gothic, the
Japanese font the service's PDFs use (from matplotlib-fontja), which has no emoji; so text is measured and drawn alike
on every machine, and an emoji is an empty box. The helpers that open, wait on and act on pages are in
tests/support/streamlit_browser.py, which the benches share.
"""

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from service.config import get_settings
from service.documents import japanese_font_path
from tests.support import live_server
from tests.support.streamlit_browser import PAGE_WIDTH, TIMEOUT_MS, launched, streamlit_process
from tools.test import CHROMIUM

FONTS_CONF = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig>
  <dir>{fonts}</dir>
  <cachedir>{cache}</cachedir>
</fontconfig>
"""

live_api = live_server.live_api


@pytest.fixture
def dashboards_url(streamlit_server: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The dashboards' address, which the service knows as APP_DASHBOARD_URL for the test, as in production: only
    pages of that origin may set the session cookie (POST /api/auth/session)."""
    monkeypatch.setattr(get_settings(), "dashboard_url", streamlit_server)
    return streamlit_server


@pytest.fixture(scope="session")
def streamlit_server(live_api: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dashboards' server as `make run` starts it, on a free port, talking to the live API; one server for the run,
    as in production: each browser page is a Streamlit session of its own, and the server's caches are keyed by the
    signed-in user's token."""
    with streamlit_process(live_api, tmp_path_factory.mktemp("streamlit") / "streamlit.log") as url:
        yield url


@pytest.fixture(scope="session")
def fonts_conf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fontconfig file whose only fonts are in a folder the tests control: IPAex Gothic alone (no emoji)."""
    folder = tmp_path_factory.mktemp("fontconfig")
    fonts = folder / "fonts"
    fonts.mkdir()
    shutil.copy(japanese_font_path(), fonts)
    config = folder / "fonts.conf"
    config.write_text(FONTS_CONF.format(fonts=fonts, cache=folder / "cache"))
    return config


@pytest.fixture(scope="package")
def browser(fonts_conf: Path) -> Iterator[Browser]:
    """Headless Chromium from the system package (never a downloaded browser) with the tests' fonts only, one for
    this folder's tests (starting Playwright's driver and Chromium costs a second of CPU; Playwright's sync API holds
    an event loop on the main thread until it stops, so a browser kept for the run would fail every later
    asyncio.run(), and no test here runs one): each test opens its own pages in their own contexts (no cookie or
    storage is shared), closed when it ends; Streamlit's pages are held still (STILL_PAGES)."""
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium is not installed: {CHROMIUM} is missing (apt-get install chromium-headless-shell)")
    from playwright.sync_api import sync_playwright

    environment = os.environ | {"FONTCONFIG_FILE": str(fonts_conf)}
    with sync_playwright() as playwright:
        chromium = launched(playwright, env=environment)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(autouse=True)
def closed_after_the_test(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every context a test opened in the module's browser is closed when it ends: a page left open keeps its
    Streamlit session and its renderer running (and drawing) through the module's later tests."""
    yield
    if "browser" in request.fixturenames:
        for context in request.getfixturevalue("browser").contexts:
            context.close()


PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3, "is_mobile": True, "has_touch": True}


@pytest.fixture
def phone(browser) -> Iterator[Page]:
    """A page in Japanese on a phone-sized touch screen (the parent's barcode page, the requester's status page)."""
    expect.set_options(timeout=TIMEOUT_MS)
    context = browser.new_context(locale="ja-JP", **PHONE)
    yield context.new_page()
    context.close()


@pytest.fixture
def new_page(browser) -> Callable[..., Page]:
    """new_page(height, width=1400, **options): a page in Japanese; options go to browser.new_page."""
    expect.set_options(timeout=TIMEOUT_MS)

    def _new(height: int = 900, *, width: int = PAGE_WIDTH, **options) -> Page:
        return browser.new_page(viewport={"width": width, "height": height}, locale="ja-JP", **options)

    return _new
