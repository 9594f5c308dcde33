"""Every page every demo role can open, in a real browser: no English word of Streamlit's own (in its text, or in the
attributes a screen reader reads out or a pointer shows: aria-label, title, placeholder; in the main menu, a
multiselect's list, a number field's range error), no template field ({code}) or regular expression shown, no spec
section number (§), no exception and no server error on any of them; and every address answers in Japanese (a page
the role may not open, a section's home, an unknown address), never with Streamlit's English 「Page not found」 dialog.

Each page is opened once per role that sees it: a page the platform admin shares with a domain's own admin is opened
as that admin; the platform admin opens the rest (its own pages, and the domains whose roles have no admin). A page
with named figures (tests/dashboards/test_figure_cards.py's FIGURE_PAGES) is also held, on that same visit, to saying
each card's period right under it (「期間: …」) and the moment its figures are as of (「YYYY/MM/DD HH:mm 時点」), and
is saved as a screenshot under the test's tmp_path (run with --basetemp to keep them)."""

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, Response, expect

from dashboards import sections
from service.demo.platform import ADMIN_LOGIN, DemoAccount, demo_accounts
from tests.browser.conftest import PAGE_WIDTH, SCRIPT_RUNS, TIMEOUT_MS, drawn, screenshot, sign_in, submit_login
from tests.conftest import HALVES
from tests.dashboards.test_figure_cards import FIGURE_PAGES
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.support.axe import serious_violations
from tests.support.small_demo import load_small_demo

# browser tests check pages, not the backend: each runs in one pass of `make test` (docs/testing.md); the crawl's
# visits are split between the two passes, so neither pass waits for the whole crawl
pytestmark = pytest.mark.slow

# What Streamlit's frontend says by itself, in English: its dialogs, the file uploader's drop zone, a select box's
# placeholder, a data editor's and a search box's hints, the status widget, an exception's box; the main menu, a
# multiselect's list, a number field's range error; the tables' toolbars and search, the pager, the date fields, the
# sidebar and the charts' buttons, as their aria-labels and tooltips name them.
STREAMLIT_ENGLISH = (
    "Page not found",
    "Running the app's main page",
    "Drag and drop",
    "Browse files",
    "per file",
    "Upload",
    "Limit",
    "No results",
    "Press Enter to apply",
    "Something went wrong",
    "Error",
    "Traceback",
    "Uncaught app exception",
    "Show more",
    "Search",
    "Clear",
    "Choose an option",
    "Choose options",
    "No options to select",
    "Connecting",
    "Please wait",
    "Running…",
    "Running...",
    "Deploy",
    "Select all",
    "matches",
    "Number is",
    "allowed range",
    "Please enter",
    "Print",
    "Record screen",
    "Rerun",
    "Settings",
    "Clear cache",
    "About",
    "Skip to main content",
    "Help",
    "Download",
    "Type to search",
    "results",
    "Fullscreen",
    "Show/hide columns",
    "Main menu",
    "Sidebar",
    "Collapse sidebar",
    "Expand sidebar",
    "App pages",
    "Link to heading",
    "Open",
    "Close",
    "Page ",
    "Pagination",
    "Next",
    "Previous",
    "Choose date",
    "year, ",
    "month, ",
    "day, ",
    "Increment",
    "Decrement",
    "Show password",
    "file upload",
    "Copy to clipboard",
    "progress",
    "icon",
    "Autoscale",
    "Pan",
    "Zoom",
    "Reset axes",
)
ENGLISH = re.compile("|".join(rf"(?<![A-Za-z]){re.escape(phrase)}(?![a-z])" for phrase in STREAMLIT_ENGLISH))
# What a person reads that is code: a template's field ({code}, {amount:,}) or a regular expression (^[0-9]*$, \d)
CODE = re.compile(r"\{\w+(?::[^{}]*)?\}|\^\[|\]\*\$|\]\+\$|\]\{\d|\\[dDwWsS]|\(\?[:=!]")
# The attributes a screen reader reads out or a pointer shows as a tooltip, of every element drawn on the page (one
# taken off the page, display: none, is neither)
ATTRIBUTES_SHOWN = """() => [...document.querySelectorAll('[aria-label], [title], [placeholder], [data-title]')]
    .filter(element => element.checkVisibility())
    .flatMap(element => ['aria-label', 'title', 'placeholder', 'data-title']
        .map(name => [name, element.getAttribute(name)])
        .filter(([, value]) => value))
    .map(([name, value]) => `${name}="${value}"`)"""
# The texts of choices (a check box's or radio button's label, a select's chosen or listed option, a multiselect's tags)
# cut short on screen: ending in an ellipsis, or tags in a row that scrolls (their box is narrower than their text)
CHOICES_CUT = """() => [...document.querySelectorAll(
        "[data-testid='stCheckbox'] *, [data-testid='stRadio'] *, [role='option'], [role='option'] *, "
        + "[data-testid='stSelectbox'] *, [data-testid='stMultiSelect'] *")]
    .filter(element => element.checkVisibility() && element.scrollWidth > element.clientWidth + 1)
    .filter(element => getComputedStyle(element).textOverflow === 'ellipsis'
        || element.matches("[data-testid='stMultiSelectTagsContainer']"))
    .map(element => element.textContent.trim())"""
# What a page shows when the API failed: its 500's message, or the dashboards' own for an answer it could not read
SERVER_FAILURES = ("内部エラーが発生しました", "APIでエラーが発生しました")
# A named figure's moment (components.kpi.figures_stamp), and the text drawn right after each card: its period
AS_OF = re.compile(r"\d{4}/\d{2}/\d{2} \d{2}:\d{2} 時点")
UNDER_CARDS = """cards => cards.map(card =>
    card.closest('[data-testid=stElementContainer]')?.nextElementSibling?.innerText ?? '')"""


@dataclass
class Crawl:
    """What was wrong where: one line per page and problem."""

    problems: list[str] = field(default_factory=list)

    def check(self, page: Page, where: str) -> None:
        text = page.locator("body").inner_text()
        self.check_text(text, where)
        for attribute in sorted(set(page.evaluate(ATTRIBUTES_SHOWN))):
            if ENGLISH.search(attribute):
                self.problems.append(f"{where}: Streamlit's English in an attribute: {attribute}")
        for choice in sorted(set(page.evaluate(CHOICES_CUT))):
            self.problems.append(f"{where}: a choice cut short on screen: {choice!r}")
        for found in sorted(set(CODE.findall(text))):
            self.problems.append(f"{where}: code shown to a person {found!r}: {line_with(text, found)!r}")
        if "§" in text:
            self.problems.append(f"{where}: a section number: {line_with(text, '§')!r}")
        for failure in SERVER_FAILURES:
            if failure in text:
                self.problems.append(f"{where}: {line_with(text, failure)!r}")
        if page.get_by_test_id("stException").count():
            self.problems.append(f"{where}: an exception: {page.get_by_test_id('stException').first.inner_text()!r}")

    def check_figures(self, page: Page, where: str) -> None:
        """A page with figures: a card, each with its period right under it, and the moment they are as of."""
        cards = page.get_by_test_id("stMetric")
        expect(cards.first).to_be_visible()
        for index, under in enumerate(cards.evaluate_all(UNDER_CARDS), start=1):
            if not under.startswith("期間: "):
                self.problems.append(f"{where}: card {index} has no period under it ({under!r})")
        if not page.get_by_text(AS_OF).count():
            self.problems.append(f"{where}: no 「時点」 stamp for its figures")

    def check_text(self, text: str, where: str) -> None:
        for found in sorted(set(ENGLISH.findall(text))):
            self.problems.append(f"{where}: Streamlit's English {found!r}")

    def check_opened(self, page: Page, opener: Locator, shown: Locator, where: str) -> None:
        """Open what Streamlit draws only on a click (a menu, a list), check its words and attributes, close it."""
        opener.click()
        expect(shown.first).to_be_visible()
        self.check_text(" ".join(shown.all_inner_texts()), where)
        self.check(page, where)
        page.keyboard.press("Escape")

    def server_errors(self, who: str) -> Callable[[Response], None]:
        def seen(response: Response) -> None:
            if response.status >= 500:
                self.problems.append(f"{who}: {response.status} from {response.url}")

        return seen


def line_with(text: str, needle: str) -> str:
    return next(line for line in text.splitlines() if needle in line)


def window(browser: Browser) -> BrowserContext:
    """One browser window per role (its own cookies), in Japanese."""
    expect.set_options(timeout=TIMEOUT_MS)
    return browser.new_context(viewport={"width": PAGE_WIDTH, "height": 900}, locale="ja-JP")


def signed_in_user(live_api: str, login_id: str, password: str) -> dict:
    """The account with its grants, as the dashboards see it."""
    answer = httpx.post(f"{live_api}/api/auth/login", json={"login_id": login_id, "password": password})
    answer.raise_for_status()
    return answer.json()["user"]


def open_page(page: Page, spec: sections.PageSpec, first: bool) -> None:
    """Open a page from the sidebar (the first page is where signing in lands) and wait until it is drawn."""
    if not first:
        page.get_by_test_id("stSidebar").locator(f"a[href$='/{spec.url_path}']").click()
        page.wait_for_url(f"**/{spec.url_path}")
    drawn(page)


def open_expanders(page: Page) -> None:
    """Open every expander at once (one click each, in one round trip: a list of fifty costs no more than one), and
    wait for what an expander draws only once open (components.layout.shown_when_open: its click reruns the page)."""
    closed = page.locator("[data-testid='stExpander'] details:not([open]) > summary:visible")
    closed.evaluate_all("summaries => summaries.forEach(summary => summary.click())")
    expect(closed).to_have_count(0)
    drawn(page)


AUDIT_ATTEMPTS = 3  # audited(): audits of a page that a run redrew as axe read it
# A bounded number field of the page (its +/- buttons' field): a value past its maximum shows its range error
BOUNDED_NUMBER = "[data-testid='stNumberInput'] input[type='number'][max]:visible"
# A number this large is an id's bound (JavaScript's largest safe integer), not a range a person types against
LARGEST_TYPED = 10**9


def check_all_of(page: Page, crawl: Crawl, where: str) -> None:
    """Check the page with every expander open, its first multiselect's list open and its first bounded number field
    past its maximum; then each of its tabs in turn."""
    open_expanders(page)
    crawl.check(page, where)
    check_drawn_on_use(page, crawl, where)
    tabs = page.get_by_test_id("stTab")
    for index in range(1, tabs.count()):
        tab = tabs.nth(index)
        name = tab.inner_text()
        tab.click()
        drawn(page)
        open_expanders(page)
        crawl.check(page, f"{where} ({name})")


def check_drawn_on_use(page: Page, crawl: Crawl, where: str) -> None:
    """What Streamlit draws only when a field is used: a multiselect's list (「Select all」) and a number field's range
    error (「Number is outside the allowed range」). The number typed is refused by the field itself: none is sent."""
    multiselect = page.locator("[data-testid='stMultiSelect']:visible [data-baseweb='select']")
    if multiselect.count():
        crawl.check_opened(page, multiselect.first, page.get_by_role("option"), f"{where} (a multiselect's list)")
    numbers = page.locator(BOUNDED_NUMBER)
    bounds = [(numbers.nth(i), int(numbers.nth(i).get_attribute("max") or 0)) for i in range(numbers.count())]
    bounded = [(field, most) for field, most in bounds if most < LARGEST_TYPED]
    if bounded:
        field, most = bounded[0]
        field.fill(str(most + 1))
        field.press("Tab")
        expect(page.locator("[data-testid='stNumberInput'] [role='alert']")).to_have_count(1)
        crawl.check(page, f"{where} (a number past its maximum)")


@pytest.fixture
def demo(db) -> None:
    """Every domain's demo, the fleet's at a tenth of its size: the pages' shape, not the fleet's size, is crawled."""
    load_small_demo(db)
    db.commit()


@dataclass(frozen=True)
class Visit:
    """One demo account and the pages it opens in the crawl."""

    account: DemoAccount
    landing: sections.PageSpec  # where signing in lands: the first page the account may open
    specs: list[sections.PageSpec]


def role_in(user: dict, domain: str) -> str:
    """The role a page is drawn for: the user's grant in its domain, a platform admin's being admin."""
    if sections.is_platform_admin(user):
        return "admin"
    return sections.grants_by_domain(user)[domain]["role"]


def crawl_plan(live_api: str) -> list[Visit]:
    """Every demo account with the pages it opens: each (page, role) once, the platform admin's last."""
    accounts = sorted(demo_accounts(), key=lambda account: account.login_id == ADMIN_LOGIN)
    seen, plan = set(), []
    for account in accounts:
        user = signed_in_user(live_api, account.login_id, account.password)
        pages = [
            (spec, role_in(user, section.domain))
            for section in sections.SECTIONS
            for spec in sections.visible_pages(user).get(section.label, [])
        ]
        specs = [spec for spec, role in pages if (spec.url_path, role) not in seen]
        seen.update((spec.url_path, role) for spec, role in pages)
        if specs:
            plan.append(Visit(account, pages[0][0], specs))
    return plan


def half_of(plan: list[Visit], half: int) -> list[Visit]:
    """The visits of one pass: the accounts dealt out, busiest first, to whichever half has fewer pages so far."""
    halves: list[list[Visit]] = [[], []]
    for visit in sorted(plan, key=lambda visit: -len(visit.specs)):
        min(halves, key=lambda visits: sum(len(v.specs) for v in visits)).append(visit)
    return halves[half]


def audited_in(plan: list[Visit], half: int) -> set[str]:
    """The pages axe audits in this half (it takes a second a page): each page once in the whole crawl, on its first
    visit, the first half's visits before the second's."""
    seen: set[str] = set()
    mine: set[str] = set()
    for which in (0, 1):
        for visit in half_of(plan, which):
            new = {spec.url_path for spec in visit.specs} - seen
            seen |= new
            if which == half:
                mine |= new
    return mine


@pytest.mark.parametrize("half", HALVES)
def test_every_page_of_every_demo_role_speaks_japanese(half, demo, live_api, dashboards_url, browser, tmp_path):
    crawl, opened = Crawl(), set()
    plan = crawl_plan(live_api)
    to_audit = audited_in(plan, half)
    assert set(FIGURE_PAGES) <= {spec.path for visit in plan for spec in visit.specs}, "figures no demo role sees"
    for visit in half_of(plan, half):
        account = visit.account
        context = window(browser)
        page = context.new_page()
        page.on("response", crawl.server_errors(account.login_id))
        sign_in(page, dashboards_url, account.login_id, account.password, visit.landing.title)
        check_main_menu(page, crawl, account.login_id)
        for spec in visit.specs:
            open_page(page, spec, first=spec == visit.landing)
            where = f"{account.login_id} /{spec.url_path}"
            if spec.path in FIGURE_PAGES:
                crawl.check_figures(page, where)
                screenshot(page, tmp_path / f"{account.login_id}-{spec.url_path}.png")
            check_all_of(page, crawl, where)
            if spec.url_path in to_audit:
                crawl.problems += audited(page, where)
                to_audit.discard(spec.url_path)
            opened.add(spec.url_path)
        context.close()
    assert not crawl.problems, "\n".join(crawl.problems)
    assert opened, "no page was opened"


def audited(page: Page, where: str) -> list[str]:
    """axe's serious violations of the page as it holds still: a run that starts while axe reads it (an expander's
    rerun asked for before the page was last found drawn, but begun after) fades the previous run's elements, which
    axe reads as text of too little contrast; such an audit is done again once that run has drawn the page."""
    for _ in range(AUDIT_ATTEMPTS):
        drawn(page)
        runs = page.evaluate(SCRIPT_RUNS)
        violations = serious_violations(page, where)
        if page.evaluate(SCRIPT_RUNS) == runs:
            return violations
    return [f"{where}: the page kept rerunning through {AUDIT_ATTEMPTS} audits"]


def check_main_menu(page: Page, crawl: Crawl, who: str) -> None:
    """The main menu's entries, where it is shown (streamlit_ja.css takes it off: it holds only Streamlit's own)."""
    menu = page.get_by_test_id("stMainMenu")
    if menu.is_visible():
        crawl.check_opened(page, menu.get_by_role("button"), page.get_by_test_id("stMainMenuPopover"), f"{who} menu")


def expect_page(page: Page, heading: str, address: str) -> None:
    """The page with this heading at this address, without Streamlit's English dialog."""
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    drawn(page)
    assert page.url.endswith(address), page.url
    crawl = Crawl()
    crawl.check(page, address)
    assert not crawl.problems


@pytest.mark.embedded_only
def test_every_address_answers_in_japanese_signed_in_or_out(db, dashboards_url, browser):
    make_user(db, "viewer", grants={"fleet": "viewer", "loaners": "staff"})
    db.commit()
    page = window(browser).new_page()

    page.goto(f"{dashboards_url}/loaners-summary")  # a bookmark, signed out: the login page, then the bookmarked page
    submit_login(page, "viewer", DEFAULT_PASSWORD)
    expect_page(page, "サマリー", "/loaners-summary")

    for address, heading in [
        ("/fleet-reports", "レポート"),  # the first page, also at its own address
        ("/", "レポート"),
        ("/login", "レポート"),
        ("/fleet", "レポート"),  # the section's home, which a viewer may not open: their first page of 端末管理
        ("/loaners/", "通常データ"),  # the server drops the trailing slash
        ("/no-such-page", "ページが見つかりません"),
    ]:
        page.goto(f"{dashboards_url}{address}")
        expect_page(page, heading, address.rstrip("/") or "/")
    expect(page.get_by_test_id("stSidebar").get_by_role("link", name="サマリー")).to_be_visible()

    for address, refusal in [
        ("/admin-users", "「管理 › ユーザー管理」を表示する権限がありません。"),
        ("/entry_logs", "「入退管理 › 入退管理ログ」を表示する権限がありません。"),
        ("/fleet-alerts", "「端末管理 › アラート一覧」を表示する権限がありません。"),
    ]:
        page.goto(f"{dashboards_url}{address}")
        expect(page.get_by_text(refusal)).to_be_visible()
        drawn(page)
        assert not ENGLISH.search(page.locator("body").inner_text())


@pytest.mark.embedded_only
def test_a_signed_out_unknown_address_shows_the_login_page_without_the_dialog(dashboards_url, browser):
    page = window(browser).new_page()
    page.goto(f"{dashboards_url}/no-such-page")
    expect_page(page, "ログイン", "/no-such-page")
