"""Many simulated agents in one process: `python -m agent.simulate --server URL --terminals 20000 ...`.

Each simulated terminal is a SimulatedTC200 with its own token, heartbeating on its own schedule; asyncio and one
httpx.AsyncClient carry them all (no thread per terminal). Heartbeat bodies and reply checks are the real agent's
(agent.client), and commands run through the real CommandRunner in a worker thread, so firmware updates, diagnostics
and interval changes behave as they do on a store PC.

Terminals come from --enroll-from (a CSV of serial,code), or from an admin login that asks the API for enrolment
codes for terminals no agent holds (--customer-id: that customer's, creating SIM-##### terminals for it when there are
too few, four tills a store as §2.1 names them), or from a --state-file written by an earlier run. Prints one JSON
summary line at the end.
"""

import argparse
import asyncio
import csv
import json
import logging
import os
import random
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt

from agent.buffer import Event, new_event
from agent.client import (
    ENROLL_PATH,
    HEARTBEAT_PATH,
    MAX_EVENTS_PER_HEARTBEAT,
    AgentClient,
    AgentError,
    Enrollment,
    ServerUnreachable,
    TokenRejected,
    bearer,
    check_response,
    enroll_body,
    heartbeat_body,
    parse_enrollment,
    parse_heartbeat_reply,
)
from agent.commands import CommandRunner
from agent.device import SimulatedBehaviour, SimulatedTC200
from agent.main import status_events
from agent.state import StateStore, write_private
from clientkit.backoff import backoff

log = logging.getLogger("agent.simulate")

SERIAL_FORMAT = "SIM-{:05d}"
STORE_FORMAT = "シミュレーション{store}号店 レジ{till}番"  # 「○○店舗 レジ1番」: the tills of a store share it
TILLS = 4
T = TypeVar("T")
PAGE_SIZE = 100  # the API's largest page
# Enrolment and operator calls are audited writes the service serialises; more of them at once only queue up.
SETUP_CONCURRENCY = 8
# A busy (429, 5xx) or unreachable server is asked again three times, after half to all of 4, 8, then 16 seconds, and
# not before its Retry-After (clientkit's backoff).
ENROLL_ATTEMPTS = 4
ENROLL_RETRY_SECONDS = 4.0
ENROLL_RETRY_MAX_SECONDS = 16.0


@dataclass
class SimOptions:
    server: str
    terminals: int = 10
    concurrency: int = 100
    interval: float = 0.0  # 0 = follow the server's interval
    splay: float | None = None
    duration: float = 60.0
    enroll_from: Path | None = None
    admin_login: str | None = None
    admin_password: str | None = None
    customer_id: int | None = None
    state_file: Path | None = None
    work_dir: Path | None = None
    error_rate: float = 0.0
    high_cpu_rate: float = 0.0
    fail_install_rate: float = 0.0
    timeout: float = 30.0
    seed: int | None = None


@dataclass
class SimTerminal:
    serial: str
    terminal_id: int
    token: str
    device: SimulatedTC200
    interval: float
    pending: list[Event] = field(default_factory=list)
    device_state: str | None = None
    revoked: bool = False
    enrolled_now: bool = False  # enrolled by this run: reports at once, as a real agent does after enrolment


@dataclass
class Stats:
    heartbeats: int = 0
    failures: Counter = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)
    events_sent: int = 0
    commands: Counter = field(default_factory=Counter)
    enrolled: int = 0
    reused: int = 0

    def summary(self, terminals: int, elapsed: float) -> dict[str, Any]:
        lat = sorted(self.latencies_ms)

        def pct(p: float) -> float | None:
            return round(lat[min(len(lat) - 1, int(p * len(lat)))], 1) if lat else None

        return {
            "terminals": terminals,
            "enrolled": self.enrolled,
            "reused_tokens": self.reused,
            "heartbeats_ok": self.heartbeats,
            "heartbeats_failed": sum(self.failures.values()),
            "failures": dict(self.failures),
            "events_sent": self.events_sent,
            "commands": dict(self.commands),
            "duration_seconds": round(elapsed, 1),
            "heartbeats_per_second": round(self.heartbeats / elapsed, 2) if elapsed else 0.0,
            "latency_ms": {"p50": pct(0.50), "p95": pct(0.95), "p99": pct(0.99), "max": lat[-1] if lat else None},
        }


class SimulationStopping(Exception):
    """The simulation stopped while a terminal waited to ask again."""


class Simulation:
    """The fleet of simulated terminals and what they share: HTTP clients, randomness, counters."""

    def __init__(self, options: SimOptions, http: httpx.AsyncClient) -> None:
        self.options = options
        self.http = http
        self.rng = random.Random(options.seed)
        self.stats = Stats()
        self.gate = asyncio.Semaphore(options.concurrency)
        self.setup_gate = asyncio.Semaphore(min(options.concurrency, SETUP_CONCURRENCY))
        self.stopping = asyncio.Event()
        self.work_dir = options.work_dir or Path(tempfile.mkdtemp(prefix="daicho-sim-"))
        self._sync_http: httpx.Client | None = None

    # --- terminals --------------------------------------------------------------------------

    def new_device(self, serial: str) -> SimulatedTC200:
        fails = self.rng.random() < self.options.fail_install_rate
        behaviour = SimulatedBehaviour(
            report_load=True,
            high_cpu=self.rng.random() < self.options.high_cpu_rate,
            fail_install="書き込みエラー（シミュレーション）" if fails else None,
        )
        return SimulatedTC200(serial, "1.0.0", behaviour, rng=self.rng)

    def interval_for(self, server_interval: float) -> float:
        return self.options.interval or server_interval

    async def enroll(self, serial: str, code: str) -> SimTerminal | None:
        """Trade the code for a token; a busy or unreachable server is asked again, a refusal is final."""
        device = self.new_device(serial)
        body = enroll_body(code=code, serial_number=serial, firmware_version=device.firmware_version())

        def asking_again(state: RetryCallState) -> None:
            failure = state.outcome.exception() if state.outcome else None
            log.warning("enrolment of %s: %s; asking again in %.0f s", serial, failure, state.upcoming_sleep)

        retrying = AsyncRetrying(
            retry=retry_if_exception_type((ServerUnreachable, httpx.TransportError)),
            stop=stop_after_attempt(ENROLL_ATTEMPTS),
            wait=backoff(ENROLL_RETRY_SECONDS, ENROLL_RETRY_MAX_SECONDS),
            sleep=self._sleep_unless_stopping,
            before_sleep=asking_again,
            reraise=True,
        )
        try:
            enrollment: Enrollment = await retrying(self._post_enrolment, body)
        except (AgentError, httpx.TransportError, SimulationStopping) as exc:
            self._enrol_failed(serial, exc)
            return None
        self.stats.enrolled += 1
        return SimTerminal(
            serial,
            enrollment.terminal_id,
            enrollment.token,
            device,
            self.interval_for(enrollment.interval_seconds),
            enrolled_now=True,
        )

    async def _post_enrolment(self, body: dict[str, str]) -> Enrollment:
        async with self.setup_gate:
            return parse_enrollment(check_response(await self.http.post(ENROLL_PATH, json=body)))

    def _enrol_failed(self, serial: str, exc: Exception) -> None:
        log.error("enrolment of %s failed: %s", serial, exc)
        self.stats.failures["enroll"] += 1

    def restore(self, saved: dict[str, dict[str, Any]]) -> list[SimTerminal]:
        """Terminals enrolled by an earlier run, from the state file."""
        self.stats.reused += len(saved)
        return [
            SimTerminal(
                serial,
                int(s["terminal_id"]),
                str(s["token"]),
                self.new_device(serial),
                self.interval_for(float(s.get("interval_seconds", 300))),
            )
            for serial, s in saved.items()
        ]

    # --- heartbeats -------------------------------------------------------------------------

    def _flip_state(self, terminal: SimTerminal) -> None:
        """Now and then a terminal falls into an error state, and climbs out again."""
        behaviour = terminal.device.behaviour
        if behaviour.error_message is None and self.rng.random() < self.options.error_rate:
            behaviour.error_message = "カードリーダー応答なし（シミュレーション）"
        elif behaviour.error_message is not None and self.rng.random() < 0.5:
            behaviour.error_message = None

    async def beat(self, terminal: SimTerminal) -> None:
        self._flip_state(terminal)
        status = terminal.device.read_status()
        if status.load is None:
            raise RuntimeError("a simulated store reports its PC's load (new_device sets report_load)")
        terminal.pending += status_events(terminal.device_state, status)
        terminal.device_state = status.state
        events = terminal.pending[:MAX_EVENTS_PER_HEARTBEAT]
        body = heartbeat_body(
            status=status, firmware_version=terminal.device.firmware_version(), load=status.load, events=events
        )
        async with self.gate:
            started = time.perf_counter()
            try:
                response = await self.http.post(HEARTBEAT_PATH, json=body, headers=bearer(terminal.token))
                reply = parse_heartbeat_reply(check_response(response))
            except TokenRejected:
                log.error("terminal %s: token revoked; it stops heartbeating", terminal.serial)
                terminal.revoked = True
                self.stats.failures["revoked"] += 1
                return
            except (AgentError, httpx.TransportError) as exc:
                self.stats.failures[type(exc).__name__] += 1
                return
            self.stats.latencies_ms.append((time.perf_counter() - started) * 1000)
        self.stats.heartbeats += 1
        self.stats.events_sent += len(events)
        del terminal.pending[: len(events)]
        terminal.interval = self.interval_for(reply.interval_seconds)
        for command in reply.commands:
            self.stats.commands[command.type] += 1
            await asyncio.to_thread(self._runner(terminal).run, command)

    def _runner(self, terminal: SimTerminal) -> CommandRunner:
        """The real command runner, over a sync client shared by the worker threads."""
        if self._sync_http is None:
            self._sync_http = httpx.Client(base_url=self.options.server, timeout=self.options.timeout)
        home = self.work_dir / terminal.serial
        store = StateStore(home / "token", home / "state.json")
        return CommandRunner(
            client=AgentClient(self._sync_http, terminal.token),
            device=terminal.device,
            store=store,
            firmware_dir=home / "firmware",
            log_path=None,
            record_event=terminal.pending.append,
        )

    async def run_terminal(self, terminal: SimTerminal) -> None:
        """Heartbeat on the terminal's own schedule until the simulation stops; a beat under way is finished.

        A terminal enrolled just now reports at once; the others spread their first beat over one interval."""
        splay = self.options.splay if self.options.splay is not None else terminal.interval / 10
        first_wait = 0.0 if terminal.enrolled_now else self.rng.uniform(0, terminal.interval)
        if await self._pause(first_wait):
            return
        terminal.pending.append(new_event("info", "agent_started", "シミュレーションエージェントが起動しました"))
        while not terminal.revoked:
            await self.beat(terminal)
            if await self._pause(terminal.interval + self.rng.uniform(0, splay)):
                return

    async def _pause(self, seconds: float) -> bool:
        """Wait; True as soon as the simulation is stopping."""
        try:
            await asyncio.wait_for(self.stopping.wait(), seconds)
            return True
        except TimeoutError:
            return False

    async def _sleep_unless_stopping(self, seconds: float) -> None:
        """Wait, or raise SimulationStopping as soon as the simulation is stopping."""
        if await self._pause(seconds):
            raise SimulationStopping("the simulation is stopping")

    def close(self) -> None:
        if self._sync_http is not None:
            self._sync_http.close()


# --- where terminals come from ------------------------------------------------------------------


def read_codes_csv(path: Path) -> list[tuple[str, str]]:
    """serial,code rows (a header row is skipped)."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = [row for row in csv.reader(handle) if len(row) >= 2 and row[0].strip()]
    if rows and rows[0][0].strip().lower() in ("serial", "serial_number"):
        rows = rows[1:]
    return [(row[0].strip(), row[1].strip()) for row in rows]


async def admin_codes(
    http: httpx.AsyncClient, options: SimOptions, skip: set[str], want: int, gate: asyncio.Semaphore
) -> list[tuple[str, str]]:
    """Log in as an admin and ask for codes for terminals no agent holds yet; create SIM terminals when too few."""
    login = check_response(
        await http.post("/api/auth/login", json={"login_id": options.admin_login, "password": options.admin_password})
    )
    headers = bearer(login["access_token"])
    terminals = await _free_terminals(http, headers, skip, want, options.customer_id)
    if len(terminals) < want and options.customer_id is not None:
        taken = await _serials(http, headers, {"q": SERIAL_FORMAT.split("{")[0]})  # SIM- of every customer
        created = await asyncio.gather(
            *(
                _setup_call(gate, _create_terminal(http, headers, options.customer_id, serial), f"creating {serial}")
                for serial in _new_serials(set(taken) | skip, want - len(terminals))
            )
        )
        terminals += [t for t in created if t is not None]

    async def code_for(serial: str, terminal_id: int) -> tuple[str, str]:
        answer = check_response(await http.post(f"/api/fleet/terminals/{terminal_id}/enrollment-code", headers=headers))
        return serial, answer["code"]

    codes = await asyncio.gather(*(_setup_call(gate, code_for(s, tid), f"a code for {s}") for s, tid in terminals))
    return [c for c in codes if c is not None]


async def _setup_call(gate: asyncio.Semaphore, call: Awaitable[T], what: str) -> T | None:
    """One setup request under the setup gate; a failure skips that terminal instead of ending the run."""
    async with gate:
        try:
            return await call
        except (AgentError, httpx.HTTPError, KeyError, TypeError) as exc:
            log.error("%s failed: %s", what, exc)
            return None


async def _free_terminals(
    http: httpx.AsyncClient, headers: dict[str, str], skip: set[str], want: int, customer_id: int | None
) -> list[tuple[str, int]]:
    """Up to `want` terminals no agent holds (serial, id), the customer's when one is given."""
    scope = {} if customer_id is None else {"customer_id": customer_id}
    free = await _serials(
        http, headers, scope, lambda t: t["serial_number"] not in skip and not t.get("enrolled"), want
    )
    return list(free.items())[:want]


async def _serials(
    http: httpx.AsyncClient,
    headers: dict[str, str],
    filters: dict[str, Any],
    wanted: Callable[[dict], bool] = lambda _: True,
    enough: int | None = None,
) -> dict[str, int]:
    """The terminals the list's filters select that are wanted (serial -> id), page by page until `enough`."""
    found: dict[str, int] = {}
    page = 1
    while enough is None or len(found) < enough:
        params = filters | {"page": page, "page_size": PAGE_SIZE}
        data = check_response(await http.get("/api/fleet/terminals", headers=headers, params=params))
        found |= {t["serial_number"]: t["id"] for t in data["items"] if wanted(t)}
        if page * PAGE_SIZE >= data["total"]:
            break
        page += 1
    return found


def _new_serials(taken: set[str], count: int) -> list[str]:
    serials: list[str] = []
    number = 1
    while len(serials) < count:
        if SERIAL_FORMAT.format(number) not in taken:
            serials.append(SERIAL_FORMAT.format(number))
        number += 1
    return serials


async def _create_terminal(
    http: httpx.AsyncClient, headers: dict[str, str], customer_id: int, serial: str
) -> tuple[str, int]:
    body = {"serial_number": serial, "customer_id": customer_id, "store_name": sim_store_name(serial)}
    return serial, check_response(await http.post("/api/fleet/terminals", json=body, headers=headers))["id"]


def sim_store_name(serial: str) -> str:
    """SIM-00005 → 「シミュレーション2号店 レジ1番」: four tills a store."""
    index = int(serial.removeprefix("SIM-")) - 1
    return STORE_FORMAT.format(store=index // TILLS + 1, till=index % TILLS + 1)


def load_state_file(path: Path | None) -> dict[str, dict[str, Any]]:
    if path is None or not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8")).get("terminals", {})


def save_state_file(path: Path, server: str, terminals: list[SimTerminal]) -> None:
    """Tokens of the simulated terminals, owner-readable only, so the next run can skip enrolment."""
    data = {
        "server": server,
        "terminals": {
            t.serial: {"terminal_id": t.terminal_id, "token": t.token, "interval_seconds": t.interval}
            for t in terminals
        },
    }
    write_private(path, json.dumps(data))


# --- running it ----------------------------------------------------------------------------------


async def prepare(sim: Simulation) -> list[SimTerminal]:
    """Reuse saved tokens, then enrol as many more terminals as --terminals asks for."""
    options = sim.options
    terminals = sim.restore(dict(list(load_state_file(options.state_file).items())[: options.terminals]))
    missing = options.terminals - len(terminals)
    if missing > 0:
        known = {t.serial for t in terminals}
        if options.enroll_from:
            pairs = [p for p in read_codes_csv(options.enroll_from) if p[0] not in known][:missing]
        elif options.admin_login:
            pairs = await admin_codes(sim.http, options, known, missing, sim.setup_gate)
        else:
            pairs = []
        enrolled = await asyncio.gather(*(sim.enroll(serial, code) for serial, code in pairs))
        terminals += [t for t in enrolled if t is not None]
    if options.state_file:
        save_state_file(options.state_file, options.server, terminals)
    return terminals


def _stop_on_signals(stop: asyncio.Event) -> None:
    """SIGINT/SIGTERM set the stop event, so a run without a duration still ends with its summary."""
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(signum, stop.set)
        except (NotImplementedError, RuntimeError, ValueError):  # Windows, or not the main thread
            continue


async def simulate(options: SimOptions) -> dict[str, Any]:
    """Enrol, heartbeat for --duration seconds (0: until SIGINT/SIGTERM), and return the summary."""
    limits = httpx.Limits(max_connections=options.concurrency, max_keepalive_connections=options.concurrency)
    async with httpx.AsyncClient(base_url=options.server.rstrip("/"), timeout=options.timeout, limits=limits) as http:
        sim = Simulation(options, http)
        try:
            terminals = await prepare(sim)
            _stop_on_signals(sim.stopping)
            started = time.monotonic()
            all_done = asyncio.gather(*(sim.run_terminal(t) for t in terminals))
            await asyncio.wait([all_done], timeout=options.duration if options.duration > 0 else None)
            sim.stopping.set()
            await all_done  # beats under way finish, so the service is left with no half-sent request
            return sim.stats.summary(len(terminals), time.monotonic() - started)
        finally:
            sim.close()


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m agent.simulate", description="Drive many simulated TC-200 agents.")
    p.add_argument("--server", required=True, help="service base URL, e.g. http://127.0.0.1:8000")
    p.add_argument("--terminals", type=int, default=10)
    p.add_argument("--concurrency", type=int, default=100, help="requests in flight at most")
    p.add_argument("--interval", type=float, default=0.0, help="seconds between heartbeats (0: follow the server)")
    p.add_argument("--splay", type=float, default=None, help="random extra wait (default: a tenth of the interval)")
    p.add_argument("--duration", type=float, default=60.0, help="seconds to run (0: until Ctrl+C or SIGTERM)")
    p.add_argument("--enroll-from", type=Path, help="CSV of serial,code")
    p.add_argument("--admin-login", help="admin login id to create enrolment codes through the API")
    p.add_argument("--admin-password", help="its password (default: $DAICHO_SIM_ADMIN_PASSWORD)")
    p.add_argument(
        "--customer-id",
        type=int,
        help="enrol this customer's terminals (with --admin-login), creating SIM-##### ones for it when too few exist",
    )
    p.add_argument("--state-file", type=Path, help="keep tokens here and reuse them next time")
    p.add_argument("--work-dir", type=Path, help="where command runs keep their files (default: a temp dir)")
    p.add_argument("--error-rate", type=float, default=0.0, help="chance per heartbeat that a terminal fails")
    p.add_argument("--high-cpu-rate", type=float, default=0.0, help="share of terminals on a busy PC")
    p.add_argument("--fail-install-rate", type=float, default=0.0, help="share of terminals whose installs fail")
    p.add_argument("--timeout", type=float, default=30.0)
    p.add_argument("--seed", type=int)
    return p


def options_from_args(argv: list[str] | None = None) -> SimOptions:
    args = vars(_parser().parse_args(argv))
    args["admin_password"] = args["admin_password"] or os.environ.get("DAICHO_SIM_ADMIN_PASSWORD")
    return SimOptions(**args)


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    options = options_from_args(argv)
    if not (options.enroll_from or options.admin_login or options.state_file):
        print("one of --enroll-from, --admin-login or --state-file is needed", file=sys.stderr)
        return 2
    try:
        summary = asyncio.run(simulate(options))
    except (AgentError, httpx.HTTPError, OSError, KeyError, TypeError, ValueError) as exc:
        print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}, ensure_ascii=False))
        return 1
    print(json.dumps(summary, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
