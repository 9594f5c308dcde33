"""The agent's loop and command line: `python -m agent enroll --code ...`, `python -m agent run`.

One heartbeat cycle (Agent.run_once): read the terminal, send status, load and buffered events, acknowledge the
events the server took, follow its interval, run its commands. Between cycles the loop waits on an Event, so a
stop request ends the wait at once. While the server cannot be reached, answers "later" or talks nonsense, the next
cycle comes after clientkit's backoff: between half and all of a wait doubling from `backoff_initial_seconds` up to
`backoff_max_seconds`, and not before the Retry-After the server asked for (up to the same maximum).
"""

import argparse
import dataclasses
import json
import logging
import logging.handlers
import random
import signal
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psutil

from agent import AGENT_VERSION
from agent.buffer import Event, EventBuffer, new_event
from agent.client import (
    MAX_EVENTS_PER_HEARTBEAT,
    AgentClient,
    AgentError,
    Enrollment,
    GarbageResponse,
    Rejected,
    ServerUnreachable,
    TokenRejected,
    heartbeat_body,
    new_http_client,
)
from agent.commands import CommandRunner
from agent.config import AgentConfig, ConfigError, load_config
from agent.device import DeviceError, DeviceStatus, HostLoad, TC200Device, open_device
from agent.state import StateStore
from clientkit.backoff import FailureStreak, backoff

log = logging.getLogger("agent")

ENROLMENT_POLL_SECONDS = 10.0
DRAIN_DELAY_SECONDS = 1.0


def status_events(previous: str | None, status: DeviceStatus, now: datetime | None = None) -> list[Event]:
    """Events for a change of the terminal's state (none when it stays the same)."""
    if status.state == "error" and previous != "error":
        return [new_event("error", "device_error", f"端末エラー: {status.error_message or '不明なエラー'}", now)]
    if status.state == "online" and previous == "error":
        return [new_event("info", "device_recovered", "端末が復旧しました", now)]
    return []


def host_load(disk_path: Path) -> HostLoad:
    """cpu/memory/disk of this PC; cpu is the average since the previous call."""
    try:
        disk = psutil.disk_usage(str(disk_path)).percent
    except OSError:
        disk = 0.0
    return HostLoad(cpu=psutil.cpu_percent(interval=None), memory=psutil.virtual_memory().percent, disk=disk)


def configure_logging(config: AgentConfig) -> None:
    """A rotating file in the state directory, plus stderr for journald or the service wrapper."""
    config.log_path.parent.mkdir(parents=True, exist_ok=True)
    file_handler = logging.handlers.RotatingFileHandler(
        config.log_path, maxBytes=config.log_max_bytes, backupCount=config.log_backup_count, encoding="utf-8"
    )
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    root = logging.getLogger()
    for handler in (file_handler, logging.StreamHandler()):
        handler.setFormatter(formatter)
        root.addHandler(handler)
    root.setLevel(config.log_level.upper())
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)


class Agent:
    """One store PC's agent, driven a cycle at a time by run_once() or continuously by run()."""

    def __init__(
        self,
        config: AgentConfig,
        *,
        device: TC200Device | None = None,
        http: httpx.Client | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.config = config
        config.state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.store = StateStore(config.token_path, config.state_path)
        self.buffer = EventBuffer(config.buffer_path, config.buffer_max_events)
        self.device = device or open_device(config)
        self.http = http or new_http_client(config)
        self.client = AgentClient(self.http, self.store.token())
        self.commands = CommandRunner(
            client=self.client,
            device=self.device,
            store=self.store,
            firmware_dir=config.firmware_dir,
            log_path=config.log_path,
            record_event=self.buffer.append,
        )
        self._rng = rng or random.Random()
        self._failures = FailureStreak(backoff(config.backoff_initial_seconds, config.backoff_max_seconds))
        self._device_state: str | None = None
        self._firmware = "unknown"
        self._told_waiting = False
        psutil.cpu_percent(interval=None)

    @property
    def interval(self) -> int:
        """A pinned override, else the server's interval once it named one, else the configured one."""
        return (
            self.config.interval_override_seconds or self.store.state.interval_seconds or self.config.interval_seconds
        )

    def enroll(self, code: str) -> Enrollment:
        """Trade a one-time code for this terminal's own token and remember it."""
        enrollment = self.client.enroll(
            code=code, serial_number=self.device.serial_number(), firmware_version=self._firmware_version()
        )
        state = self.store.state
        state.terminal_id, state.serial_number = enrollment.terminal_id, enrollment.serial_number
        state.interval_seconds = enrollment.interval_seconds
        self.store.store_token(enrollment.token)
        self._told_waiting = False
        log.info("enrolled as terminal %s (%s)", enrollment.terminal_id, enrollment.serial_number)
        self.buffer.append(new_event("info", "enrolled", f"エージェント {AGENT_VERSION} を登録しました"))
        return enrollment

    def rotate_token(self) -> None:
        self.client.token = self.store.token()
        self.store.store_token(self.client.rotate_token())
        log.info("terminal token rotated")

    def run_once(self) -> float:
        """One heartbeat cycle; returns how many seconds to wait before the next."""
        token = self.store.token()
        if token is None:
            return self._wait_for_enrolment()
        if token != self.client.token:
            self._adopt_token(token)
        status = self._read_status()
        for event in status_events(self._device_state, status):
            self.buffer.append(event)
        self._device_state = status.state
        self._note_dropped_events()
        events = self.buffer.peek(MAX_EVENTS_PER_HEARTBEAT)
        body = heartbeat_body(
            status=status,
            firmware_version=self._firmware_version(),
            load=status.load or host_load(self.config.state_dir),
            events=events,
        )
        try:
            reply = self.client.heartbeat(body)
        except TokenRejected:
            return self._token_revoked()
        except (ServerUnreachable, GarbageResponse) as exc:
            return self._backoff(exc)
        except Rejected as exc:
            log.error("server refused the heartbeat: %s", exc)
            return self._next_delay()
        self._failures.succeeded()
        self.buffer.acknowledge(events)
        self._follow_interval(reply.interval_seconds)
        self.commands.resend_unreported()
        for command in reply.commands:
            self.commands.run(command)
        self._rotate_token_when_due()
        return DRAIN_DELAY_SECONDS if len(events) == MAX_EVENTS_PER_HEARTBEAT else self._next_delay()

    def run(self, stop: threading.Event) -> None:
        """Heartbeat until stop is set; nothing that goes wrong in a cycle ends the loop."""
        self.buffer.append(new_event("info", "agent_started", f"エージェント {AGENT_VERSION} が起動しました"))
        delay = self._rng.uniform(0, self.config.splay_seconds)
        while not stop.wait(delay):
            try:
                delay = self.run_once()
            except Exception as exc:  # noqa: BLE001 - the loop must survive anything a cycle throws
                log.exception("heartbeat cycle failed")
                delay = self._failures.failed(exc)
        log.info("agent stopped")

    def close(self) -> None:
        self.device.close()
        self.buffer.close()
        self.http.close()

    def _wait_for_enrolment(self) -> float:
        if not self._told_waiting:
            log.warning("not enrolled: no heartbeats until `python -m agent enroll --code <code>` is run")
            self._told_waiting = True
        return ENROLMENT_POLL_SECONDS

    def _adopt_token(self, token: str) -> None:
        """A token written by `enroll` or `rotate-token` in another process: pick it and its state up."""
        self.client.token = token
        self.store.reload()
        self._told_waiting = False

    def _read_status(self) -> DeviceStatus:
        try:
            return self.device.read_status()
        except DeviceError as exc:
            log.error("cannot read the terminal: %s", exc)
            return DeviceStatus("error", f"端末と通信できません: {exc}")

    def _firmware_version(self) -> str:
        try:
            self._firmware = self.device.firmware_version()
        except DeviceError as exc:
            log.error("cannot read the firmware version: %s", exc)
        return self._firmware

    def _note_dropped_events(self) -> None:
        dropped = self.buffer.take_dropped()
        if dropped:
            self.buffer.append(
                new_event("warning", "events_dropped", f"バッファ上限のため古いイベント {dropped} 件を破棄しました")
            )

    def _token_revoked(self) -> float:
        log.error(
            "the server rejected this terminal's token (revoked): heartbeats stop until the terminal is "
            "enrolled again with `python -m agent enroll --code <code>`"
        )
        self.store.forget_token()
        self.client.token = None
        self._told_waiting = True
        return ENROLMENT_POLL_SECONDS

    def _backoff(self, exc: AgentError) -> float:
        """The wait before the next cycle while the server can't be reached, answers "later" or talks nonsense."""
        delay = self._failures.failed(exc)
        log.warning(
            "heartbeat failed (%s, attempt %d); next try in %.0f s; %d events buffered",
            exc,
            self._failures.failures,
            delay,
            len(self.buffer),
        )
        return delay

    def _next_delay(self) -> float:
        return self.interval + self._rng.uniform(0, self.config.splay_seconds)

    def _follow_interval(self, interval: int) -> None:
        if interval != self.store.state.interval_seconds:
            log.info("heartbeat interval is now %d s (server)", interval)
            self.store.state.interval_seconds = interval
            self.store.save()

    def _rotate_token_when_due(self) -> None:
        days = self.config.token_rotate_days
        age = self.store.token_age_days(datetime.now(UTC))
        if not days or age is None or age < days:
            return
        try:
            self.rotate_token()
        except AgentError as exc:
            log.warning("token rotation failed, keeping the current token: %s", exc)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m agent", description="Daichō store-PC agent for TC-200 terminals")
    parser.add_argument("--config", type=Path, help="agent.toml or agent.json (default: $DAICHO_AGENT_CONFIG)")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="heartbeat until stopped (the default)")
    enroll = sub.add_parser("enroll", help="enrol this terminal with a one-time code")
    enroll.add_argument("--code", required=True, help="one-time enrolment code from the fleet screen")
    sub.add_parser("rotate-token", help="replace this terminal's token with a new one")
    sub.add_parser("status", help="print what the agent remembers (never the token)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    configure_logging(config)
    try:
        agent = Agent(config)
    except DeviceError as exc:
        log.error("cannot open the terminal: %s", exc)
        return 1
    try:
        return _dispatch(agent, args)
    finally:
        agent.close()


def _dispatch(agent: Agent, args: argparse.Namespace) -> int:
    command = args.command or "run"
    if command == "status":
        state = dataclasses.asdict(agent.store.state)
        print(
            json.dumps(
                {**state, "enrolled": agent.store.token() is not None, "buffered_events": len(agent.buffer)},
                ensure_ascii=False,
            )
        )
        return 0
    if command == "run":
        stop = threading.Event()
        for name in ("SIGINT", "SIGTERM", "SIGBREAK"):  # SIGBREAK: Ctrl+Break from a Windows service wrapper
            if hasattr(signal, name):
                signal.signal(getattr(signal, name), lambda *_: stop.set())
        agent.run(stop)
        return 0
    try:
        if command == "enroll":
            enrollment = agent.enroll(args.code)
            print(f"enrolled as terminal {enrollment.terminal_id} ({enrollment.serial_number})")
        else:
            agent.rotate_token()
            print("token rotated")
    except AgentError as exc:
        log.error("%s failed: %s", command, exc)
        return 1
    return 0
