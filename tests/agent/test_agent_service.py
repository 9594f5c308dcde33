"""The agent against the real service: enrolment, heartbeats, buffering through an outage, commands, revocation."""

import logging
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from agent.buffer import new_event
from agent.client import Rejected
from agent.device import SimulatedBehaviour, SimulatedTC200
from agent.main import ENROLMENT_POLL_SECONDS
from service.fleet.models import FirmwareRelease
from service.fleet.rollouts.firmware import firmware_path
from tests.agent.conftest import AgentFactory, Fleet, LiveService


def test_enrol_then_heartbeat_shows_the_terminal_in_the_service(fleet: Fleet, make_agent: AgentFactory) -> None:
    terminal_id = fleet.new_terminal("TC200-E0001")
    device = SimulatedTC200("TC200-E0001", "1.4.2", SimulatedBehaviour(report_load=True))
    agent = make_agent("TC200-E0001", device)

    enrollment = agent.enroll(fleet.enrollment_code(terminal_id))

    assert enrollment.terminal_id == terminal_id
    assert stat.S_IMODE(agent.config.token_path.stat().st_mode) == 0o600
    assert agent.store.state.terminal_id == terminal_id
    assert agent.run_once() == 300
    terminal = fleet.terminal(terminal_id)
    assert (terminal["status"], terminal["firmware_version"], terminal["agent_version"]) == ("online", "1.4.2", "0.1.0")
    assert terminal["last_heartbeat_at"] is not None and terminal["enrolled"]
    assert 0 < terminal["cpu_usage"] <= 100
    assert [e["kind"] for e in fleet.events(terminal_id)] == ["enrolled"]

    device.behaviour.error_message = "カードリーダー応答なし"
    agent.run_once()
    terminal = fleet.terminal(terminal_id)
    assert (terminal["status"], terminal["error_message"]) == ("error", "カードリーダー応答なし")
    assert fleet.events(terminal_id)[0]["kind"] == "device_error"


def test_enrolment_codes_are_one_time(fleet: Fleet, make_agent: AgentFactory, tmp_path: Path) -> None:
    terminal_id = fleet.new_terminal("TC200-E0002")
    code = fleet.enrollment_code(terminal_id)
    make_agent("TC200-E0002").enroll(code)

    with pytest.raises(Rejected) as used:
        make_agent("TC200-E0002", state_dir=tmp_path / "again").enroll(code)
    assert (used.value.status, used.value.code) == (409, "enrollment_code_used")
    with pytest.raises(Rejected) as wrong:
        make_agent("TC200-E0002", state_dir=tmp_path / "wrong").enroll("AAAA-BBBB-CCCC")
    assert wrong.value.status == 401


def test_events_survive_an_outage_and_a_restart_and_arrive_once(
    fleet: Fleet, service: LiveService, make_agent: AgentFactory, enrolled
) -> None:
    agent, terminal_id = enrolled
    agent.run_once()
    service.stop()

    agent.device.behaviour.error_message = "プリンタ紙切れ"
    for n in range(3):
        agent.buffer.append(new_event("warning", "offline_note", f"offline {n}"))
        assert agent.run_once() < 1  # backoff, not the 300 s interval
    buffered = agent.buffer.peek(100)
    assert [e.kind for e in buffered] == ["offline_note", "device_error", "offline_note", "offline_note"]
    agent.close()  # the store PC restarts while the server is still away

    restarted = make_agent("TC200-A0001")  # and the terminal came back healthy
    assert restarted.buffer.peek(100) == buffered
    service.start()
    assert restarted.run_once() == 300

    assert len(restarted.buffer) == 0
    delivered = [e for e in fleet.events(terminal_id) if e["kind"] in ("offline_note", "device_error")]
    assert sorted(e["message"] for e in delivered) == sorted(e.message for e in buffered)

    for event in buffered:  # the acknowledgement got lost: the same events go out again
        restarted.buffer.append(event)
    restarted.run_once()
    again = [e for e in fleet.events(terminal_id) if e["kind"] in ("offline_note", "device_error")]
    assert len(again) == len(buffered)


def _release(fleet: Fleet, version: str, size: int = 300_000) -> dict:
    data = bytes((i * 7 + len(version)) % 251 for i in range(size))
    return fleet.upload_release(version, data)


def test_firmware_update_downloads_verifies_installs_and_reports(fleet: Fleet, enrolled) -> None:
    agent, terminal_id = enrolled
    agent.run_once()
    release = _release(fleet, "2.0.0")
    fleet.roll_out(release["id"], terminal_id)

    agent.run_once()

    assert agent.device.firmware_version() == "2.0.0"
    assert agent.device.installed_images == [release["sha256"]]
    command = next(iter(fleet.commands(terminal_id).values()))
    assert (command["type"], command["state"], command["progress"]) == ("firmware_update", "succeeded", 100)
    assert not list(agent.config.firmware_dir.glob("*"))
    agent.run_once()
    assert fleet.terminal(terminal_id)["firmware_version"] == "2.0.0"
    assert any(e["kind"] == "command_succeeded" for e in fleet.events(terminal_id))


def test_firmware_with_a_wrong_sha256_is_never_installed(fleet: Fleet, enrolled) -> None:
    agent, terminal_id = enrolled
    agent.run_once()
    release = _release(fleet, "2.1.0")
    stored = firmware_path(FirmwareRelease(sha256=release["sha256"]))
    stored.write_bytes(b"\x00" * release["size"])  # same size, different bytes: tampered in storage or transit
    fleet.roll_out(release["id"], terminal_id)

    agent.run_once()

    assert agent.device.installed_images == []
    assert agent.device.firmware_version() == "1.0.0"
    command = next(iter(fleet.commands(terminal_id).values()))
    assert (command["state"], command["status"]) == ("failed", "failed")
    assert "sha256" in command["message"] and "インストールしません" in command["message"]
    assert not list(agent.config.firmware_dir.glob("*"))
    assert not any("install start" in line for line in agent.device.recent_logs(50))


def test_failing_install_is_reported_as_failed(fleet: Fleet, enrolled) -> None:
    agent, terminal_id = enrolled
    agent.device.behaviour.fail_install = "フラッシュ書き込みエラー"
    release = _release(fleet, "2.2.0")
    fleet.roll_out(release["id"], terminal_id)

    agent.run_once()

    command = next(iter(fleet.commands(terminal_id).values()))
    assert command["state"] == "failed" and "フラッシュ書き込みエラー" in command["message"]
    assert agent.device.firmware_version() == "1.0.0"


def test_set_interval_is_followed_and_survives_a_restart(fleet: Fleet, enrolled, make_agent: AgentFactory) -> None:
    agent, terminal_id = enrolled
    fleet.call("POST", f"/terminals/{terminal_id}/interval", 201, json={"interval_seconds": 60})

    assert agent.run_once() == 60

    command = next(iter(fleet.commands(terminal_id).values()))
    assert (command["type"], command["state"]) == ("set_interval", "succeeded")
    agent.close()
    assert make_agent("TC200-A0001").interval == 60


def test_diagnostics_upload_recent_agent_and_terminal_logs(fleet: Fleet, enrolled) -> None:
    agent, terminal_id = enrolled
    log_path = agent.config.log_path
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log_path.with_name("agent.log.1").write_text("".join(f"old line {i}\n" for i in range(30)))
    log_path.write_text("new line 1\nnew line 2\n")
    fleet.call("POST", f"/terminals/{terminal_id}/diagnostics", 201, json={"max_lines": 10})

    agent.run_once()

    [diagnostic] = fleet.call("GET", f"/terminals/{terminal_id}/diagnostics")
    lines = diagnostic["lines"]
    assert lines[:5] == [
        "agent | old line 27",
        "agent | old line 28",
        "agent | old line 29",
        "agent | new line 1",
        "agent | new line 2",
    ]
    assert lines[5].startswith("device | ") and "boot firmware=1.0.0" in lines[5]
    command = next(iter(fleet.commands(terminal_id).values()))
    assert (command["status"], command["state"]) == ("done", "succeeded")
    assert agent.store.state.commands[str(command["id"])]["reported"]


def test_revoked_token_stops_heartbeats_until_enrolled_again(
    fleet: Fleet, enrolled, make_agent: AgentFactory, caplog
) -> None:
    agent, terminal_id = enrolled
    agent.run_once()
    fleet.call("POST", f"/terminals/{terminal_id}/revoke-token", 204)
    caplog.set_level(logging.ERROR, logger="agent")

    assert agent.run_once() == ENROLMENT_POLL_SECONDS
    assert "revoked" in caplog.text and "python -m agent enroll --code" in caplog.text
    assert not agent.config.token_path.exists()
    beats = fleet.heartbeats(terminal_id)
    agent.run_once()
    assert fleet.heartbeats(terminal_id) == beats

    cli = make_agent("TC200-A0001")  # `python -m agent enroll --code ...` run beside the service
    cli.enroll(fleet.enrollment_code(terminal_id))
    assert agent.run_once() == 300
    assert fleet.heartbeats(terminal_id) == beats + 1


def test_token_rotation_retires_the_old_token(fleet: Fleet, enrolled, make_agent: AgentFactory) -> None:
    agent, terminal_id = enrolled
    old = agent.store.token()

    agent.rotate_token()

    assert agent.store.token() != old
    assert agent.run_once() == 300
    stale = make_agent("TC200-A0001", state_dir=agent.config.state_dir.parent / "stale")
    stale.store.store_token(old)
    assert stale.run_once() == ENROLMENT_POLL_SECONDS


def test_token_is_rotated_when_due(fleet: Fleet, make_agent: AgentFactory) -> None:
    terminal_id = fleet.new_terminal("TC200-R0001")
    agent = make_agent("TC200-R0001", token_rotate_days=30)
    agent.enroll(fleet.enrollment_code(terminal_id))
    first = agent.store.token()
    assert agent.run_once() == 300 and agent.store.token() == first

    agent.store.state.token_issued_at = (datetime.now(UTC) - timedelta(days=31)).isoformat()
    agent.run_once()

    assert agent.store.token() != first
    assert agent.store.token_age_days(datetime.now(UTC)) < 1
    assert agent.run_once() == 300


def test_full_buffer_reports_how_many_events_it_dropped(fleet: Fleet, make_agent: AgentFactory) -> None:
    terminal_id = fleet.new_terminal("TC200-B0001")
    agent = make_agent("TC200-B0001", buffer_max_events=4)
    agent.enroll(fleet.enrollment_code(terminal_id))
    agent.buffer.acknowledge(agent.buffer.peek(10))
    for n in range(6):
        agent.buffer.append(new_event("info", "tick", f"tick {n}"))

    agent.run_once()

    events = fleet.events(terminal_id)
    assert sorted(e["message"] for e in events if e["kind"] == "tick") == ["tick 3", "tick 4", "tick 5"]
    [dropped] = [e for e in events if e["kind"] == "events_dropped"]
    assert dropped["level"] == "warning" and "2 件" in dropped["message"]
