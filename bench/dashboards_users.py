"""Ten people in the dashboards at once: API requests and the Streamlit server's CPU per page view; memory by sessions.

    .venv/bin/python bench/dashboards_users.py [--rounds 6] [--round-seconds 30] [--sessions 1 10 50]
        [--dashboards PATH]

Creates and migrates its own bench database (`common.BENCH_DB`) and loads the demo (every demo login
and tenant: service/demo), then starts the API (`service.serve`, one worker, so its /metrics counts every request), the
dashboards as production starts them (`streamlit run … --server.fileWatcherType none`:
tests/support/streamlit_browser.streamlit_process) from this checkout or from --dashboards (another checkout's root,
e.g. main's: `git archive main | tar -x -C /tmp/main`, to compare the two against the same API), and the browser tests'
Chromium (Debian's headless shell) with a browser context per person (PEOPLE: CRM operators and sales people of two
agencies, the staff of both demo nurseries, two loaner clerks, a fleet operator, a QRV operator).

Each person signs in (the session cookie) and opens the first page of their work (not counted). Then a round starts
every --round-seconds (a person's pace: a page every half minute), in which each person in turn clicks the sidebar's
link to the next page of their work; the first CRM operator, on 投入案件一覧, also takes the next request
(「次の依頼を担当」: a write, and 案件詳細 opens, one more view). A view counts once its page's title shows and its run
has ended with every element drawn. The pace is fixed so that what the caches keep (for their TTLs) does not depend
on how busy the machine is; a round that could not start on time is counted in `late_rounds`. Over the rounds it
counts the API's requests (/metrics `daicho_http_requests`, less the bench's own scrapes), which includes what the
pages' self-refreshing panels read while people look at them, and the Streamlit server process's user and system CPU
and its RSS after each round (whether it grows with the pages visited).

Memory (--sessions; none: not measured): a second, fresh dashboards server, then sessions signed in one after another
(the people above in turn, each their own sign-in), each opening every page of its person's work, all kept open; at
each count the server's RSS (psutil) and what Streamlit says its caches and sessions' state hold (its /_stcore/metrics
`cache_memory_bytes`, by cache, with server.enableExpensiveMemoryStats).

Prints ONE final JSON line: views, API requests per view and the routes read most, Streamlit CPU-s per view, the
rounds' wall seconds, the RSS by sessions and MB per session past the first, and the load average. Targets: ≤ 2 API
requests and ≤ 0.05 Streamlit CPU-s per view. Drops the database and stops what it started at the end.
"""

import argparse
import os
import threading
import time
from collections import Counter
from pathlib import Path

from common import (
    CHEAP_PASSWORDS,
    ROOT,
    VIEWPORT,
    drop_bench_database,
    fresh_bench_database,
    load_average,
    print_result,
    remove,
    say,
    start_server,
    streamlit_cpu_seconds,
    streamlit_server,
    temp_dir,
    use_bench_database,
)

HEADLINE = ("api_requests_per_view", "streamlit_cpu_seconds_per_view", "memory.mb_per_session", "missed")
PAGE_TIMEOUT_MS = 60_000
# Each person's login and their work: the pages they go through in turn, by address.
PEOPLE = (
    ("crm-operator", ("crm-queue", "crm-acquired", "crm-metrics")),
    ("crm-operator-2", ("crm-queue", "crm-acquired", "crm-metrics")),
    ("crm-sales", ("crm-my-requests", "crm-acquired", "crm-help")),
    ("crm-sales-2-1", ("crm-my-requests", "crm-acquired", "crm-help")),
    ("nursery-staff", ("entry-logs", "entry-logs-attendance", "entry-logs-roster")),
    ("nursery-staff-2", ("entry-logs", "entry-logs-attendance", "entry-logs-roster")),
    ("loaners-staff", ("loaners", "loaners-summary", "loaners-returns")),
    ("loaners-admin", ("loaners", "loaners-summary", "loaners-returns")),
    ("fleet-operator", ("fleet-terminals", "fleet-alerts", "fleet-customers")),
    ("resv-operator", ("reservations-queue", "reservations-detail", "reservations-catalog")),
)
TAKER, TAKE_ON, TAKE_NEXT, TAKEN_PAGE = "crm-operator", "crm-queue", "次の依頼を担当", "案件詳細"
BENCH_ROUTES = ("/metrics",)  # the API's requests the bench makes itself, over the rounds
TARGET_REQUESTS_PER_VIEW, TARGET_CPU_SECONDS_PER_VIEW = 2.0, 0.05
BUSIEST_ROUTES = 8
SESSIONS = (1, 10, 50)  # --sessions' default
KB, MB = 1024, 1024 * 1024
LARGEST_CACHES = 6
MEMORY_STATS = {"STREAMLIT_SERVER_ENABLE_EXPENSIVE_MEMORY_STATS": "true"}  # session state in bytes, not in keys


def load_demo() -> None:
    from service.audit.service import Actor
    from service.database import session_scope
    from service.demo.framework import load_demo as load

    with session_scope() as db:
        load(db, actor=Actor(type="cli", label="dashboards-users"))


def page_titles() -> dict[str, str]:
    """Each page's title by its address (dashboards/sections.py)."""
    from dashboards import sections

    return {page.url_path: page.title for page in sections.all_pages()}


class Person:
    """One person's browser tab, signed in with their own session cookie, going through their pages in turn."""

    def __init__(self, browser, client, dashboards_url: str, login: str, pages: tuple[str, ...]) -> None:
        from service.credentials import SESSION_COOKIE
        from service.demo.platform import DEMO_PASSWORD

        self.login, self.pages, self.url, self.at = login, pages, dashboards_url, 0
        self.context = browser.new_context(viewport=VIEWPORT, locale="ja-JP")
        response = client.post("/api/auth/login", json={"login_id": login, "password": DEMO_PASSWORD})
        response.raise_for_status()
        self.context.add_cookies([{"name": SESSION_COOKIE, "value": response.json()["access_token"], "url": self.url}])
        self.page = self.context.new_page()
        self.page.set_default_timeout(PAGE_TIMEOUT_MS)

    def open_first(self, titles: dict[str, str]) -> None:
        self.page.goto(f"{self.url}/{self.pages[0]}", wait_until="commit")
        self.shown(titles[self.pages[0]])

    def next_page(self, titles: dict[str, str]) -> int:
        """Click the sidebar's link to the next page of their work; the views it took (two when it took a request)."""
        self.at = (self.at + 1) % len(self.pages)
        address = self.pages[self.at]
        sidebar = self.page.get_by_test_id("stSidebar")
        sidebar.locator(f"a[href$='/{address}']").click()
        self.shown(titles[address])
        if self.login == TAKER and address == TAKE_ON:
            self.page.get_by_role("button", name=TAKE_NEXT).click()
            self.shown(TAKEN_PAGE)
            return 2
        return 1

    def shown(self, title: str) -> None:
        """Wait until the page's title shows and its run has ended with every element drawn."""
        from playwright.sync_api import expect

        from tests.support.streamlit_browser import drawn

        expect(self.page.get_by_role("heading", name=title).first).to_be_visible(timeout=PAGE_TIMEOUT_MS)
        drawn(self.page)
        failure = self.page.locator("[data-testid='stException']")
        if failure.count():
            raise SystemExit(f"{self.login}: 「{title}」 shows an exception:\n{failure.first.inner_text()}")

    def close(self) -> None:
        self.context.close()


def api_requests(client) -> Counter:
    """The API's requests so far by route (its /metrics), the bench's own left out."""
    from prometheus_client.parser import text_string_to_metric_families

    counts: Counter = Counter()
    for family in text_string_to_metric_families(client.get("/metrics").text):
        if family.name == "daicho_http_requests":
            for sample in family.samples:
                if sample.name.endswith("_total") and sample.labels["route"] not in BENCH_ROUTES:
                    counts[f"{sample.labels['method']} {sample.labels['route']}"] += int(sample.value)
    return counts


def run_people(client, dashboards_url: str, args: argparse.Namespace) -> dict:
    from playwright.sync_api import sync_playwright

    from tests.support.streamlit_browser import launched

    titles = page_titles()
    with sync_playwright() as playwright:
        browser = launched(playwright)
        try:
            people = [Person(browser, client, dashboards_url, login, pages) for login, pages in PEOPLE]
            for person in people:
                person.open_first(titles)
            requests_before, cpu_before, started = api_requests(client), streamlit_cpu_seconds(), time.monotonic()
            views, late, pause, rss = 0, 0, threading.Event(), []
            for number in range(args.rounds):
                wait = started + number * args.round_seconds - time.monotonic()
                late += wait < 0
                pause.wait(max(wait, 0))
                views += sum(person.next_page(titles) for person in people)
                rss.append(streamlit_rss_mb())
                say(f"round {number + 1}: {views} views")
            wall, cpu = time.monotonic() - started, streamlit_cpu_seconds() - cpu_before
            requests = api_requests(client) - requests_before
            for person in people:
                person.close()
        finally:
            browser.close()
    return {
        "views": views,
        "requests": requests,
        "cpu_seconds": cpu,
        "wall_seconds": wall,
        "late_rounds": late,
        "rss_mb_by_round": rss,
    }


def streamlit_rss_mb() -> int:
    return round(streamlit_server().memory_info().rss / MB)


def streamlit_caches(client) -> dict[str, int]:
    """KB by cache (Streamlit's own measure: `cache_memory_bytes`; session state is one), the largest first."""
    from prometheus_client.openmetrics.parser import text_string_to_metric_families

    sizes: Counter = Counter()
    for family in text_string_to_metric_families(client.get("/_stcore/metrics").text):
        if family.name == "cache_memory_bytes":
            for sample in family.samples:
                sizes[f"{sample.labels['cache_type']} {sample.labels['cache']}".strip()] += sample.value
    return {name: round(size / KB) for name, size in sizes.most_common(LARGEST_CACHES)}


def memory_by_sessions(client, dashboards_url: str, counts: list[int]) -> dict:
    """The server's RSS and caches with each count of signed-in sessions, each having opened its person's pages."""
    import httpx
    from playwright.sync_api import sync_playwright

    from tests.support.streamlit_browser import launched

    titles, people, rss, caches = page_titles(), [], {}, {}
    with sync_playwright() as playwright, httpx.Client(base_url=dashboards_url, timeout=60) as dashboards:
        browser = launched(playwright)
        try:
            for count in sorted(counts):
                while len(people) < count:
                    login, pages = PEOPLE[len(people) % len(PEOPLE)]
                    person = Person(browser, client, dashboards_url, login, pages)
                    person.open_first(titles)
                    for _ in pages[1:]:
                        person.next_page(titles)
                    people.append(person)
                rss[count] = streamlit_rss_mb()
                caches[count] = streamlit_caches(dashboards)
                say(f"{count} sessions: {rss[count]} MB")
        finally:
            browser.close()
    first, last = min(rss), max(rss)
    per_session = (rss[last] - rss[first]) / (last - first) if last > first else None
    return {"rss_mb": rss, "mb_per_session": per_session and round(per_session, 2), "caches_kb": caches}


def measure(data_dir: Path, args: argparse.Namespace) -> dict:
    import httpx

    from tests.support.streamlit_browser import streamlit_process

    server = start_server(data_dir, workers=1, extra_env=CHEAP_PASSWORDS)
    try:
        api_url = f"http://127.0.0.1:{server.port}"
        with httpx.Client(base_url=api_url, timeout=60) as client:
            with streamlit_process(api_url, data_dir / "streamlit.log", root=args.dashboards) as dashboards_url:
                got = run_people(client, dashboards_url, args)
            if args.sessions:
                memory_server = streamlit_process(
                    api_url, data_dir / "memory.log", root=args.dashboards, **MEMORY_STATS
                )
                with memory_server as dashboards_url:
                    got["memory"] = memory_by_sessions(client, dashboards_url, args.sessions)
            return got
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=6, help="rounds of every person opening their next page")
    parser.add_argument("--round-seconds", type=float, default=30, help="a round starts every this many seconds")
    parser.add_argument(
        "--dashboards", type=Path, default=ROOT, help="the checkout whose dashboards run (default: this one)"
    )
    parser.add_argument(
        "--sessions", type=int, nargs="*", default=list(SESSIONS), help="the counts of sessions to measure memory at"
    )
    args = parser.parse_args()
    data_dir = temp_dir("bench-dashboards-users-")
    load_before = load_average()
    try:
        use_bench_database(data_dir)
        os.environ.update(CHEAP_PASSWORDS)
        fresh_bench_database()
        say("loading the demo")
        load_demo()
        got = measure(data_dir, args)
    finally:
        drop_bench_database()
        remove(data_dir)
    views, requests = got["views"], got["requests"]
    per_view = sum(requests.values()) / views
    cpu_per_view = got["cpu_seconds"] / views
    print_result(
        {
            "bench": "dashboards_users",
            "dashboards": str(args.dashboards),
            "people": len(PEOPLE),
            "views": views,
            "api_requests": sum(requests.values()),
            "api_requests_per_view": round(per_view, 2),
            "busiest_routes": dict(requests.most_common(BUSIEST_ROUTES)),
            "streamlit_cpu_seconds_per_view": round(cpu_per_view, 3),
            "round_seconds": args.round_seconds,
            "late_rounds": got["late_rounds"],
            "streamlit_rss_mb_by_round": got["rss_mb_by_round"],
            "wall_seconds": round(got["wall_seconds"], 1),
            "memory": got.get("memory"),
            "load_average_before": load_before,
            "load_average_after": load_average(),
            "targets": {
                "api_requests_per_view": TARGET_REQUESTS_PER_VIEW,
                "streamlit_cpu_seconds_per_view": TARGET_CPU_SECONDS_PER_VIEW,
            },
            "missed": [
                name
                for name, got_value, target in (
                    ("api_requests_per_view", per_view, TARGET_REQUESTS_PER_VIEW),
                    ("streamlit_cpu_seconds_per_view", cpu_per_view, TARGET_CPU_SECONDS_PER_VIEW),
                )
                if got_value > target
            ],
        }
    )


if __name__ == "__main__":
    main()
