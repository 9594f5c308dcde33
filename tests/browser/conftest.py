"""Browser tests: the real Streamlit server, run as a subprocess against the live API, driven by headless Chromium.

Fixtures: dashboards_url (the server, started once per run; the service knows it as APP_DASHBOARD_URL; a test that
needs a server of its own, e.g. one whose clock is moved, starts one with streamlit_process), browser
(Chromium) and new_page (a Japanese page, expect() waiting up to TIMEOUT_MS). Chromium has the tests' own fonts,
whatever fonts the machine has: a fontconfig file (fonts_conf) naming one folder that holds only IPAex Gothic, the
Japanese font the service's PDFs use (from matplotlib-fontja), which has no emoji; so text is measured and drawn alike
on every machine, and an emoji is an empty box. Helpers: sign_in, submit_login, choose (a selectbox option),
open_from_sidebar, screenshot. Browser tests outside this folder import the fixtures they use from here.
"""

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from service.config import get_settings
from service.documents import japanese_font_path
from service.identity.dependencies import SESSION_COOKIE
from tests.support import live_server
from tests.support.live_server import free_port, server_process
from tests.support.waiting import wait_until
from tools import run
from tools.test import CHROMIUM

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 30_000
POLL_MS = 50  # how often settled() and drawn() look
PAGE_WIDTH = 1400
CHOOSE_ATTEMPTS = 3
ENTRY_ATTEMPTS = 2  # entered(): a field typed and left again when leaving it started no run
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


@contextmanager
def streamlit_process(live_api: str, log_path: Path, *, root: Path = REPO_ROOT, **env: str) -> Iterator[str]:
    """The dashboards' server (of the checkout at `root`) as `make run` starts it (tools/run.py) on a free port, with
    extra environment variables; yields its address."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    environment = os.environ | {"APP_API_URL": live_api, "APP_PUBLIC_BASE_URL": live_api}
    environment |= run.dashboards_environment() | env
    command = run.dashboards_argv(port, "warning")
    with server_process(command, f"{url}/_stcore/health", log_path, cwd=root, env=environment):
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


# Streamlit's pages hold still: no CSS animation or transition (its spinners, fades and skeletons' shimmer cost
# Chromium a seventh of its CPU while tests wait), set as each document starts; the pages the service serves itself
# (the station, the parents' barcode page: no #root) keep theirs. Each page counts the script runs it has seen start
# and end (window.scriptRunsStarted, window.scriptRunsEnded, for reran() and entered()) from the messages the server
# sends, by their type (a ForwardMsg's top-level protobuf field: new_session starts a run, script_finished ends it),
# not from the page's drawn state: on a loaded machine React draws a run's start and end as one change, or none.
_MESSAGE_TYPES = (
    f"const NEW_SESSION = {ForwardMsg.NEW_SESSION_FIELD_NUMBER}, "
    f"SCRIPT_FINISHED = {ForwardMsg.SCRIPT_FINISHED_FIELD_NUMBER};"
)
STILL_PAGES = (
    _MESSAGE_TYPES
    + """
window.scriptRunsStarted = 0;
window.scriptRunsEnded = 0;

function fieldNumbers(buffer) {
  const bytes = new Uint8Array(buffer), numbers = [];
  let at = 0;
  const varint = () => {
    let value = 0, scale = 1, byte;
    do { byte = bytes[at++]; value += (byte & 0x7f) * scale; scale *= 128; } while (byte & 0x80 && at < bytes.length);
    return value;
  };
  while (at < bytes.length) {
    const tag = varint(), wire = tag % 8;
    numbers.push(Math.floor(tag / 8));
    if (wire === 0) varint();
    else if (wire === 1) at += 8;
    else if (wire === 2) { const length = varint(); at += length; }
    else if (wire === 5) at += 4;
    else break;
  }
  return numbers;
}

const NativeWebSocket = window.WebSocket;
window.WebSocket = class extends NativeWebSocket {
  constructor(...options) {
    super(...options);
    this.addEventListener("message", event => {
      if (!(event.data instanceof ArrayBuffer)) return;
      const numbers = fieldNumbers(event.data);
      if (numbers.includes(NEW_SESSION)) window.scriptRunsStarted += 1;
      if (numbers.includes(SCRIPT_FINISHED)) window.scriptRunsEnded += 1;
    });
  }
};

document.addEventListener("DOMContentLoaded", () => {
  if (!document.getElementById("root")) return;
  const style = document.createElement("style");
  style.textContent = "*, *::before, *::after { animation: none !important; transition: none !important; }";
  document.head.appendChild(style);
});
"""
)


def still_pages(chromium: Browser) -> Browser:
    """The browser whose every new context and page holds Streamlit's pages still (STILL_PAGES)."""
    new_context, new_page = chromium.new_context, chromium.new_page

    def still_context(**options):
        context = new_context(**options)
        context.add_init_script(STILL_PAGES)
        return context

    def still_page(**options):
        page = new_page(**options)
        page.add_init_script(STILL_PAGES)
        return page

    chromium.new_context, chromium.new_page = still_context, still_page  # type: ignore[method-assign]
    return chromium


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
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, env=environment)
        try:
            yield still_pages(chromium)
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


@pytest.fixture
def new_page(browser) -> Callable[..., Page]:
    """new_page(height, width=1400, **options): a page in Japanese; options go to browser.new_page."""
    expect.set_options(timeout=TIMEOUT_MS)

    def _new(height: int = 900, *, width: int = PAGE_WIDTH, **options) -> Page:
        return browser.new_page(viewport={"width": width, "height": height}, locale="ja-JP", **options)

    return _new


def submit_login(page: Page, login_id: str, password: str) -> None:
    page.get_by_label("ログインID").fill(login_id)
    page.get_by_label("パスワード").fill(password)
    page.get_by_role("button", name="ログイン").click()


def sign_in(page: Page, url: str, login_id: str, password: str, heading: str) -> None:
    """Open the dashboards, sign in, and wait for the first page's heading and for the session cookie the page sets
    after it (POST /api/auth/session): a page opened by its address before the cookie is there is the login page."""
    page.goto(url)
    submit_login(page, login_id, password)
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    wait_until(
        lambda: any(cookie["name"] == SESSION_COOKIE for cookie in page.context.cookies()),
        timeout=TIMEOUT_MS / 1000,
        message="the dashboards' session cookie",
    )


# The page is connected to its Streamlit server (while it is not, Streamlit disables every widget: a click is lost
# and the faded labels fail axe's contrast rule) and its script run has finished; with `drawn` every element is
# drawn: none left over from the previous run, none still a placeholder while its code loads. Checked every POLL_MS,
# so a wait ends soon after the page is ready (expect()'s polling backs off to a second between checks); not on every
# animation frame, which keeps Chromium drawing frames for as long as a wait lasts (a quarter more of its CPU in the
# crawl).
_APP = "document.querySelector('[data-testid=\"stApp\"]')?.dataset"
_SETTLED = f"{_APP}.testScriptState === 'notRunning' && {_APP}.testConnectionState === 'CONNECTED'"
_DRAWN = (
    f'{_SETTLED} && !document.querySelector(\'[data-stale="true"], [data-testid="stSkeletonElement"], '
    '[data-testid="stSkeleton"]\')'
)
_RUNS_ENDED = "window.scriptRunsEnded"
SCRIPT_RUNS = "() => [window.scriptRunsStarted, window.scriptRunsEnded]"  # the runs a page has seen start and end


def settled(page: Page) -> None:
    """Wait until the page's script run has finished: a field filled while it still redraws can lose its text."""
    page.wait_for_function(f"() => {_SETTLED}", timeout=TIMEOUT_MS, polling=POLL_MS)


@contextmanager
def reran(page: Page) -> Iterator[None]:
    """Wait, after what the block does, for the script run it starts to begin and end, every element drawn: an action
    taken while the run it asked for has not yet started meets a page Streamlit is about to redraw (an interrupted run
    can leave the previous run's elements on the page beside the new ones)."""
    before = page.evaluate(f"() => {_RUNS_ENDED}")
    yield
    page.wait_for_function(f"() => {_RUNS_ENDED} > {before} && {_DRAWN}", timeout=TIMEOUT_MS, polling=POLL_MS)


def entered(page: Page, field: Locator, text: str) -> None:
    """Type `text` (a new value) into a Streamlit field and leave it as a person does (Tab): the field sends its text
    as it is left, and the run that starts is waited for. Typed once the page is drawn: text typed into an element a
    run is about to replace is lost, and leaving it then starts no run. Where no run has ended within half the wait, it
    is typed and left again, as a person would."""
    drawn(page)
    before = page.evaluate(f"() => {_RUNS_ENDED}")
    for attempt in range(ENTRY_ATTEMPTS):
        if attempt:
            drawn(page)
            field.fill("")  # the same text typed over itself would change nothing the field notices
        field.fill(text)
        field.press("Tab")
        try:
            page.wait_for_function(
                f"() => {_RUNS_ENDED} > {before}", timeout=TIMEOUT_MS / ENTRY_ATTEMPTS, polling=POLL_MS
            )
        except PlaywrightTimeoutError:
            continue
        drawn(page)
        return
    raise AssertionError(
        f"leaving the field with {text!r} started no script run in {ENTRY_ATTEMPTS} tries; it holds "
        f"{field.input_value()!r}, the focus is on {page.evaluate('() => document.activeElement?.outerHTML')!r:.300}"
    )


def drawn(page: Page) -> None:
    """Wait until the page's run has ended and every element is drawn."""
    page.wait_for_function(f"() => {_DRAWN}", timeout=TIMEOUT_MS, polling=POLL_MS)


def choose(page: Page, label: str, option: str, *, exact: bool = False) -> None:
    """Pick an option of a Streamlit selectbox by its label (`exact`: the whole label, where another field's label
    holds it). A rerun that starts while the list is open redraws the box and closes the list: then the list is opened
    again, on the page as the rerun left it."""
    wanted = page.get_by_role("option", name=option)
    for _ in range(CHOOSE_ATTEMPTS):
        settled(page)
        page.get_by_label(label, exact=exact).click()
        try:
            wanted.click(timeout=TIMEOUT_MS / CHOOSE_ATTEMPTS)
            return
        except PlaywrightTimeoutError:
            page.keyboard.press("Escape")
    raise AssertionError(f"「{option}」 was not among the options of 「{label}」")


def confirm_then_click(page: Page, confirm: str, label: str) -> None:
    """Tick a confirm_then_act box, then click its button once the rerun has enabled it.

    While a run draws, the previous run's elements stay on the page (marked stale), moved when the layout above them
    changed: only the current run's box and enabled button are clicked.
    """
    current = page.locator("[data-stale='false']")
    current.get_by_text(confirm).click()
    current.get_by_role("button", name=label, disabled=False).click()


def open_from_sidebar(page: Page, title: str, url_path: str | None = None) -> None:
    """Click the page's link in the sidebar; url_path picks one where two sections have a page of that title."""
    link = page.get_by_test_id("stSidebar").get_by_role("link", name=title)
    if url_path:
        link = link.and_(page.locator(f"a[href$='/{url_path}']"))
    link.click()
    expect(page.get_by_role("heading", name=title)).to_be_visible()


def screenshot(page: Page, path: Path) -> None:
    """A full-page screenshot once the run has finished (no element left over from the previous run)."""
    expect(page.locator("[data-stale='true']")).to_have_count(0)
    page.screenshot(path=path, full_page=True)
