"""Streamlit pages in headless Chromium, for the browser tests (tests/browser/) and the benches that open pages
(bench/pages.py, fleet_pages.py, dashboards_users.py): the dashboards' server as `make run` starts it
(streamlit_process), Chromium's options (CHROMIUM_ARGS; the browser is tools.test.CHROMIUM), the pages held still and
following their script runs (still_pages), and the waits and actions on them. Helpers: sign_in, submit_login, landed
(the first page after signing in), choose (a selectbox option), open_from_sidebar, screenshot, confirm_then_click,
scrolled_to (an element in view before a click opens a list).

Waits end on what the page and its server say, never after a set time (TIMEOUT_MS only caps them, for a machine
however loaded): settled() and drawn() wait until a script run has started since the page last asked the server for
one and has ended (as the WebSocket messages say, STILL_PAGES) and the page shows it drawn; reran() for the run an
action asks for; entered() for the run leaving a field asks for, or for the field to have lost its text; choose()
retries only when a run has redrawn the list it opened. Sign-in, opening a page from the sidebar and screenshots end
with the page drawn, so a test acts on the page its last run left, not on one a pending run is about to replace.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Locator, Page, Playwright, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from service.credentials import SESSION_COOKIE
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
TIMEOUT_MS = 30_000  # a cap on every wait, never a wait: each wait ends on its condition
POLL_MS = 50  # how often settled() and drawn() look
PAGE_WIDTH = 1400
CHOOSE_ATTEMPTS = 3  # choose(): a list opened again after a run redrew the box and closed it
ENTRY_ATTEMPTS = 2  # entered(): a field typed again when a run replaced it and its text was lost


@contextmanager
def streamlit_process(
    live_api: str,
    log_path: Path,
    *,
    root: Path = REPO_ROOT,
    module: str = "streamlit",
    script: str = "dashboards/serve.py",
    **env: str,
) -> Iterator[str]:
    """The dashboards' server (of the checkout at `root`) as `make run` starts it (tools/run.py) on a free port, with
    extra environment variables (`module`: run with `python -m` in streamlit's place, taking streamlit's arguments;
    `script`: a test's own page in the dashboards' place, run as it runs them); yields its address."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    environment = os.environ | {"APP_API_URL": live_api, "APP_PUBLIC_BASE_URL": live_api}
    environment |= run.dashboards_environment() | env
    command = run.dashboards_argv(port, "warning", script)
    command[command.index("streamlit")] = module
    with server_process(command, f"{url}/_stcore/health", log_path, cwd=root, env=environment):
        yield url


# Chromium a seventh of its CPU while tests wait), set as each document starts; the pages the service serves itself
# (the station, the parents' barcode page: no #root) keep theirs. Each page follows its script runs from the WebSocket
# messages, by their type (a protobuf message's top-level fields), not from its drawn state, which React draws later
# than the message (on a loaded machine a run's start and end as one change, or none, and a run asked for as still
# "not running"): the runs it has seen start and end (window.scriptRunsStarted, window.scriptRunsEnded: a ForwardMsg's
# new_session starts one, script_finished ends it), the runs it has asked the server for (window.rerunsRequested: a
# BackMsg's rerun_script, sent as a widget changes, a page is opened or the page connects; not the reruns a timer asks
# for, is_auto_rerun, which no test waits on), and the order of the last of each (window.lastRequestAt,
# lastRunStartedAt, lastRunEndedAt). Starts and ends are not paired by count: a rerun asked for while a run goes is
# given to a new script runner, and the server drops what the stopped one still sends, its script_finished too.
_MESSAGE_TYPES = (
    f"const NEW_SESSION = {ForwardMsg.NEW_SESSION_FIELD_NUMBER}, "
    f"SCRIPT_FINISHED = {ForwardMsg.SCRIPT_FINISHED_FIELD_NUMBER}, "
    f"RERUN_SCRIPT = {BackMsg.RERUN_SCRIPT_FIELD_NUMBER}, "
    f"IS_AUTO_RERUN = {ClientState.IS_AUTO_RERUN_FIELD_NUMBER};"
)
STILL_PAGES = (
    _MESSAGE_TYPES
    + """
window.scriptRunsStarted = 0;
window.scriptRunsEnded = 0;
window.rerunsRequested = 0;
let sequence = 0;
window.lastRequestAt = 0;
window.lastRunStartedAt = 0;
window.lastRunEndedAt = 0;

// A protobuf message's top-level fields: [number, value] (a varint's value, a length-delimited field's bytes)
function fields(data) {
  const bytes = ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    : new Uint8Array(data), found = [];
  let at = 0;
  const varint = () => {
    let value = 0, scale = 1, byte;
    do { byte = bytes[at++]; value += (byte & 0x7f) * scale; scale *= 128; } while (byte & 0x80 && at < bytes.length);
    return value;
  };
  while (at < bytes.length) {
    const tag = varint(), wire = tag % 8, number = Math.floor(tag / 8);
    if (wire === 0) found.push([number, varint()]);
    else if (wire === 1) { found.push([number, null]); at += 8; }
    else if (wire === 2) { const end = varint() + at; found.push([number, bytes.subarray(at, end)]); at = end; }
    else if (wire === 5) { found.push([number, null]); at += 4; }
    else break;
  }
  return found;
}

const NativeWebSocket = window.WebSocket;
window.WebSocket = class extends NativeWebSocket {
  constructor(...options) {
    super(...options);
    this.addEventListener("message", event => {
      if (!(event.data instanceof ArrayBuffer)) return;
      const numbers = fields(event.data).map(([number]) => number);
      if (numbers.includes(NEW_SESSION)) { window.scriptRunsStarted += 1; window.lastRunStartedAt = ++sequence; }
      if (numbers.includes(SCRIPT_FINISHED)) { window.scriptRunsEnded += 1; window.lastRunEndedAt = ++sequence; }
    });
  }
  send(data) {
    if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) {
      const rerun = fields(data).find(([number]) => number === RERUN_SCRIPT);
      if (rerun && !fields(rerun[1]).some(([number, value]) => number === IS_AUTO_RERUN && value)) {
        window.rerunsRequested += 1;
        window.lastRequestAt = ++sequence;
      }
    }
    return super.send(data);
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


def launched(playwright: Playwright, **options: Any) -> Browser:
    """Headless Chromium from the system package (tools.test.CHROMIUM, never a downloaded browser; `options` go to
    launch), its Streamlit pages held still (still_pages)."""
    chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, **options)
    return still_pages(chromium)


def submit_login(page: Page, login_id: str, password: str) -> None:
    """Fill the login form and send it, once the login page is drawn."""
    drawn(page)
    page.get_by_label("ログインID").fill(login_id)
    page.get_by_label("パスワード").fill(password)
    page.get_by_role("button", name="ログイン").click()


def sign_in(page: Page, url: str, login_id: str, password: str, heading: str) -> None:
    """Open the dashboards, sign in, and wait until the first page has landed (landed)."""
    page.goto(url)
    submit_login(page, login_id, password)
    landed(page, heading)


def landed(page: Page, heading: str) -> None:
    """Wait, once the login form was sent, for the first page's heading and for the session cookie the page sets after
    it (POST /api/auth/session): a page opened by its address before the cookie is there is the login page."""
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    wait_until(
        lambda: any(cookie["name"] == SESSION_COOKIE for cookie in page.context.cookies()),
        timeout=TIMEOUT_MS / 1000,
        message="the dashboards' session cookie",
    )
    drawn(page)


# The page is connected to its Streamlit server (while it is not, Streamlit disables every widget: a click is lost
# and the faded labels fail axe's contrast rule), a run has started since it last asked for one and the last run
# started has ended, and the page shows its run as finished; with `drawn` every element is drawn: none left over from
# the previous run, none still a placeholder while its code loads. Checked every POLL_MS, so a wait ends soon after the
# page is ready (expect()'s polling backs off to a second between checks); not on every animation frame, which keeps
# Chromium drawing frames for as long as a wait lasts (a quarter more of its CPU in the crawl).
_APP = "document.querySelector('[data-testid=\"stApp\"]')?.dataset"
_ANSWERED = "window.lastRunStartedAt > window.lastRequestAt && window.lastRunEndedAt > window.lastRunStartedAt"
_SETTLED = f"{_ANSWERED} && {_APP}.testScriptState === 'notRunning' && {_APP}.testConnectionState === 'CONNECTED'"
_DRAWN = (
    f'{_SETTLED} && !document.querySelector(\'[data-stale="true"], [data-testid="stSkeletonElement"], '
    '[data-testid="stSkeleton"]\')'
)
_REQUESTED = "window.rerunsRequested"
_STARTED = "window.scriptRunsStarted"
SCRIPT_RUNS = "() => [window.scriptRunsStarted, window.scriptRunsEnded]"  # the runs a page has seen start and end


# What the page says of its runs, for a wait that reached its cap
_RUN_STATE = f"""() => ({{asked: {_REQUESTED}, started: {_STARTED}, ended: window.scriptRunsEnded,
    lastAsked: window.lastRequestAt, lastStarted: window.lastRunStartedAt, lastEnded: window.lastRunEndedAt,
    shown: {_APP}?.testScriptState, connection: {_APP}?.testConnectionState,
    stale: document.querySelectorAll('[data-stale="true"]').length,
    skeletons: document.querySelectorAll('[data-testid="stSkeletonElement"], [data-testid="stSkeleton"]').length}})"""


def until(page: Page, condition: str, arg=None) -> None:
    """Wait for a JavaScript condition on the page (checked every POLL_MS); past TIMEOUT_MS, fail saying what the page
    said of its runs."""
    try:
        page.wait_for_function(condition, arg=arg, timeout=TIMEOUT_MS, polling=POLL_MS)
    except PlaywrightTimeoutError:
        state = page.evaluate(_RUN_STATE)
        raise AssertionError(f"not met in {TIMEOUT_MS} ms: {condition}; the page: {state}") from None


def settled(page: Page) -> None:
    """Wait until every run the page asked for has finished: a field filled while the page still redraws can lose its
    text, and one filled after a run was asked for but before it started is redrawn by it."""
    until(page, f"() => {_SETTLED}")


@contextmanager
def reran(page: Page) -> Iterator[None]:
    """Wait, after what the block does, for the script run it asks for to begin and end, every element drawn: an action
    taken while the run it asked for has not yet started meets a page Streamlit is about to redraw (an interrupted run
    can leave the previous run's elements on the page beside the new ones)."""
    before = page.evaluate(f"() => {_REQUESTED}")
    yield
    until(page, f"() => {_REQUESTED} > {before} && {_DRAWN}")


# Leaving the field sent its text (the page asked for a run), or a run replaced the field and the text is lost
_SENT_OR_LOST = f"([field, before, text]) => {_REQUESTED} > before || !field.isConnected || field.value !== text"


def entered(page: Page, field: Locator, text: str) -> None:
    """Type `text` (a new value) into a Streamlit field and leave it as a person does (Tab): the field sends its text
    as it is left, and the run it asks for is waited for. Typed once the page is drawn: text typed into an element a
    run is about to replace is lost, and leaving it then sends nothing; then it is typed and left again, as a person
    would."""
    for _ in range(ENTRY_ATTEMPTS):
        drawn(page)
        before = page.evaluate(f"() => {_REQUESTED}")
        typed = field.element_handle()
        field.fill(text)
        field.press("Tab")
        until(page, _SENT_OR_LOST, [typed, before, text])
        if page.evaluate(f"() => {_REQUESTED}") > before:
            drawn(page)
            return
    raise AssertionError(
        f"leaving the field with {text!r} sent nothing in {ENTRY_ATTEMPTS} tries; it holds {field.input_value()!r}, "
        f"the focus is on {page.evaluate('() => document.activeElement?.outerHTML')!r:.300}"
    )


def drawn(page: Page) -> None:
    """Wait until every run the page asked for has ended and every element is drawn."""
    until(page, f"() => {_DRAWN}")


# The opened list shows the option, or a run has started since it was opened (and redraws the box, closing the list)
_LISTED_OR_RERUN = (
    f"([option, started]) => {_STARTED} > started "
    "|| [...document.querySelectorAll('[role=option]')].some(shown => shown.textContent.includes(option))"
)


# Resolves once the page has drawn a frame: the scroll events of a scroll done before it have been dispatched
_NEXT_FRAME = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => done(true))))"


def scrolled_to(locator: Locator) -> Locator:
    """The element scrolled into view, its scroll's events dispatched: a list or menu opens on a click, and closes on
    a scroll of the page, such as the one a click first makes to bring its element into view, whose event comes a frame
    later (after the list has opened, however soon the frame comes)."""
    locator.scroll_into_view_if_needed()
    locator.page.evaluate(_NEXT_FRAME)
    return locator


def choose(page: Page, label: str, option: str, *, exact: bool = False) -> None:
    """Pick an option of a Streamlit selectbox by its label (`exact`: the whole label, where another field's label
    holds it), its list opened once the page is drawn and the box is in view. A run that starts while the list is open
    (one a timer asks for, such as a list's refresh) redraws the box and closes the list: then the list is opened
    again, on the page as the run left it."""
    wanted = page.get_by_role("option", name=option)
    for _ in range(CHOOSE_ATTEMPTS):
        drawn(page)
        box = scrolled_to(page.get_by_label(label, exact=exact))
        started = page.evaluate(f"() => {_STARTED}")
        box.click()
        try:
            page.wait_for_function(_LISTED_OR_RERUN, arg=[option, started], timeout=TIMEOUT_MS, polling=POLL_MS)
        except PlaywrightTimeoutError:
            raise AssertionError(f"「{option}」 was not among the options of 「{label}」") from None
        if page.evaluate(f"() => {_STARTED}") == started:
            try:
                wanted.click()
                return
            except PlaywrightTimeoutError:
                if page.evaluate(f"() => {_STARTED}") == started:
                    raise
        page.keyboard.press("Escape")
    raise AssertionError(f"a run closed the list of 「{label}」 each of {CHOOSE_ATTEMPTS} times it was opened")


def confirm_then_click(page: Page, confirm: str, label: str) -> None:
    """Tick a confirm_then_act box, then click its button once the rerun has enabled it.

    While a run draws, the previous run's elements stay on the page (marked stale), moved when the layout above them
    changed: only the current run's box and enabled button are clicked.
    """
    drawn(page)
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
    drawn(page)


def screenshot(page: Page, path: Path) -> None:
    """A full-page screenshot once the page is drawn (every run ended, no element left over from the previous run)."""
    drawn(page)
    page.screenshot(path=path, full_page=True)
