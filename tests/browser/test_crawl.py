"""Every page every demo role can open, in a real browser: no English word of Streamlit's own (in its text, in the
attributes a screen reader reads out or a pointer shows: aria-label, title, placeholder, aria-valuetext; in the words
CSS draws; in an empty date or time field's parts; in the main menu, a multiselect's list, a number field's range error,
the hint a field shows while it holds what was typed), no template field ({code}) or regular expression shown, no spec
section number (§), no exception and no server error on any of them; and every address answers in Japanese (a page
the role may not open, a section's home, an unknown address), never with Streamlit's English 「Page not found」 dialog.

Each distinct view of a page is opened, checked and audited by axe once. What a page shows a person depends on who
they are only through what the page's code and the service ask about them (tests/browser/questions.py: may they act as
these roles in this domain, which tenant is their grant limited to, are they a platform admin, what is their grant or
CRM role); the questions a view was asked are recorded as it is drawn for one account, and another account that would
answer every one of them alike sees that same view, so it is not opened again on that page. Accounts are taken in the
registry's order of domains and roles, the platform admin last; the domains are dealt to the two passes. A page with
named figures (tests/dashboards/test_figure_cards.py's FIGURE_PAGES) is also held, on that same visit, to saying each
card's period right under it (「期間: …」) and the moment its figures are as of (「YYYY/MM/DD HH:mm 時点」), and is
saved as a screenshot under the test's tmp_path (run with --basetemp to keep them)."""

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, Response, expect

from dashboards import sections
from service.config import get_settings
from service.demo.platform import ADMIN_LOGIN, DemoAccount, demo_accounts
from tests.browser import questions
from tests.conftest import HALVES
from tests.dashboards.test_figure_cards import FIGURE_PAGES
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.support.axe import serious_violations
from tests.support.small_demo import load_small_demo
from tests.support.streamlit_browser import (
    PAGE_WIDTH,
    SCRIPT_RUNS,
    TIMEOUT_MS,
    drawn,
    screenshot,
    scrolled_to,
    sign_in,
    streamlit_process,
    submit_login,
)

# browser tests check pages, not the backend: each runs in one pass of `make check` (docs/testing.md); the crawl's
# visits are split between the two passes, so neither pass waits for the whole crawl
pytestmark = [pytest.mark.slow, pytest.mark.outside, pytest.mark.walk]

# What Streamlit's frontend says by itself, in English: its dialogs, the file uploader's drop zone, a select box's
# placeholder, a data editor's and a search box's hints, a field's 「Press Enter to apply」 (「Press Ctrl+Enter to
# apply」, 「Press Enter to submit form」), the status widget, an exception's box; the main menu, a multiselect's
# list, a number field's range error; the tables' toolbars and search, the pager, the date fields and their calendar
# (its months, as a screen reader hears a date's), the sidebar and the charts' buttons, as their aria-labels and
# tooltips name them.
MONTHS = (
    *("January", "February", "March", "April", "May", "June"),
    *("July", "August", "September", "October", "November", "December"),
)
STREAMLIT_ENGLISH = (
    "Page not found",
    "Running the app's main page",
    "Drag and drop",
    "Browse files",
    "per file",
    "Upload",
    "Limit",
    "No results",
    "Enter to",
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
    "an option",
    "Add options",
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
    "Date range",
    "Quick select",
    "Use arrow keys",
    "Select...",
    "Empty",
    *MONTHS,
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
# The attributes a screen reader reads out or a pointer shows as a tooltip (a field's placeholder too), of every
# element drawn on the page (one taken off the page, display: none, is neither)
ATTRIBUTES_SHOWN = """() => {
    const names = ['aria-label', 'title', 'placeholder', 'aria-valuetext', 'data-title'];
    return [...document.querySelectorAll(names.map(name => `[${name}]`).join(', '))]
        .filter(element => element.checkVisibility())
        .flatMap(element => names.map(name => [name, element.getAttribute(name)]).filter(([, value]) => value))
        .map(([name, value]) => `${name}="${value}"`);
}"""
# The words CSS draws before or after an element drawn on the page (streamlit_ja.css's, in place of Streamlit's)
DRAWN_BY_CSS = """() => [...document.querySelectorAll('body *')]
    .flatMap(element => ['::before', '::after']
        .map(part => getComputedStyle(element, part).content)
        .filter(content => content.startsWith('"') && element.checkVisibility()))"""
# What each date or time field drawn on the page shows of its parts, its separators too (an empty one: Streamlit's
# 「yyyy/mm/dd」, 「HH:mm」), without the marks that keep a time's digits left to right
FIELD_PARTS = """() => [...document.querySelectorAll('[role=group]:has(> [role=spinbutton])')]
    .filter(field => field.checkVisibility())
    .map(field => field.textContent.replace(/[\\u2066-\\u2069]/g, ''))"""
LATIN = re.compile("[A-Za-z]")
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
        for drawn_words in sorted(set(page.evaluate(DRAWN_BY_CSS))):
            if ENGLISH.search(drawn_words):
                self.problems.append(f"{where}: Streamlit's English drawn by CSS: {drawn_words}")
        for parts in sorted(set(page.evaluate(FIELD_PARTS))):
            if LATIN.search(parts):
                self.problems.append(f"{where}: a date or time field reads {parts!r}")
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
        scrolled_to(opener).click()
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


def open_page(page: Page, spec: sections.PageSpec) -> None:
    """Open a page from the sidebar and wait until it is drawn."""
    page.get_by_test_id("stSidebar").locator(f"a[href$='/{spec.url_path}']").click()
    page.wait_for_url(f"**/{spec.url_path}")
    expect(page.get_by_role("heading", name=spec.title, exact=True)).to_be_visible()
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
# A field of the page a person types into: a text field, a text area, a number field
TYPED_FIELD = (
    "[data-testid='stTextInput'] input:visible:enabled, [data-testid='stTextArea'] textarea:visible:enabled, "
    "[data-testid='stNumberInput'] input:visible:enabled"
)
TYPED = "1"  # what the crawl types: a number field takes it too


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
    """What Streamlit draws only when a field is used: the hint of a field holding what was typed (「Press Enter to
    apply」), a multiselect's list (「Select all」) and a number field's range error (「Number is outside the allowed
    range」). The number typed is refused by the field itself: none is sent."""
    check_typing_hint(page, crawl, where)
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


def check_typing_hint(page: Page, crawl: Crawl, where: str) -> None:
    """The hint the page's first field shows while it holds what was typed and not yet sent (「Press Enter to apply」, a
    text area's 「Press Ctrl+Enter to apply」, a form's field's 「Press Enter to submit form」); then the field is given
    back what it held and left, and any run leaving it asks for is waited for."""
    fields = page.locator(TYPED_FIELD)
    if not fields.count():
        return
    field = scrolled_to(fields.first)
    held = field.input_value()
    field.fill(TYPED if held != TYPED else TYPED * 2)
    crawl.check(page, f"{where} (a field typed into)")
    field.fill(held)
    field.blur()
    drawn(page)


@pytest.fixture
def demo(db) -> None:
    """Every domain's demo, the fleet's at a tenth of its size: the pages' shape, not the fleet's size, is crawled."""
    load_small_demo(db)
    db.commit()


@pytest.fixture
def crawl_server(live_api: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Path]]:
    """A dashboards server of the crawl's own, as `make run` starts it but recording what the pages ask about the
    person signed in (questions.py) to a file; yields its address and the file. The service knows it as the
    dashboards' address (APP_DASHBOARD_URL), as dashboards_url does."""
    asked = tmp_path / "asked.jsonl"
    log = tmp_path / "streamlit.log"
    with streamlit_process(live_api, log, module=questions.__name__, **{questions.QUESTIONS_ENV: str(asked)}) as url:
        monkeypatch.setattr(get_settings(), "dashboard_url", url)
        yield url, asked


@dataclass(frozen=True)
class Visit:
    """One demo account, signed in, and the pages of its pass it may open (with their domains), in the registry's
    order."""

    account: DemoAccount
    user: dict
    specs: list[tuple[str, sections.PageSpec]]


@dataclass(frozen=True)
class View:
    """A page as drawn for one account, and what it asked about them on the way: the pages' questions on this visit,
    the service's about them in the page's domain so far."""

    login: str
    asked: dict[questions.Question, Any]


ACCOUNTS = demo_accounts()


def demo_user(account: DemoAccount) -> dict:
    """An account's grant as the registry reads it (a scope does not change which pages it may open)."""
    return {"grants": [{"domain": account.domain, "role": account.role, "scope": None}]}


def domains_of(half: int) -> set[str]:
    """The domains one pass crawls: dealt out, busiest first (by the pages times the accounts that may open each), to
    whichever pass has fewer so far."""
    users = [demo_user(account) for account in ACCOUNTS]
    load = {
        section.domain: sum(sections.can_view(u, section.domain, page.roles) for page in section.pages for u in users)
        for section in sections.SECTIONS
    }
    halves: list[set[str]] = [set(), set()]
    for domain in sorted(load, key=lambda domain: -load[domain]):
        min(halves, key=lambda domains: sum(load[d] for d in domains)).add(domain)
    return halves[half]


def visits_of(half: int, users: dict[str, dict]) -> list[Visit]:
    """Every demo account with the pages of this pass's domains it may open, the platform admin's last."""
    mine = domains_of(half)
    visits = []
    for account in sorted(ACCOUNTS, key=lambda account: account.login_id == ADMIN_LOGIN):
        user = users[account.login_id]
        visible = sections.visible_pages(user)
        specs = [
            (section.domain, spec)
            for section in sections.SECTIONS
            if section.domain in mine
            for spec in visible.get(section.label, [])
        ]
        if specs:
            visits.append(Visit(account, user, specs))
    return visits


def answers_alike(view: View, user: dict, service: questions.ServiceQuestions) -> bool:
    """Whether `user` would be answered every question `view` was asked as its account was: then the page's code
    takes the same branches for them and the service answers them alike, and they see that view."""
    return all(
        (questions.page_answer(user, asked) if asked[0] == "pages" else service.answer(user, asked)) == answer
        for asked, answer in view.asked.items()
    )


@pytest.mark.parametrize("half", HALVES)
def test_every_page_of_every_demo_role_speaks_japanese(
    half, demo, live_api, crawl_server, browser, tmp_path, monkeypatch
):
    url, asked_file = crawl_server
    service = questions.ServiceQuestions()
    service.patch(monkeypatch)
    crawl, views = Crawl(), {}
    users = {account.login_id: signed_in_user(live_api, account.login_id, account.password) for account in ACCOUNTS}
    seen = {spec.path for user in users.values() for specs in sections.visible_pages(user).values() for spec in specs}
    assert set(FIGURE_PAGES) <= seen, "figures no demo role sees"
    read_to, opened, alike, navigation_only = 0, 0, [], []
    for visit in visits_of(half, users):
        login, page = visit.account.login_id, None
        for domain, spec in visit.specs:
            drawn_as = views.setdefault(spec.url_path, [])
            seen_as = next((view.login for view in drawn_as if answers_alike(view, visit.user, service)), None)
            if seen_as is not None:
                alike.append(f"/{spec.url_path}: {login} as {seen_as}")
                continue
            if page is None:  # signed in at the first page to open: where signing in lands
                page = signed_in(browser, crawl, visit.account, f"{url}/{spec.url_path}", spec.title)
            else:
                open_page(page, spec)
            where = f"{login} /{spec.url_path}"
            if spec.path in FIGURE_PAGES:
                crawl.check_figures(page, where)
                screenshot(page, tmp_path / f"{login}-{spec.url_path}.png")
            check_all_of(page, crawl, where)
            crawl.problems += audited(page, where)
            asked, read_to = questions.pages_asked(asked_file, read_to, login)
            if ("pages", "can_view", domain, spec.roles) not in asked:  # require_page's: every page asks it
                crawl.problems.append(f"{where}: what the page asked was not recorded (tests/browser/questions.py)")
            drawn_as.append(View(login, asked | service.asked_about(login, domain)))
            opened += 1
        if page is None and visit.account.domain in domains_of(half):
            # every view it may open is another account's: signed in still, for its own navigation and menu
            _, first = visit.specs[0]
            page = signed_in(browser, crawl, visit.account, f"{url}/{first.url_path}", first.title)
            crawl.check(page, f"{login} (navigation)")
            navigation_only.append(login)
        if page is not None:
            page.context.close()
    print(f"crawl half {half}: {opened} views opened and audited; signed in for the navigation only: {navigation_only}")
    print(f"{len(alike)} pages seen alike:", *alike, sep="\n  ")
    kept = {path: {v.login: [[*q, a] for q, a in v.asked.items()] for v in of} for path, of in views.items()}
    (tmp_path / "views.json").write_text(json.dumps(kept, ensure_ascii=False, indent=1))  # what each view asked
    assert not crawl.problems, "\n".join(crawl.problems)
    assert opened, "no page was opened"


def signed_in(browser: Browser, crawl: Crawl, account: DemoAccount, address: str, heading: str) -> Page:
    """A window of the account's own, signed in at `address` (the page of that heading), its main menu checked."""
    page = window(browser).new_page()
    page.on("response", crawl.server_errors(account.login_id))
    sign_in(page, address, account.login_id, account.password, heading)
    check_main_menu(page, crawl, account.login_id)
    return page


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
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
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
        ("/admin-users", "「管理 › 利用者管理（全体）」を表示する権限がありません。"),
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
