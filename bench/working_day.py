"""A working day, simulated: every role of the five registers at once, at 10× real pace, with faults half-way.

    .venv/bin/python bench/working_day.py [--day-seconds 300] [--pace 10] [--agents 2000] [--offline 200]
                                          [--stations 4] [--ai-clients 4] [--booking-timeout 5] [--roster-rows 5000]
                                          [--mistyped 20]
                                          [--fault-grace 10] [--drain-seconds 180]

The production shape: its own bench database (`common.BENCH_DB`) with the demo loaded (`demo load`:
every demo login and tenant), a Redis of the bench's own (the `redis-server` binary on a free port, append-only as in
the compose file, so it can be restarted without touching the machine's), the API (`service.serve`, 2 workers) and
the Celery workers as `make run` starts them (tools/run.py: the critical queue's worker with beat, the bulk queue's
worker).

Locust in library mode plays the day (each role's pace is its real one × --pace; the morning peak is the first fifth
of the day):
- store agents: --agents enrolled terminals (interval 300 s / pace), each heartbeating as agent/client.py's body;
  at 40 % of the day --offline of them, all at one customer, stop together;
- --stations scan stations of a demo nursery signing in with the nursery's password, scanning its parents (entries
  in the morning peak, exits later) with the kiosk's wire model (clientkit/station_api.py), renewing their token by
  heartbeat, and keeping every scan until the service took it (the kiosk's queue: sent again with the same client
  scan id after an error);
- AI clients booking over MCP with the official SDK client (one asyncio loop in one greenlet), each attempt a session
  of its own (its time: the session's opening and the call), a booking sent again after a timeout
  (--booking-timeout) or an error, as an AI client retries;
- QRV operators working the manual-operation queue (assign, resolve); loaner clerks submitting 貸出 forms and, once,
  a bulk status change of 50 devices; CRM sales submitting requests with a photo and an operator entering sites;
  nursery staff importing a --roster-rows roster, then printing the nursery's cards, and reading the log; the
  platform admin granting roles and reading the audit log's pages; every person arriving over the first tenth of
  the day, signing in, and signing in again every quarter day;
- --mistyped wrong passwords spread over the day, each on a demo login.
Each role's requests come from its place's address (SITES: an office's people share one, as behind its router), sent
as X-Forwarded-For with the bench trusted as the API's proxy, as production's balancer does; each person's browser and
each station sign in with the device token an earlier day's sign-in left them (yesterdays_devices).
Half-way it kills a worker's pool child at work (kill -9: the one that used the most CPU over a second), terminates
the bench database's connections once (pg_terminate_backend) and restarts the bench's Redis. After the day the
stations send what they still hold, and the bench waits up to --drain-seconds for the day's jobs (outbox messages,
card jobs, roster imports, pending tasks).

Prints ONE JSON line: requests by role; 5xx and requests without an answer outside the fault windows (a fault's
window runs from its start to --fault-grace seconds after its end) and the statuses inside them; p95 by role outside
them, the sign-ins' (bcrypt) apart: their p95 over all roles, each role's count and p95, the slowest five and when
they came; legitimate sign-ins refused; the delivery delay of the day's outbox messages
(created → sent: the critical queue's work) p99 and the messages a sandbox provider got twice; scans lost and
doubled; bookings doubled and lost; bill photos read and how long each waited for its reader (upload → claim) p95;
jobs stuck after the drain (the ledger's tasks by where each waits); the audit chain's verification; the load average
and the load generator's CPU seconds.
Targets: 0 × 5xx outside the faults (503 only inside); 0 legitimate sign-ins refused; 0 scans, bookings or messages
lost or doubled; 0 jobs stuck; delivery delay p99 ≤ 30 s; p95 ≤ 1 s per role and of the sign-ins; the chain verifies.
"""
# ruff: noqa: E402 - gevent patches the standard library (as Locust needs) before anything else imports it

from gevent import monkey

monkey.patch_all()

import argparse
import asyncio
import itertools
import json
import os
import random
import signal
import time
import uuid
from collections import defaultdict
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path

import gevent
import httpx2
import requests
from common import (
    free_port,
    fresh_bench_database,
    load_average,
    print_result,
    remove,
    start_redis,
    start_server,
    stop_process,
    temp_dir,
    use_bench_database,
)
from locust import FastHttpUser, HttpUser, task
from locust.env import Environment
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from tenant_isolation import roster_csv
from worker_fairness import start_workers

# What the day's users call, imported before it starts: an import inside the day (the MCP SDK's takes about a second of
# CPU) would stall every user's clock in the load generator's one event loop, and count as the service's latency.
from agent.client import HEARTBEAT_PATH, bearer, heartbeat_body
from agent.device import DeviceStatus, HostLoad
from clientkit.station_api import ScanIn
from service.database import utcnow
from tests.service.crm.conftest import COMPLETE_SITE, corporation, picture
from tests.service.loaners.conftest import IN_HOUSE, LENT

HEADLINE = (
    "legitimate_logins_refused",
    "http_5xx_outside_faults",
    "scans_lost",
    "bookings_lost",
    "messages_sent_twice",
    "jobs_stuck",
    "bill_wait_p95_s",
    "critical_delivery_delay_p99_s",
    "sign_in_p95_ms",
)
REAL_HEARTBEAT_SECONDS = 300  # the fleet's default interval (service/config.py)
TERMINALS_PER_USER = 20  # simulated agents one Locust user plays, in turn
OFFLINE_AT, FAULTS_AT, PEAK_UNTIL, ARRIVALS_UNTIL = 0.4, 0.5, 0.2, 0.1  # fractions of the day
STATION_SCAN_SECONDS = {"peak": 6.0, "day": 30.0}  # a station's real seconds between scans (morning peak, the rest)
STATION_HEARTBEAT_SECONDS = 60  # a station's real seconds between token-renewing heartbeats
BOOKING_SECONDS = 60  # an AI client's real seconds between bookings
BOOKING_ATTEMPTS = 6
BULK_DEVICES = 50
MCP_KEY = "qrv_working-day-key"
GRANTEE = "day-grantee"
POLL_SECONDS = 1.0
SPAWN_RATE = 100  # users started per second (Locust warns above)
# Where each role's requests come from, as the API sees them behind its proxy (the bench's X-Forwarded-For, 127.0.0.1
# trusted): a team's office shares one address as behind its router, the nursery's staff share the nursery's with its
# stations, each sales person works from an agency of their own, each agent user is a store network of its own.
SITES = {
    "qrv_operator": "10.1.0.1",
    "loaner_clerk": "10.2.0.1",
    "crm_operator": "10.4.0.1",
    "nursery_staff": "10.5.0.1",
    "station": "10.5.0.1",
    "admin": "10.6.0.1",
    "ai": "10.8.0.1",
}
YESTERDAY = "10.9.0.1"  # where yesterday's sign-ins came from
PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"
SIGN_INS = ("login", "/api/auth/entry-exit-login")  # request names of sign-ins (bcrypt: timed apart)
TARGETS = {
    "http_5xx_outside_faults": 0,
    "statuses_inside_faults": [503],
    "legitimate_logins_refused": 0,
    "scans_lost": 0,
    "scans_doubled": 0,
    "bookings_doubled": 0,
    "bookings_lost": 0,
    "jobs_stuck": 0,
    "messages_sent_twice": 0,
    "critical_delivery_delay_p99_s": 30,
    "p95_ms_per_role": 1000,
    "sign_in_p95_ms": 1000,
    "audit_chain_verified": True,
}


class Day:
    """What every role shares: the clock of the day, its fault windows and every request's outcome by role."""

    def __init__(self, args: argparse.Namespace, world: dict, devices: dict[str, list[str]]) -> None:
        self.args, self.world = args, world
        self.devices = devices  # login id → device tokens kept from an earlier day (yesterdays_devices)
        self.started = time.time()
        self.faults: list[list[float]] = []  # [start, end] of each fault that may touch the API
        # role → (start, ms, status, a sign-in?) of every request; status 0: no answer (refused, reset, timed out)
        self.requests: dict[str, list[tuple[float, float, int, bool]]] = defaultdict(list)
        self.logins_refused: list[tuple[str, int]] = []
        self.silenced: set[str] = set()
        self.scans_sent: set[str] = set()
        self.scans_taken: dict[str, int] = {}  # client scan id → the log id the service answered
        self.pending_scans: dict[int, list[tuple[str, bytes]]] = defaultdict(list)  # station → scans not taken yet
        self.bookings: dict[str, str] = {}  # requester name → "booked" or "failed"

    def at(self, fraction: float) -> float:
        return self.started + fraction * self.args.day_seconds

    def real(self, seconds: float) -> float:
        """A real interval at the day's pace."""
        return seconds / self.args.pace

    def peak(self) -> bool:
        return time.time() < self.at(PEAK_UNTIL)

    def record(self, role: str, start: float, ms: float, status: int, *, sign_in: bool = False) -> None:
        self.requests[role].append((start, ms, status, sign_in))

    def in_fault(self, start: float, ms: float) -> bool:
        end = start + ms / 1000
        grace = self.args.fault_grace
        return any(start <= b + grace and end >= a for a, b in self.faults)


DAY: Day  # set by main before the users start


def on_request(*, name: str, response_time: float, response=None, context=None, start_time=None, **_) -> None:
    """Locust's request event: each request's outcome kept under its user's role."""
    status = getattr(response, "status_code", 0) or 0
    role, sign_in = (context or {}).get("role", "other"), name in SIGN_INS
    DAY.record(role, start_time or time.time(), response_time, status, sign_in=sign_in)


# --- the roles --------------------------------------------------------------------------------------------------


class Role:
    role = "other"

    def context(self) -> dict:
        return {"role": self.role}

    def site(self) -> str:
        return SITES[self.role]

    @staticmethod
    def forwarded(address: str) -> dict[str, str]:
        return {"X-Forwarded-For": address}

    def paced(self, seconds: float) -> float:
        """The wait that keeps this user's rounds `seconds` apart (start to start), whatever a round took."""
        now = time.time()
        first = now - random.uniform(0, seconds)  # users started together do not go in step
        self.next_round = max(getattr(self, "next_round", first) + seconds, now)
        return self.next_round - now


class StoreAgents(Role, FastHttpUser):
    """TERMINALS_PER_USER simulated agents in turn, each beating every 300 s / pace."""

    role = "agent"

    def on_start(self) -> None:
        networks = DAY.world["agent_tokens"]
        self.origin = self.forwarded(f"10.7.{len(networks) // 250}.{len(networks) % 250 + 1}")
        self.tokens = itertools.cycle(networks.pop())

    def wait_time(self) -> float:
        return self.paced(DAY.real(REAL_HEARTBEAT_SECONDS) / TERMINALS_PER_USER)

    @task
    def heartbeat(self) -> None:
        token = next(self.tokens)
        if token in DAY.silenced:
            return
        load = HostLoad(random.uniform(5, 60), random.uniform(30, 70), 50.0)
        body = heartbeat_body(status=DeviceStatus("online"), firmware_version="1.0.0", load=load, events=[])
        self.client.post(HEARTBEAT_PATH, json=body, headers=bearer(token) | self.origin, name="heartbeat")


class ScanStation(Role, FastHttpUser):
    """A kiosk: signs in with the nursery's password, scans, renews its token, keeps each scan until taken."""

    role = "station"

    def on_start(self) -> None:
        self.origin = self.forwarded(self.site())
        self.device = DAY.devices[STATION_DEVICES].pop()
        self.number = DAY.world["station_numbers"].pop()
        self.rng = random.Random(self.number)
        self.token = ""
        self.beat_at = 0.0
        self.sign_in()

    def wait_time(self) -> float:
        return DAY.real(STATION_SCAN_SECONDS["peak" if DAY.peak() else "day"])

    def sign_in(self) -> None:
        world = DAY.world
        body = {"nurseryCode": world["nursery_code"], "password": world["station_password"]}
        with self.client.post(
            "/api/auth/entry-exit-login",
            json=body | {"stationId": f"day-{self.number}", "deviceToken": self.device},
            headers=self.origin,
            catch_response=True,
        ) as answer:
            if answer.status_code == 200:
                self.token, self.device = answer.json()["token"], answer.json()["deviceToken"]
                answer.success()

    @task
    def scan(self) -> None:
        if not self.token:
            self.sign_in()
        if time.time() >= self.beat_at:
            self.heartbeat()
        now = utcnow()
        scan_id = uuid.uuid4().hex
        scan = ScanIn(
            parent_id=str(self.rng.choice(DAY.world["parents"])),
            entry_type="Entry" if DAY.peak() else "Exit",
            client_scan_id=scan_id,
            station_id=f"day-{self.number}",
            scanned_at=now,
            sent_at=now,
        )
        DAY.scans_sent.add(scan_id)
        queue = DAY.pending_scans[self.number]
        queue.append((scan_id, scan.model_dump_json(by_alias=True, exclude_none=True).encode()))
        while queue and self.send(*queue[0]):
            queue.pop(0)

    def send(self, scan_id: str, body: bytes) -> bool:
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"} | self.origin
        with self.client.post("/api/entry-exit-logs", data=body, headers=headers, catch_response=True) as answer:
            if answer.status_code == 401:
                self.token = ""
            if answer.status_code in (200, 201):
                DAY.scans_taken[scan_id] = answer.json()["id"]
                answer.success()
                return True
        return False

    def heartbeat(self) -> None:
        with self.client.post(
            "/api/auth/heartbeat", headers={"Authorization": f"Bearer {self.token}"} | self.origin, catch_response=True
        ) as answer:
            if answer.status_code == 200:
                self.token = answer.json()["token"]
                self.beat_at = time.time() + DAY.real(STATION_HEARTBEAT_SECONDS)
                answer.success()


class Person(Role, HttpUser):
    """A person at a screen: signs in (again every quarter day), then works at their pace."""

    abstract = True
    login_id = ""

    @classmethod
    def day_logins(cls) -> list[str]:
        return [cls.login_id] * cls.fixed_count

    def on_start(self) -> None:
        self.client.headers.update(self.forwarded(self.site()))
        self.device = DAY.devices[self.login_id].pop()
        self.signed_in_at = 0.0
        self.headers: dict[str, str] = {}
        self.user_id = 0
        gevent.sleep(random.uniform(0, ARRIVALS_UNTIL * DAY.args.day_seconds))  # people arrive over the morning

    def signed_in(self) -> bool:
        """Signed in now (a refusal is counted; a fault's 503 is tried again on the next round)."""
        if self.headers and time.time() - self.signed_in_at < DAY.args.day_seconds / 4:
            return True
        body = {"login_id": self.login_id, "password": password_of(self.login_id), "device_token": self.device}
        with self.client.post("/api/auth/login", json=body, catch_response=True, name="login") as answer:
            if answer.status_code == 200:
                answer.success()
                self.device = answer.json()["device_token"]
                self.headers = {"Authorization": f"Bearer {answer.json()['access_token']}"}
                self.user_id = answer.json()["user"]["id"]
                self.signed_in_at = time.time()
                return True
            if answer.status_code in (401, 403, 423, 429):
                DAY.logins_refused.append((self.login_id, answer.status_code))
        return False

    def get(self, path: str, **kwargs):
        return self.client.get(path, headers=self.headers, **kwargs)

    def post(self, path: str, **kwargs):
        return self.client.post(path, headers=self.headers, **kwargs)


class QrvOperator(Person):
    """Works the QRV manual-operation queue: the first open operation assigned to themself, then resolved."""

    role, login_id, fixed_count = "qrv_operator", "resv-operator", 2

    def wait_time(self) -> float:
        return DAY.real(60)

    @task
    def work_the_queue(self) -> None:
        if not self.signed_in():
            return
        queue = self.get("/api/reservations/manual-operations", params={"page_size": 20}, name="operations")
        if queue.status_code != 200 or not queue.json()["items"]:
            return
        operation = random.choice(queue.json()["items"])
        path = f"/api/reservations/manual-operations/{operation['id']}"
        if self.post(f"{path}/assign", json={"assignee_id": self.user_id}, name="assign").status_code == 200:
            self.post(f"{path}/resolve", json={"resolution": "電話で対応済み"}, name="resolve")


class LoanerClerk(Person):
    """Submits 貸出 forms from a phone; the first clerk runs one bulk status change in the morning."""

    role, login_id, fixed_count = "loaner_clerk", "loaners-staff", 2

    def wait_time(self) -> float:
        return DAY.real(40)

    def on_start(self) -> None:
        super().on_start()
        self.devices: list[int] = []
        self.client.headers["User-Agent"] = PHONE
        self.bulk_due = DAY.world["bulk_clerk"].pop() if DAY.world["bulk_clerk"] else False

    @task
    def submit(self) -> None:
        if not self.signed_in():
            return
        if not self.devices:
            page = self.get("/api/loaners/devices", params={"page_size": 100}, name="devices")
            self.devices = [d["id"] for d in page.json()["items"]] if page.status_code == 200 else []
            return
        if self.bulk_due and time.time() >= DAY.at(0.3):
            self.bulk_due = False
            self.bulk_change(IN_HOUSE)
            return
        answers = random.choice((LENT, IN_HOUSE))
        self.post(
            f"/api/loaners/devices/{random.choice(self.devices)}/submissions",
            json={"answers": answers},
            name="submission",
        )

    def bulk_change(self, answers: dict) -> None:
        chosen = self.devices[:BULK_DEVICES]
        for device in chosen:
            self.client.put(f"/api/loaners/bulk-picks/{device}", headers=self.headers, name="bulk pick")
        self.post("/api/loaners/submissions/bulk", json={"device_ids": chosen, "answers": answers}, name="bulk")
        self.client.delete("/api/loaners/bulk-picks", headers=self.headers, name="bulk picks cleared")


class CrmSales(Person):
    """Submits a new corporation's request with a photo of its bill."""

    role, fixed_count = "crm_sales", 3
    logins = ["crm-sales-1-1", "crm-sales-2-1", "crm-sales-3-1"]

    def wait_time(self) -> float:
        return DAY.real(120)

    @classmethod
    def day_logins(cls) -> list[str]:
        return list(cls.logins)

    def on_start(self) -> None:
        self.login_id = self.logins.pop()
        self.agency = len(self.logins) + 1
        super().on_start()

    def site(self) -> str:
        """Each from an agency of their own."""
        return f"10.3.0.{self.agency}"

    @task
    def submit(self) -> None:
        if not self.signed_in():
            return
        payload = json.dumps({"corporation": corporation(last_name=f"株式会社一日商事{uuid.uuid4().hex[:6]}")})
        files = [("images", ("bill.png", picture(), "image/png"))]
        self.post("/api/crm/requests", data={"payload": payload}, files=files, name="request")


class CrmOperator(Person):
    """Enters a site on the newest requests."""

    role, login_id, fixed_count = "crm_operator", "crm-operator", 1

    def wait_time(self) -> float:
        return DAY.real(90)

    @task
    def enter_site(self) -> None:
        if not self.signed_in():
            return
        page = self.get("/api/crm/requests", params={"page_size": 20}, name="requests")
        if page.status_code != 200 or not page.json()["items"]:
            return
        request = random.choice(page.json()["items"])
        self.post(f"/api/crm/requests/{request['id']}/sites", json=COMPLETE_SITE, name="site")


class NurseryStaff(Person):
    """Imports the roster in the morning, then prints the nursery's cards; reads the day's log."""

    role, login_id, fixed_count = "nursery_staff", "nursery-staff", 1

    def wait_time(self) -> float:
        return DAY.real(30)

    def on_start(self) -> None:
        super().on_start()
        self.jobs: list[str] = []  # roster import, then card job: followed until done

    @task
    def work(self) -> None:
        if not self.signed_in():
            return
        base = f"/api/entry-logs/nurseries/{DAY.world['nursery_id']}"
        if not self.jobs:
            files = {"file": ("roster.csv", roster_csv(DAY.args.roster_rows), "text/csv")}
            answer = self.post(f"{base}/roster-import", files=files, name="roster import")
            if answer.status_code in (200, 201, 202):
                self.jobs.append(f"{base}/roster-imports/{answer.json()['id']}")
            return
        status = self.get(self.jobs[-1], name="job status")
        if len(self.jobs) == 1 and status.status_code == 200 and status.json()["status"] == "done":
            job = self.post(f"{base}/card-jobs", json={"className": ""}, name="card job")
            if job.status_code in (200, 201, 202):
                self.jobs.append(f"{base}/card-jobs/{job.json()['id']}")
        self.get("/api/entry-exit-logs", params={"nurseryId": DAY.world["nursery_id"]}, name="log")


class PlatformAdmin(Person):
    """Grants a role (back and forth) and reads the audit log's first pages."""

    role, fixed_count = "admin", 1

    @classmethod
    def day_logins(cls) -> list[str]:
        from service.demo.platform import ADMIN_LOGIN

        return [ADMIN_LOGIN]

    def on_start(self) -> None:
        self.login_id = self.day_logins()[0]
        super().on_start()
        self.pages = itertools.cycle((1, 2, 3))
        self.roles = itertools.cycle(("operator", "viewer"))

    def wait_time(self) -> float:
        return DAY.real(60)

    @task
    def administer(self) -> None:
        if not self.signed_in():
            return
        grant = {"role": next(self.roles)}
        self.client.put(
            f"/api/admin/users/{DAY.world['grantee']}/grants/fleet", json=grant, headers=self.headers, name="grant"
        )
        self.get("/api/admin/audit", params={"page": next(self.pages), "page_size": 50}, name="audit")


PEOPLE = [QrvOperator, LoanerClerk, CrmSales, CrmOperator, NurseryStaff, PlatformAdmin]
ROLES = [StoreAgents, ScanStation, *PEOPLE]
STATION_DEVICES = ""  # DAY.devices' key of the stations' device tokens


def password_of(login_id: str) -> str:
    from service.demo.platform import ADMIN_LOGIN, ADMIN_PASSWORD, DEMO_PASSWORD

    return ADMIN_PASSWORD if login_id == ADMIN_LOGIN else DEMO_PASSWORD


def yesterdays_devices(base_url: str, world: dict, stations: int) -> dict[str, list[str]]:
    """The device token each person's browser and each station keeps from an earlier day's sign-in (the dashboards'
    device cookie, the kiosk's), by login id; not part of the day's figures."""
    devices: dict[str, list[str]] = defaultdict(list)
    for login_id in (login for person in PEOPLE for login in person.day_logins()):
        body = {"login_id": login_id, "password": password_of(login_id)}
        devices[login_id].append(signed_in(f"{base_url}/api/auth/login", body)["device_token"])
    station = {"nurseryCode": world["nursery_code"], "password": world["station_password"]}
    for number in range(stations):
        body = station | {"stationId": f"day-{number}"}
        devices[STATION_DEVICES].append(signed_in(f"{base_url}/api/auth/entry-exit-login", body)["deviceToken"])
    return devices


def signed_in(url: str, body: dict) -> dict:
    answer = requests.post(url, json=body, headers=Role.forwarded(YESTERDAY), timeout=60)
    answer.raise_for_status()
    return answer.json()


def mistype(base_url: str) -> None:
    """--mistyped wrong passwords spread over the day, each on one of the demo logins in turn, from the offices in
    turn."""
    from service.demo.framework import demo_logins

    logins = itertools.cycle([login.login_id for login in demo_logins()])
    offices = itertools.cycle(sorted(set(SITES.values())))
    spacing = DAY.args.day_seconds / (DAY.args.mistyped + 1)
    for n in range(DAY.args.mistyped):
        gevent.sleep(max(0.0, DAY.started + (n + 1) * spacing - time.time()))
        started, body = time.time(), {"login_id": next(logins), "password": "typo-123"}
        try:
            where = Role.forwarded(next(offices))
            status = requests.post(f"{base_url}/api/auth/login", json=body, headers=where, timeout=60).status_code
        except requests.RequestException:
            status = 0
        DAY.record("mistyped", started, (time.time() - started) * 1000, status, sign_in=True)


# --- AI clients over MCP: one asyncio loop in one greenlet -----------------------------------------------------


async def ai_clients(port: int, service_ids: list[int]) -> None:
    deadline = DAY.at(1.0)
    await asyncio.gather(*(ai_client(port, n, service_ids, deadline) for n in range(DAY.args.ai_clients)))


async def ai_client(port: int, number: int, service_ids: list[int], deadline: float) -> None:
    """Books every BOOKING_SECONDS / pace; a booking that timed out or failed is sent again, as an AI client does."""
    rng = random.Random(number)
    for count in itertools.count():
        await asyncio.sleep(rng.uniform(0.5, 1.5) * DAY.real(BOOKING_SECONDS))
        if time.time() >= deadline:
            return
        name = f"AI予約{number}-{count}"
        desired = time.strftime("%Y-%m-%dT10:00", time.localtime(time.time() + 5 * 86400))
        booking = {
            "service_id": rng.choice(service_ids),
            "requester_name": name,
            "requester_phone": f"090-7{number:03d}-{count % 10000:04d}",
            "desired_at": desired,
        }
        DAY.bookings[name] = "failed"
        for _ in range(BOOKING_ATTEMPTS):
            if await book(port, booking):
                DAY.bookings[name] = "booked"
                break
            await asyncio.sleep(1.0)


async def book(port: int, booking: dict) -> bool:
    """One attempt: a fresh SDK client session and one create_reservation call, recorded as the "ai" role."""
    started = time.time()
    status = 0
    try:
        http = httpx2.AsyncClient(
            headers={"Authorization": f"Bearer {MCP_KEY}"} | Role.forwarded(SITES["ai"]),
            timeout=DAY.args.booking_timeout,
        )
        async with Client(streamable_http_client(f"http://127.0.0.1:{port}/mcp", http_client=http)) as mcp:
            result = await asyncio.wait_for(mcp.call_tool("create_reservation", booking), DAY.args.booking_timeout)
        status = 422 if result.is_error else 200
    except Exception as error:  # noqa: BLE001 - a timeout, a refused connection or an HTTP error: tried again
        status = http_status(error)
    DAY.record("ai", started, (time.time() - started) * 1000, status)
    return status == 200


def http_status(error: BaseException) -> int:
    """The HTTP status inside an SDK client's failure (often wrapped in exception groups), else 0."""
    if isinstance(error, BaseExceptionGroup):
        return next((s for s in map(http_status, error.exceptions) if s), 0)
    response = getattr(error, "response", None)
    return getattr(response, "status_code", 0) or 0


# --- the world, the processes and the faults --------------------------------------------------------------------


def agent_interval(args: argparse.Namespace) -> int:
    """The agents' heartbeat interval at the day's pace."""
    return max(1, round(REAL_HEARTBEAT_SECONDS / args.pace))


def offline_grace(args: argparse.Namespace) -> int:
    """The offline rule's grace at the day's pace, like the intervals, down to the least the settings accept (two
    intervals + grace at least the intake's stall window, which stays real: the heartbeat batches flush on their own
    clock), so the terminals silenced at 40 % of the day are offline well before its end."""
    from service.config import FLEET_MIN_INTERVAL_SECONDS, Settings

    defaults = {name: spec.default for name, spec in Settings.model_fields.items()}
    missed, gap = defaults["fleet_offline_missed_intervals"], defaults["fleet_ingest_gap_seconds"]
    least = -(-gap // missed) - min(FLEET_MIN_INTERVAL_SECONDS, agent_interval(args))
    return max(round(defaults["fleet_offline_grace_seconds"] / args.pace), least)


def seed(args: argparse.Namespace) -> dict:
    """The demo, the agents' terminals (--offline of them at one customer, every interval at the day's pace), the AI
    clients' MCP key and the admin's grantee; returns what the roles need."""
    import hashlib

    from sqlalchemy import insert, select

    from service.audit.service import Actor
    from service.database import session_scope, utcnow
    from service.demo.framework import load_demo
    from service.entry_logs.models import Guardian, Nursery, Parent
    from service.fleet.models import Customer, Terminal
    from service.identity.models import User
    from service.reservations.booking import clients
    from service.reservations.shops.catalog import list_services
    from tests.factories import make_user

    actor = Actor(type="cli", label="working-day")
    now = utcnow()
    with session_scope() as db:
        load_demo(db, actor=actor)
        db.flush()
        customers = [Customer(company_name=f"一日顧客{c}") for c in range(10)]
        db.add_all(customers)
        db.flush()
        tokens = [f"tct_day_{i:06d}" for i in range(args.agents)]
        interval = agent_interval(args)
        rows = [
            {
                "serial_number": f"DAY-{i:06d}",
                "customer_id": customers[0 if i < args.offline else 1 + i % 9].id,
                "store_name": f"一日店舗{i}",
                "token_hash": hashlib.sha256(token.encode()).hexdigest(),
                "interval_seconds": interval,
                "created_at": now,
                "updated_at": now,
            }
            for i, token in enumerate(tokens)
        ]
        db.execute(insert(Terminal), rows)
        clients.create_client(db, name="一日AI", actor=actor, now=now, key=MCP_KEY)
        grantee = make_user(db, GRANTEE, name="一日 付与")
        staff = db.scalar(select(User).where(User.login_id == "nursery-staff"))
        nursery_id = int(next(g.scope for g in staff.grants if g.domain == "entry_logs"))
        nursery = db.get(Nursery, nursery_id)
        parents = list(
            db.scalars(
                select(Parent.id).where(Parent.nursery_id == nursery_id, Parent.id.in_(select(Guardian.parent_id)))
            )
        )
        world = {
            "agent_tokens": [tokens[i : i + TERMINALS_PER_USER] for i in range(0, len(tokens), TERMINALS_PER_USER)],
            "offline_tokens": tokens[: args.offline],
            "offline_customer": customers[0].id,
            "station_numbers": list(range(args.stations)),
            "nursery_id": nursery_id,
            "nursery_code": nursery.code,
            "station_password": f"{nursery.code}-demo",
            "parents": parents,
            "grantee": grantee.id,
            "bulk_clerk": [True],
            "service_ids": [s.id for s in list_services(db)],
        }
    return world


def kill_a_worker_child() -> str:
    """kill -9 the pool child of either worker (as the workers list their pools: not beat) that used the most CPU
    over the last second: one at work. A child that ended meanwhile (a pool replaces its children) is passed over."""
    import psutil

    from jobs.celery_app import app

    stats = app.control.inspect(timeout=5).stats() or {}
    pools = {pid: node for node, figures in stats.items() for pid in figures["pool"]["processes"]}
    children = {child: pools[child.pid] for child in psutil.process_iter() if child.pid in pools}
    for child in children:
        cpu_percent_or_none(child)
    gevent.sleep(1)
    used = {child: cpu for child in children if (cpu := cpu_percent_or_none(child)) is not None}
    busiest = max(used, key=used.__getitem__, default=None)
    if busiest is None:
        return "no pool child found"
    os.kill(busiest.pid, signal.SIGKILL)
    return f"killed {children[busiest].split('@')[0]}'s pool child {busiest.pid}"


def cpu_percent_or_none(process) -> float | None:
    import psutil

    try:
        return process.cpu_percent(None)
    except psutil.NoSuchProcess:
        return None


def terminate_connections() -> int:
    """pg_terminate_backend for every other connection to the bench database."""
    from common import BENCH_DB
    from sqlalchemy import create_engine, text

    engine = create_engine(BENCH_DB)
    with engine.begin() as conn:
        killed = conn.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar_one()
    engine.dispose()
    return int(killed)


def inject_faults(holder: dict, data_dir: Path, redis_port: int) -> list[str]:
    """The mid-day faults in turn, each API-touching one's window kept in DAY.faults."""
    done = [kill_a_worker_child()]
    gevent.sleep(5)
    window = [time.time(), 0.0]
    DAY.faults.append(window)
    done.append(f"terminated {terminate_connections()} database connections")
    window[1] = time.time()
    gevent.sleep(5)
    window = [time.time(), 0.0]
    DAY.faults.append(window)
    stop_process(holder["redis"])
    holder["redis"] = start_redis(data_dir, redis_port)
    window[1] = time.time()
    done.append(f"restarted Redis in {window[1] - window[0]:.1f} s")
    return done


def play(port: int, data_dir: Path, redis_holder: dict, redis_port: int) -> dict:
    """The day: every role's users, the AI clients, the mistyped passwords, the offline customer and the faults."""
    environment = Environment(user_classes=ROLES, host=f"http://127.0.0.1:{port}")
    environment.events.request.add_listener(on_request)
    StoreAgents.fixed_count = len(DAY.world["agent_tokens"])
    ScanStation.fixed_count = DAY.args.stations
    runner = environment.create_local_runner()
    users = sum(role.fixed_count for role in ROLES)
    runner.start(users, spawn_rate=SPAWN_RATE)
    ai = gevent.spawn(asyncio.run, ai_clients(port, DAY.world["service_ids"]))
    typos = gevent.spawn(mistype, f"http://127.0.0.1:{port}")
    gevent.sleep(max(0.0, DAY.at(OFFLINE_AT) - time.time()))
    DAY.silenced.update(DAY.world["offline_tokens"])
    offline_at = time.time()
    gevent.sleep(max(0.0, DAY.at(FAULTS_AT) - time.time()))
    faults = inject_faults(redis_holder, data_dir, redis_port)
    gevent.sleep(max(0.0, DAY.at(1.0) - time.time()))
    runner.quit()
    gevent.joinall([ai, typos], timeout=60)
    return {"faults": faults, "offline_at": offline_at}


# --- after the day ----------------------------------------------------------------------------------------------


def flush_scans(port: int) -> int:
    """What the stations still hold, sent as the kiosk does once it is back (signing in again); returns the rest."""
    world = DAY.world
    body = {"nurseryCode": world["nursery_code"], "password": world["station_password"]}
    deadline = time.time() + 60
    for number, queue in DAY.pending_scans.items():
        while queue and time.time() < deadline:
            signed = requests.post(
                f"http://127.0.0.1:{port}/api/auth/entry-exit-login",
                json=body | {"stationId": f"day-{number}"},
                timeout=10,
            )
            if signed.status_code != 200:
                time.sleep(1)
                continue
            headers = {"Authorization": f"Bearer {signed.json()['token']}", "Content-Type": "application/json"}
            while queue:
                scan_id, scan = queue[0]
                answer = requests.post(
                    f"http://127.0.0.1:{port}/api/entry-exit-logs", data=scan, headers=headers, timeout=10
                )
                if answer.status_code not in (200, 201):
                    break
                DAY.scans_taken[scan_id] = answer.json()["id"]
                queue.pop(0)
    return sum(len(queue) for queue in DAY.pending_scans.values())


def unfinished(since) -> dict[str, int]:
    """The day's work not done yet: outbox messages, card jobs, roster imports, bill photos not read (they wait as rows:
    service/crm/ocr/turns.py), tasks in the ledger."""
    from sqlalchemy import func, select

    from service.broker import PendingTask
    from service.crm.models import Image
    from service.database import session_scope
    from service.documents import DocumentJob
    from service.entry_logs.models import RosterImport
    from service.outbox.models import OutboxMessage

    def count(db, model, done) -> int:
        return db.scalar(select(func.count()).where(model.created_at >= since, model.status.not_in(done))) or 0

    with session_scope() as db:
        return {
            "outbox_messages": count(db, OutboxMessage, ("sent", "failed")),
            "card_jobs": count(db, DocumentJob, ("ready", "done", "failed")),
            "roster_imports": count(db, RosterImport, ("done", "failed")),
            "bill_images": db.scalar(
                select(func.count()).where(Image.uploaded_at >= since, Image.ocr_queued_at.is_not(None))
            )
            or 0,
            "pending_tasks": db.scalar(select(func.count()).select_from(PendingTask)) or 0,
        }


def drained(since, seconds: float) -> dict[str, int]:
    deadline = time.time() + seconds
    while True:
        left = unfinished(since)
        if not any(left.values()) or time.time() > deadline:
            return left
        time.sleep(POLL_SECONDS)


def pending_by_task() -> dict[str, dict[str, int]]:
    """The tasks still in the ledger, by name and by where each is: waiting in a queue, running (a lease), or
    neither (lost until the sweep sends it again)."""
    from sqlalchemy import select

    from service.broker import PendingTask, queued_pending_ids
    from service.database import session_scope

    queued = queued_pending_ids()
    found: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    with session_scope() as db:
        for row in db.scalars(select(PendingTask)):
            where = "queued" if row.id in queued else "running" if row.lease_until else "neither"
            found[row.task][where] += 1
    return {task: dict(places) for task, places in found.items()}


def findings(since) -> dict:
    """From the database: scans, bookings, delivery delays, the offline customer, the audit chain."""
    from sqlalchemy import func, select

    from service.audit.service import verify_chain
    from service.crm.models import Image
    from service.database import session_scope
    from service.entry_logs.models import EntryLog
    from service.fleet.models import Terminal
    from service.outbox.models import OutboxMessage
    from service.reservations.models import Reservation

    with session_scope() as db:
        rows = db.scalars(select(EntryLog.client_scan_id).where(EntryLog.client_scan_id.in_(DAY.scans_sent))).all()
        kept = set(db.scalars(select(EntryLog.id).where(EntryLog.id.in_(set(DAY.scans_taken.values())))))
        booked = dict(
            db.execute(
                select(Reservation.requester_name, func.count())
                .where(Reservation.requester_name.like("AI予約%"))
                .group_by(Reservation.requester_name)
            ).all()
        )
        delays = [
            (sent - created).total_seconds()
            for created, sent in db.execute(
                select(OutboxMessage.created_at, OutboxMessage.sent_at).where(
                    OutboxMessage.created_at >= since, OutboxMessage.sent_at.is_not(None)
                )
            )
        ]
        offline = db.scalar(
            select(func.count()).where(
                Terminal.customer_id == DAY.world["offline_customer"], Terminal.status == "offline"
            )
        )
        bill_waits = [
            (claimed - uploaded).total_seconds()
            for uploaded, claimed in db.execute(
                select(Image.uploaded_at, Image.ocr_started_at).where(
                    Image.uploaded_at >= since, Image.ocr_queued_at.is_(None), Image.ocr_started_at.is_not(None)
                )
            )
        ]
        chain = verify_chain(db)
    said_booked = [name for name, outcome in DAY.bookings.items() if outcome == "booked"]
    return {
        "scans_sent": len(DAY.scans_sent),
        "scans_answered_as_repeat": len(DAY.scans_taken) - len(set(rows)),
        "scans_lost": len(DAY.scans_sent - DAY.scans_taken.keys())
        + sum(1 for log in DAY.scans_taken.values() if log not in kept),
        "scans_doubled": len(rows) - len(set(rows)),
        "bookings": len(DAY.bookings),
        "bookings_answered": len(said_booked),
        "bookings_doubled": sum(n - 1 for n in booked.values() if n > 1),
        "bookings_lost": sum(1 for name in said_booked if name not in booked),
        "delays": delays,
        "offline_marked": offline,
        "bills_read": len(bill_waits),
        "bill_wait_p95_s": round(percentile(bill_waits, 0.95), 1),
        "audit_chain_verified": chain.ok,
        "audit_entries_verified": chain.checked,
    }


def messages_sent_twice(data_dir: Path) -> dict[str, int]:
    """From the sandbox providers' own records, by channel: outbox messages handed to the provider more than once."""
    twice = {}
    for record in sorted((data_dir / "sandbox").glob("*.jsonl")):
        lines = [json.loads(line) for line in record.read_text().splitlines() if line]
        sent = [line["outbox_id"] for line in lines if line.get("outcome") == "sent"]
        twice[record.stem] = len(sent) - len(set(sent))
    return twice


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


def by_role() -> dict:
    """Requests, 5xx and no answers outside the fault windows and statuses inside them, p95 outside them of the API
    calls and the sign-ins apart (each its ms and seconds into the day), by role."""
    figures = {}
    for role, outcomes in sorted(DAY.requests.items()):
        outside = [
            (start, ms, status, sign_in) for start, ms, status, sign_in in outcomes if not DAY.in_fault(start, ms)
        ]
        inside = [status for start, ms, status, _ in outcomes if DAY.in_fault(start, ms)]
        figures[role] = {
            "requests": len(outcomes),
            "http_5xx": sum(1 for _, _, status, _ in outside if status >= 500),
            "no_answer": sum(1 for _, _, status, _ in outside if status == 0),
            "inside_faults": {str(s): inside.count(s) for s in sorted(set(inside)) if s >= 500 or s == 0},
            "p95_ms": round(percentile([ms for _, ms, _, sign_in in outside if not sign_in], 0.95)),
            "sign_ins": [(ms, start - DAY.started) for start, ms, _, sign_in in outside if sign_in],
        }
    return figures


def sign_in_figures(roles: dict) -> dict:
    """p95 of all legitimate sign-ins (a role signs in a few times a day: its own p95 is its slowest), each role's
    count and p95, and the slowest five with when they came."""
    legitimate = sorted((ms, role, at) for role, f in roles.items() if role != "mistyped" for ms, at in f["sign_ins"])
    return {
        "sign_in_p95_ms": round(percentile([ms for ms, _, _ in legitimate], 0.95)),
        "sign_ins_by_role": {role: len(f["sign_ins"]) for role, f in roles.items() if f["sign_ins"]},
        "sign_in_p95_ms_by_role": {
            role: round(percentile([ms for ms, _ in f["sign_ins"]], 0.95)) for role, f in roles.items() if f["sign_ins"]
        },
        "slowest_sign_ins": [[role, round(at, 1), round(ms)] for ms, role, at in legitimate[-5:][::-1]],
    }


def main() -> None:
    global DAY
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--day-seconds", type=float, default=300, help="the compressed day's length")
    parser.add_argument("--pace", type=float, default=10, help="each role's real pace multiplied by this")
    parser.add_argument("--agents", type=int, default=2000)
    parser.add_argument("--offline", type=int, default=200, help="agents at one customer going offline together")
    parser.add_argument("--stations", type=int, default=4)
    parser.add_argument("--ai-clients", type=int, default=4)
    parser.add_argument("--booking-timeout", type=float, default=5.0, help="seconds an AI client waits for a booking")
    parser.add_argument("--roster-rows", type=int, default=5000)
    parser.add_argument("--mistyped", type=int, default=20)
    parser.add_argument("--fault-grace", type=float, default=10, help="seconds a fault's window lasts past its end")
    parser.add_argument("--drain-seconds", type=float, default=180, help="how long the day's jobs may take to end")
    args = parser.parse_args()

    load_at_start = load_average()
    os.environ["APP_FLEET_OFFLINE_GRACE_SECONDS"] = str(offline_grace(args))
    data_dir = temp_dir("daicho-bench-day-")
    with ExitStack() as cleanup:  # whatever was started is stopped, also when a later step fails
        cleanup.callback(remove, data_dir)
        redis_port = free_port()
        redis_holder = {"redis": start_redis(data_dir, redis_port)}
        cleanup.callback(lambda: stop_process(redis_holder["redis"]))
        use_bench_database(data_dir)
        os.environ["APP_REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/0"
        fresh_bench_database()
        world = seed(args)
        behind_the_proxy = {"APP_REDIS_URL": os.environ["APP_REDIS_URL"], "APP_TRUSTED_PROXIES": "127.0.0.1"}
        server = start_server(data_dir, workers=2, extra_env=behind_the_proxy)
        cleanup.callback(server.stop)
        workers = start_workers(data_dir, "split")
        for worker in workers:
            cleanup.callback(worker.stop)
        since = utcnow() - timedelta(seconds=1)
        devices = yesterdays_devices(f"http://127.0.0.1:{server.port}", world, args.stations)
        DAY = Day(args, world, devices)
        played = play(server.port, data_dir, redis_holder, redis_port)
        scans_unsent = flush_scans(server.port)
        stuck = drained(since, args.drain_seconds)
        pending = pending_by_task()
        found = findings(since)
        sent_twice = messages_sent_twice(data_dir)
    roles = by_role()
    delays = found.pop("delays")
    print_result(
        {
            "bench": "working_day",
            "day_seconds": args.day_seconds,
            "pace": args.pace,
            "agents": args.agents,
            "requests_by_role": {role: figures["requests"] for role, figures in roles.items()},
            "http_5xx_outside_faults": sum(figures["http_5xx"] for figures in roles.values()),
            "no_answer_outside_faults": {role: f["no_answer"] for role, f in roles.items() if f["no_answer"]},
            "statuses_inside_faults": {role: f["inside_faults"] for role, f in roles.items() if f["inside_faults"]},
            "p95_ms_by_role": {role: f["p95_ms"] for role, f in roles.items() if role != "mistyped"},
            **sign_in_figures(roles),
            "legitimate_logins_refused": len(DAY.logins_refused),
            "logins_refused": sorted(set(DAY.logins_refused)),
            "critical_delivery_delay_p99_s": round(percentile(delays, 0.99), 1),
            "outbox_messages_sent": len(delays),
            "messages_sent_twice": sum(sent_twice.values()),
            "messages_sent_twice_by_channel": {channel: n for channel, n in sent_twice.items() if n},
            **found,
            "scans_unsent_after_day": scans_unsent,
            "jobs_stuck": sum(stuck.values()),
            "jobs_stuck_by_kind": stuck,
            "pending_tasks_after_drain": pending,
            "offline_customer_terminals": args.offline,
            "faults": played["faults"],
            "fault_windows_s": [[round(a - DAY.started, 1), round(b - DAY.started, 1)] for a, b in DAY.faults],
            "load_average_1m": {"at_start": load_at_start, "at_end": load_average()},
            "load_generator_cpu_s": round(time.process_time(), 1),
            "targets": TARGETS,
        }
    )


if __name__ == "__main__":
    main()
