"""Fleet pages at full size in a real browser: each 端末管理 page's open time, and a bulk action on 500 terminals.

    .venv/bin/python bench/fleet_pages.py [--runs 7] [--terminals 20000] [--customers 200] [--alerts 50000] \
        [--days 365] [--bulk 500] [--workers 2]

Creates and migrates its own bench database (`common.BENCH_DB`) and seeds a full-size fleet with
set-based SQL: the customers, their terminals (a few stores of each; some offline, in error or in maintenance as their
open alerts say), a year of daily summaries of every terminal (`fleet_metric_hourly`, one row per terminal and day,
what 端末詳細's 7/30-day charts read), the alerts of a year (one in 500 starts an incident of ten terminals; the newest
1,000 open, half of them being worked), five fleet-wide rollouts with their update tasks, and the last 24 hours of
raw samples of the terminals whose 端末詳細 is opened. Then starts the API (uvicorn, `--workers`) and the Streamlit
dashboards against it, and the browser tests' Chromium (Debian's headless shell, tools/test.py CHROMIUM).

Each page is opened two ways, each time from a fresh sign-in (POST /api/auth/login, the token put in the dashboards'
session cookie), so the dashboards' read cache (30 s per token) is cold as on a person's first visit, in one browser
context whose HTTP cache keeps Streamlit's scripts as a person's browser does: `load`, by its address (a mail's link, a
reload: a new Streamlit session), and `navigate`, by a click in the app (the sidebar's link from 端末詳細 without a
terminal, which reads nothing the others read; 端末詳細 itself from an open alert's 「端末詳細を開く」 on アラート一覧).
A page counts as opened once its data element (its main table or chart) is visible and its script run has ended with
every element drawn (`tests/support/streamlit_browser.drawn`), timed from the navigation's start or the click. One round
opens every page both ways, in turn; a first round warms the servers up, uncounted. The bulk action is POST
/api/fleet/terminals/bulk `maintenance_on` on `--bulk` terminals not in maintenance (another set each run; after one
uncounted run).

Prints ONE final JSON line: each page's median and p95 in ms (both ways), the bulk action's, the fixture's sizes and
the load average (the machine is shared: its neighbours' load is in the wall times). Targets: each page p95 ≤ 2 s and
median ≤ 1 s; the bulk action on 500 terminals ≤ 2 s. Drops the database and stops what it started at the end.
"""

import argparse
import os
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

from common import (
    CHEAP_PASSWORDS,
    VIEWPORT,
    LoadResult,
    drop_bench_database,
    fresh_bench_database,
    load_average,
    print_result,
    remove,
    say,
    start_server,
    temp_dir,
    use_bench_database,
)

LOGIN, PASSWORD = "bench-fleet-admin", "bench-fleet-password"
PAGE_TIMEOUT_MS = 30_000
TABLE, CHART = '[data-testid="stDataFrame"]', '[data-testid="stPlotlyChart"]'
# (name in the JSON, address, the page's data element); 端末詳細 gets ?id= of a terminal with raw samples.
PAGES = (
    ("dashboard", "fleet", TABLE),
    ("customers", "fleet-customers", TABLE),
    ("terminals", "fleet-terminals", TABLE),
    ("alerts", "fleet-alerts", TABLE),
    ("incidents", "fleet-incidents", TABLE),
    ("terminal", "fleet-terminal", CHART),
    ("firmware", "fleet-firmware", TABLE),
    ("reports", "fleet-reports", CHART),
)
NAVIGATION_START = "fleet-terminal"  # 端末詳細 without a terminal: it reads nothing the other pages read
DETAIL_LINK = "端末詳細を開く"  # an alert's link to its terminal on アラート一覧
TARGET_PAGE_P95_MS, TARGET_PAGE_MEDIAN_MS, TARGET_BULK_MS = 2000, 1000, 2000
OPEN_ALERTS = 1000  # the newest alerts are still open (every other one acknowledged, assigned)
INCIDENT_EVERY, INCIDENT_TERMINALS = 500, 10  # alerts g with g % 500 < 10 are one incident's, on one customer
TERMINALS_PER_STORE = 4
RELEASES = ("1.0.0", "1.1.0", "1.2.0", "1.3.0", "1.4.0", "1.5.0")
WAVES = (1, 10, 100)

# Every statement takes :now, :customers, :per (terminals per customer), :terminals, :alerts, :days.
SEED_SQL = {
    "customers": """
        INSERT INTO fleet_customer (id, company_name, contact_person, contact_email, contact_phone, contract_type,
                                    closed_weekdays, created_at, updated_at)
        SELECT g, '顧客' || lpad(g::text, 4, '0') || '商事', '担当' || g, 'c' || g || '@example.jp',
               '03-0000-' || lpad(g::text, 4, '0'), (ARRAY['basic', 'standard', 'premium'])[1 + g % 3], '[]',
               :now - interval '2 years', :now - interval '2 years'
        FROM generate_series(1, :customers) AS g""",
    "terminals": """
        INSERT INTO fleet_terminal (id, serial_number, customer_id, store_name, store, status, reported_status,
                                    firmware_version, agent_version, last_heartbeat_at, offline_deadline_at,
                                    installed_date, cpu_usage, memory_usage, disk_usage, usage_streaks,
                                    error_message, interval_seconds, token_hash, token_issued_at,
                                    created_at, updated_at)
        SELECT g, 'TC200-' || lpad(g::text, 6, '0'), 1 + (g - 1) / :per,
               '店舗' || lpad((1 + ((g - 1) % :per) / :per_store)::text, 3, '0'),
               '店舗' || lpad((1 + ((g - 1) % :per) / :per_store)::text, 3, '0'), 'online', 'online', '1.4.0',
               '0.3.0', :now - make_interval(secs => g % 300), :now + make_interval(secs => 720 - g % 300),
               (:now - make_interval(days => 400 + g % 300))::date, 5 + g % 60, 20 + g % 50, 30 + g % 40, '{}', '',
               300, md5(g::text) || md5((g * 7)::text), :now - interval '30 days',
               :now - make_interval(days => 400 + g % 300), :now
        FROM generate_series(1, :terminals) AS g""",
    "digest": "INSERT INTO fleet_digest (id, sent_at, alert_count, recipient_count) VALUES (1, :now, 1, 1)",
    # Incident k holds the alerts 500k … 500k+9, on the last ten terminals of customer 1 + 37k mod customers.
    "incidents": """
        INSERT INTO fleet_incident (id, customer_id, alert_type, status, terminal_count, message, digest_id,
                                    resolved_digest_id, created_at, resolved_at, resolved_by, resolution,
                                    acknowledged_at, acknowledged_by, diagnosed_at, diagnosed_by,
                                    customer_contacted_at, customer_contacted_by, reported_at, reported_by,
                                    assignee_id)
        SELECT k + 1, 1 + (k * 37) % :customers, 'offline',
               CASE WHEN still_open THEN 'acknowledged' ELSE 'resolved' END,
               :incident_terminals, :incident_terminals || '台の端末がオフラインになりました', 1,
               CASE WHEN NOT still_open THEN 1 END, seen,
               CASE WHEN NOT still_open THEN seen + interval '50 minutes' END,
               CASE WHEN still_open THEN '' ELSE :by END,
               CASE WHEN still_open THEN '' ELSE '回線業者の障害、復旧を確認' END,
               seen + interval '3 minutes', :by, seen + interval '10 minutes', :by,
               seen + interval '20 minutes', :by, CASE WHEN NOT still_open THEN seen + interval '55 minutes' END,
               CASE WHEN still_open THEN '' ELSE :by END, :user_id
        FROM generate_series(0, (:alerts - 1) / :incident_every) AS k,
             LATERAL (SELECT :now - (:alerts - k * :incident_every) * (:days * interval '1 day' / :alerts) AS seen,
                             k * :incident_every >= :alerts - :open_alerts AS still_open) AS i""",
    # Alert g (id g + 1): in time order over the days, the newest :open_alerts still open. Outside incidents, each
    # on a terminal among the first per - 10 of its customer's, distinct among any 18,000 in a row (7919 is prime).
    "alerts": """
        INSERT INTO fleet_alert (id, terminal_id, customer_id, incident_id, digest_id, resolved_digest_id, alert_type,
                                 message, status, resolved_at, created_at, resolved_by, acknowledged_at,
                                 acknowledged_by, diagnosed_at, diagnosed_by, customer_contacted_at,
                                 customer_contacted_by, reported_at, reported_by, assignee_id)
        SELECT g + 1, terminal_id, 1 + (terminal_id - 1) / :per, incident_id, 1, CASE WHEN NOT still_open THEN 1 END,
               alert_type, CASE alert_type WHEN 'offline' THEN '端末からの通信が途絶えました'
                   WHEN 'error' THEN '端末がエラーを報告しました: E-1042'
                   WHEN 'high_cpu' THEN '店舗PC CPU使用率が95%です'
                   WHEN 'high_memory' THEN '店舗PCメモリ使用率が93%です'
                   ELSE 'ファームウェアの更新に失敗しました' END,
               CASE WHEN NOT still_open THEN 'resolved' WHEN g % 2 = 1 THEN 'acknowledged' ELSE 'open' END,
               CASE WHEN NOT still_open THEN seen + make_interval(mins => 20 + g % 100) END, seen,
               CASE WHEN still_open THEN '' WHEN g % 3 = 0 THEN 'system' ELSE :by END,
               CASE WHEN NOT still_open OR g % 2 = 1 THEN seen + interval '3 minutes' END,
               CASE WHEN NOT still_open OR g % 2 = 1 THEN :by ELSE '' END,
               CASE WHEN NOT still_open THEN seen + interval '10 minutes' END,
               CASE WHEN NOT still_open THEN :by ELSE '' END,
               CASE WHEN NOT still_open AND g % 3 <> 0 THEN seen + interval '15 minutes' END,
               CASE WHEN NOT still_open AND g % 3 <> 0 THEN :by ELSE '' END,
               CASE WHEN NOT still_open AND g % 3 <> 0 THEN seen + make_interval(mins => 25 + g % 100) END,
               CASE WHEN NOT still_open AND g % 3 <> 0 THEN :by ELSE '' END,
               CASE WHEN NOT still_open OR g % 2 = 1 THEN :user_id END
        FROM generate_series(0, :alerts - 1) AS g,
             LATERAL (SELECT g / :incident_every AS k, g % :incident_every < :incident_terminals AS member,
                             (g * 7919) % (:customers * (:per - :incident_terminals)) AS u,
                             g >= :alerts - :open_alerts AS still_open) AS p,
             LATERAL (SELECT CASE WHEN member THEN k + 1 END AS incident_id,
                             CASE WHEN member
                                  THEN ((k * 37) % :customers) * :per + :per - :incident_terminals
                                       + g % :incident_every + 1
                                  ELSE (u / (:per - :incident_terminals)) * :per + u % (:per - :incident_terminals) + 1
                             END AS terminal_id,
                             CASE WHEN member
                                  THEN :now - (:alerts - k * :incident_every) * (:days * interval '1 day' / :alerts)
                                       + make_interval(secs => 20 * (g % :incident_every))
                                  ELSE :now - (:alerts - g) * (:days * interval '1 day' / :alerts)
                             END AS seen,
                             CASE WHEN member THEN 'offline'
                                  ELSE (ARRAY['offline', 'offline', 'offline', 'offline', 'offline', 'offline',
                                              'offline', 'offline', 'offline', 'offline', 'high_cpu', 'high_cpu',
                                              'high_cpu', 'high_cpu', 'high_memory', 'high_memory', 'high_memory',
                                              'error', 'error', 'update_failed'])[1 + g % 20]
                             END AS alert_type) AS a""",
    # A terminal in maintenance has no open alert; one with an open alert is in the state the alert says.
    "maintenance": """
        UPDATE fleet_terminal t SET status = 'maintenance'
        WHERE t.id % 100 = 50 AND NOT EXISTS (SELECT 1 FROM fleet_alert a WHERE a.terminal_id = t.id
                                                                          AND a.status <> 'resolved')""",
    "alerted_terminals": """
        UPDATE fleet_terminal t
        SET status = CASE a.alert_type WHEN 'offline' THEN 'offline' WHEN 'error' THEN 'error' ELSE t.status END,
            reported_status = CASE a.alert_type WHEN 'error' THEN 'error' ELSE t.reported_status END,
            last_heartbeat_at = CASE a.alert_type WHEN 'offline' THEN a.created_at - interval '12 minutes'
                                ELSE t.last_heartbeat_at END,
            offline_deadline_at = CASE a.alert_type WHEN 'offline' THEN a.created_at ELSE t.offline_deadline_at END,
            offline_since = CASE a.alert_type WHEN 'offline' THEN a.created_at END,
            offline_alert_at = CASE a.alert_type WHEN 'offline' THEN a.created_at END,
            error_message = CASE a.alert_type WHEN 'error' THEN 'E-1042' ELSE '' END,
            cpu_usage = CASE a.alert_type WHEN 'high_cpu' THEN 95 ELSE t.cpu_usage END,
            memory_usage = CASE a.alert_type WHEN 'high_memory' THEN 93 ELSE t.memory_usage END,
            usage_streaks = CASE WHEN a.alert_type IN ('high_cpu', 'high_memory')
                                 THEN jsonb_build_object(a.alert_type, 3) ELSE '{}' END
        FROM fleet_alert a WHERE a.terminal_id = t.id AND a.status <> 'resolved'""",
    "releases": """
        INSERT INTO fleet_firmware_release (id, version, sha256, size, filename, notes, created_by, created_at)
        SELECT r, v[r], md5(r::text) || md5((r * 3)::text), 8388608 + r, 'tc200-' || v[r] || '.bin',
               'ベンチ用リリース', :by, :now - make_interval(days => 60 * (cardinality(v) - r) + 5)
        FROM CAST(:releases AS text[]) AS v, generate_series(1, cardinality(v)) AS r""",
    # Releases 2 … 5 rolled out to every terminal (finished), the last one's rollout running its first wave.
    "rollouts": """
        INSERT INTO fleet_rollout (id, release_id, customer_id, target, waves, current_wave, accepted_failures, status,
                                   paused_reason, failure_threshold_pct, timeout_minutes, created_by, created_at,
                                   finished_at)
        SELECT r - 1, r, NULL, '{"filter": {}}', to_jsonb(CAST(:waves AS integer[])),
               CASE WHEN is_last THEN 1 ELSE 3 END, 0,
               CASE WHEN is_last THEN 'running' ELSE 'completed' END, '', 10.0, 30, :by, started,
               CASE WHEN NOT is_last THEN started + interval '3 days' END
        FROM CAST(:releases AS text[]) AS v, generate_series(2, cardinality(v)) AS r,
             LATERAL (SELECT r = cardinality(v) AS is_last,
                             :now - make_interval(days => 60 * (cardinality(v) - r) + 1) AS started) AS o""",
    "update_tasks": """
        INSERT INTO fleet_update_task (rollout_id, terminal_id, wave, status, progress, message, started_at,
                                       deadline_at, finished_at)
        SELECT o.id, t.id, w.wave,
               CASE WHEN o.status = 'running' THEN (ARRAY['succeeded', 'installed', 'in_progress'])[1 + t.id % 3]
                    WHEN t.id % 200 = 7 THEN 'failed' ELSE 'succeeded' END,
               100, '', o.created_at + make_interval(hours => 24 * (w.wave - 1)),
               o.created_at + make_interval(hours => 24 * (w.wave - 1), mins => 30),
               CASE WHEN o.status <> 'running' OR t.id % 3 = 0
                    THEN o.created_at + make_interval(hours => 24 * (w.wave - 1), mins => 12) END
        FROM fleet_rollout o CROSS JOIN fleet_terminal t,
             CAST(:waves AS integer[]) AS v,
             LATERAL (SELECT CASE WHEN t.id * 100 <= :terminals * v[1] THEN 1
                                  WHEN t.id * 100 <= :terminals * v[2] THEN 2 ELSE 3 END AS wave) AS w
        WHERE o.status <> 'running' OR w.wave = 1""",
    "sequences": """
        SELECT setval(pg_get_serial_sequence(name, 'id'), (xpath('/row/m/text()',
               query_to_xml('SELECT coalesce(max(id), 1) AS m FROM ' || name, false, true, '')))[1]::text::bigint)
        FROM unnest(ARRAY['fleet_customer', 'fleet_terminal', 'fleet_digest', 'fleet_incident', 'fleet_alert',
                          'fleet_firmware_release', 'fleet_rollout']) AS name""",
}
# One row per terminal and day (a day's summary), 30 days per statement.
SUMMARIES_SQL = """
    INSERT INTO fleet_metric_hourly (terminal_id, hour, samples, cpu_min, cpu_avg, cpu_max, memory_min, memory_avg,
                                     memory_max, disk_min, disk_avg, disk_max)
    SELECT t.id, :today - make_interval(days => d), 288, 2, 10 + (t.id + d) % 40, 30 + (t.id * d) % 70, 15,
           30 + (t.id + d) % 30, 60 + (t.id * d) % 40, 30 + t.id % 40, 30.5 + t.id % 40, 31 + t.id % 40
    FROM fleet_terminal t CROSS JOIN generate_series(CAST(:first AS integer), CAST(:last AS integer)) AS d"""
DETAIL_SQL = """
    SELECT id, terminal_id FROM fleet_alert WHERE status <> 'resolved' AND incident_id IS NULL
    ORDER BY id DESC LIMIT :n"""
# The last 24 hours of raw samples, every 5 minutes, of the terminals whose 端末詳細 is opened.
SAMPLES_SQL = """
    INSERT INTO fleet_metric_sample (terminal_id, recorded_at, cpu, memory, disk)
    SELECT t, :now - make_interval(mins => 5 * s), 5 + (t + s) % 60, 20 + (t * s) % 50, 30 + t % 40
    FROM unnest(CAST(:ids AS integer[])) AS t CROSS JOIN generate_series(0, 287) AS s"""
SIZES = {
    "customers": "fleet_customer",
    "terminals": "fleet_terminal",
    "daily_summaries": "fleet_metric_hourly",
    "raw_samples": "fleet_metric_sample",
    "alerts": "fleet_alert",
    "incidents": "fleet_incident",
    "rollouts": "fleet_rollout",
    "update_tasks": "fleet_update_task",
}


def bench_user() -> int:
    """A fleet admin (every page, bulk work) whose password is checked at bcrypt's cheapest cost."""
    from service.database import session_scope
    from service.identity.models import Grant, User
    from service.identity.security import hash_password

    with session_scope() as db:
        user = User(
            login_id=LOGIN, name="ベンチ管理者", email="bench@example.jp", password_hash=hash_password(PASSWORD)
        )
        user.grants.append(Grant(domain="fleet", role="admin", scope=None))
        db.add(user)
        db.flush()
        return user.id


def seed(args: argparse.Namespace, user_id: int) -> tuple[dict, list[tuple[int, int]]]:
    """The fixture, set-based; returns its sizes (rows per table) and the seconds it took, and the open alerts (with
    their terminals, given a day of raw samples) whose terminals' 端末詳細 is opened, one per round."""
    from sqlalchemy import text

    from service.database import get_engine

    started = time.perf_counter()
    now = datetime.now(UTC)
    params = {
        "now": now,
        "customers": args.customers,
        "per": args.terminals // args.customers,
        "per_store": TERMINALS_PER_STORE,
        "terminals": args.terminals,
        "alerts": args.alerts,
        "days": args.days,
        "open_alerts": OPEN_ALERTS,
        "incident_every": INCIDENT_EVERY,
        "incident_terminals": INCIDENT_TERMINALS,
        "user_id": user_id,
        "by": "ベンチ管理者",
        "releases": list(RELEASES),
        "waves": list(WAVES),
    }
    engine = get_engine()
    with engine.begin() as conn:
        for name, sql in SEED_SQL.items():
            say(f"seeding {name}")
            conn.execute(text(sql), {key: value for key, value in params.items() if f":{key}" in sql})
        detail = [tuple(row) for row in conn.execute(text(DETAIL_SQL), {"n": args.runs + 1})]
        conn.execute(text(SAMPLES_SQL), {"now": now, "ids": [terminal_id for _, terminal_id in detail]})
    today = now.replace(minute=0, second=0, microsecond=0)
    for first in range(1, args.days + 1, 30):
        say(f"seeding daily summaries, days {first}…{min(first + 29, args.days)} ago")
        with engine.begin() as conn:
            conn.execute(text(SUMMARIES_SQL), {"today": today, "first": first, "last": min(first + 29, args.days)})
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        say("VACUUM ANALYZE")
        conn.execute(text("VACUUM ANALYZE"))
        sizes = {key: conn.scalar(text(f"SELECT count(*) FROM {table}")) for key, table in SIZES.items()}
        sizes["open_alerts"] = conn.scalar(text("SELECT count(*) FROM fleet_alert WHERE status <> 'resolved'"))
    return sizes | {"seed_seconds": round(time.perf_counter() - started, 1)}, detail


def login(client) -> str:
    response = client.post("/api/auth/login", json={"login_id": LOGIN, "password": PASSWORD})
    response.raise_for_status()
    return response.json()["access_token"]


class Browsing:
    """One browser tab of a signed-in person: its context keeps Streamlit's scripts and styles in the HTTP cache, as
    a person's browser does; every open starts from a fresh sign-in (a new token in the session cookie), so the
    dashboards' read cache, kept per token, is cold as on a first visit."""

    def __init__(self, browser, client, dashboards_url: str) -> None:
        self.client, self.url = client, dashboards_url
        self.context = browser.new_context(viewport=VIEWPORT, locale="ja-JP")
        self.page = self.context.new_page()
        self.page.set_default_timeout(PAGE_TIMEOUT_MS)

    def close(self) -> None:
        self.context.close()

    def sign_in(self) -> None:
        from service.credentials import SESSION_COOKIE

        self.context.clear_cookies()
        self.context.add_cookies([{"name": SESSION_COOKIE, "value": login(self.client), "url": self.url}])

    def opened(self, address: str, selector: str | None) -> None:
        """Wait for the page's data element and for its run to have ended with everything drawn."""
        from tests.support.streamlit_browser import drawn

        if selector:
            self.page.locator(f"[data-testid='stMain'] {selector}").first.wait_for(state="visible")
        drawn(self.page)
        failure = self.page.locator("[data-testid='stException']")
        if failure.count():
            raise SystemExit(f"{address} shows an exception:\n{failure.first.inner_text()}")

    def load(self, address: str, selector: str) -> float:
        """Milliseconds to open the page by its address (a mail's link, a reload) until it is opened."""
        self.sign_in()
        started = time.perf_counter()
        self.page.goto(f"{self.url}/{address}", wait_until="commit")
        self.opened(address, selector)
        return (time.perf_counter() - started) * 1000

    def navigate(self, start: str, link: str, selector: str) -> float:
        """Milliseconds from a click on a link (`link`: its text, or the sidebar's link to an address) on the page
        `start` until the page it opens is opened: moving between pages in the app, as a person works."""
        self.sign_in()
        self.page.goto(f"{self.url}/{start}", wait_until="commit")
        self.opened(start, None)
        if link.startswith("/"):
            target = self.page.locator(f"[data-testid='stSidebar'] a[href$='{link}']")
        else:
            target = self.page.get_by_role("link", name=link)
        target.wait_for(state="visible")
        started = time.perf_counter()
        target.click()
        self.opened(link, selector)
        return (time.perf_counter() - started) * 1000


def measure_pages(browsing: Browsing, runs: int, detail: list[tuple[int, int]]) -> dict[str, dict[str, list[float]]]:
    """Rounds of every page once, in turn (a neighbour's burst of load hits every page alike), each opened by its
    address and by navigating to it in the app; the first round is not counted. 端末詳細 is opened with ?id= of an
    alert's terminal, and reached from that alert on アラート一覧 (「端末詳細を開く」); the other pages from 端末詳細
    without a terminal, which reads nothing theirs, by the sidebar."""
    times: dict[str, dict[str, list[float]]] = {name: {"load": [], "navigate": []} for name, _, _ in PAGES}
    for round_number in range(runs + 1):
        alert_id, terminal_id = detail[round_number]
        for name, address, selector in PAGES:
            if name == "terminal":
                load = browsing.load(f"{address}?id={terminal_id}", selector)
                navigate = browsing.navigate(f"fleet-alerts?id={alert_id}", DETAIL_LINK, selector)
            else:
                load = browsing.load(address, selector)
                navigate = browsing.navigate(NAVIGATION_START, f"/{address}", selector)
            if round_number:
                times[name]["load"].append(load)
                times[name]["navigate"].append(navigate)
            say(f"round {round_number}: {name} load {load:.0f} ms, navigate {navigate:.0f} ms")
    return times


def bulk_sets(count: int, size: int) -> list[list[int]]:
    """`count` sets of `size` terminals not in maintenance, in id order (whole customers' terminals, as chosen in
    端末一覧 filtered by customer), with their open alerts, which entering maintenance resolves."""
    from sqlalchemy import select

    from service.database import session_scope
    from service.fleet.models import Terminal

    with session_scope() as db:
        ids = db.scalars(
            select(Terminal.id).where(Terminal.status != "maintenance").order_by(Terminal.id).limit(count * size)
        ).all()
    return [list(ids[i * size : (i + 1) * size]) for i in range(count)]


def measure_bulk(client, runs: int, size: int) -> list[float]:
    token = login(client)
    times = []
    for number, ids in enumerate(bulk_sets(runs + 1, size)):
        started = time.perf_counter()
        response = client.post(
            "/api/fleet/terminals/bulk",
            json={"ids": ids, "action": "maintenance_on"},
            headers={"Authorization": f"Bearer {token}"},
        )
        elapsed = (time.perf_counter() - started) * 1000
        response.raise_for_status()
        if response.json()["count"] != size:
            raise SystemExit(f"the bulk action answered {response.json()}")
        if number:
            times.append(elapsed)
    return times


def figures(times: list[float]) -> dict:
    result = LoadResult(latencies=times)
    return {
        "median_ms": round(statistics.median(times)),
        "p95_ms": round(result.percentile(0.95)),
        "runs_ms": [round(ms) for ms in times],
    }


def run_browser(data_dir: Path, args: argparse.Namespace, detail: list[tuple[int, int]]) -> tuple[dict, list[float]]:
    import httpx
    from playwright.sync_api import sync_playwright

    from tests.support.streamlit_browser import launched, streamlit_process

    server = start_server(data_dir, workers=args.workers, extra_env=CHEAP_PASSWORDS)
    try:
        api_url = f"http://127.0.0.1:{server.port}"
        with (
            httpx.Client(base_url=api_url, timeout=60) as client,
            streamlit_process(api_url, data_dir / "streamlit.log") as dashboards_url,
            sync_playwright() as playwright,
        ):
            browser = launched(playwright)
            try:
                browsing = Browsing(browser, client, dashboards_url)
                pages = measure_pages(browsing, args.runs, detail)
                browsing.close()
            finally:
                browser.close()
            bulk = measure_bulk(client, args.runs, args.bulk)
    finally:
        server.stop()
    return pages, bulk


def missed(pages: dict, bulk: dict) -> list[str]:
    """What misses its target: «terminals.load», «bulk»."""
    late = [
        f"{name}.{way}"
        for name, ways in pages.items()
        for way, got in ways.items()
        if got["p95_ms"] > TARGET_PAGE_P95_MS or got["median_ms"] > TARGET_PAGE_MEDIAN_MS
    ]
    return late + (["bulk"] if bulk["p95_ms"] > TARGET_BULK_MS else [])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7, help="counted opens of each page, and bulk actions")
    parser.add_argument("--terminals", type=int, default=20_000)
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--alerts", type=int, default=50_000)
    parser.add_argument("--days", type=int, default=365, help="days of daily summaries per terminal")
    parser.add_argument("--bulk", type=int, default=500, help="terminals per bulk action")
    parser.add_argument("--workers", type=int, default=2, help="API worker processes")
    args = parser.parse_args()
    if args.terminals % args.customers or args.terminals // args.customers <= INCIDENT_TERMINALS:
        parser.error("--terminals must be a multiple of --customers, more than 10 each")
    data_dir = temp_dir("bench-fleet-pages-")
    load_before = load_average()
    try:
        use_bench_database(data_dir)
        os.environ.update(CHEAP_PASSWORDS)
        fresh_bench_database()
        sizes, detail = seed(args, bench_user())
        say(f"fixture: {sizes}")
        pages, bulk = run_browser(data_dir, args, detail)
    finally:
        drop_bench_database()
        remove(data_dir)
    page_figures = {name: {way: figures(times) for way, times in ways.items()} for name, ways in pages.items()}
    bulk_figures = figures(bulk)
    print_result(
        {
            "bench": "fleet_pages",
            "pages": page_figures,
            "bulk_maintenance_on": bulk_figures | {"terminals": args.bulk},
            "fixture": sizes,
            "runs": args.runs,
            "api_workers": args.workers,
            "load_average_before": load_before,
            "load_average_after": load_average(),
            "targets": {
                "page_p95_ms": TARGET_PAGE_P95_MS,
                "page_median_ms": TARGET_PAGE_MEDIAN_MS,
                "bulk_ms": TARGET_BULK_MS,
            },
            "missed": missed(page_figures, bulk_figures),
        }
    )


if __name__ == "__main__":
    main()
