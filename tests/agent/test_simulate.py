"""The simulator against the live service: enrolment from a CSV, an admin login or saved tokens; stopping it."""

import asyncio
import json
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from agent.simulate import SimOptions, simulate
from service.config import REPO_ROOT
from service.database import session_scope
from tests.agent.conftest import Fleet, LiveService
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.support.waiting import wait_until


def _terminals_by_serial(fleet: Fleet) -> dict[str, dict]:
    return {t["serial_number"]: t for t in fleet.call("GET", "/terminals", params={"page_size": 100})["items"]}


def test_codes_from_csv_then_saved_tokens_and_a_command(fleet: Fleet, service: LiveService, tmp_path: Path) -> None:
    serials = [f"TC200-S{n:04d}" for n in range(3)]
    rows = ["serial,code"] + [f"{s},{fleet.enrollment_code(fleet.new_terminal(s))}" for s in serials]
    (tmp_path / "codes.csv").write_text("\n".join(rows) + "\n")
    options = SimOptions(
        server=service.url,
        terminals=3,
        interval=0.2,
        duration=1.5,
        seed=1,
        enroll_from=tmp_path / "codes.csv",
        state_file=tmp_path / "sim.json",
        work_dir=tmp_path / "w",
    )

    first = asyncio.run(simulate(options))

    assert (first["terminals"], first["enrolled"], first["heartbeats_failed"]) == (3, 3, 0)
    assert first["heartbeats_ok"] >= 3 and first["latency_ms"]["p50"] is not None
    terminals = _terminals_by_serial(fleet)
    assert all(terminals[s]["status"] == "online" and terminals[s]["last_heartbeat_at"] for s in serials)
    assert set(json.loads((tmp_path / "sim.json").read_text())["terminals"]) == set(serials)

    target = terminals[serials[0]]["id"]
    fleet.call("POST", f"/terminals/{target}/diagnostics", 201, json={"max_lines": 5})
    second = asyncio.run(
        simulate(
            SimOptions(
                server=service.url,
                terminals=3,
                interval=0.2,
                duration=1.5,
                seed=2,
                state_file=tmp_path / "sim.json",
                work_dir=tmp_path / "w",
            )
        )
    )

    assert (second["reused_tokens"], second["enrolled"], second["heartbeats_failed"]) == (3, 0, 0)
    assert second["commands"] == {"collect_diagnostics": 1}
    [diagnostic] = fleet.call("GET", f"/terminals/{target}/diagnostics")
    assert any("boot firmware=1.0.0" in line for line in diagnostic["lines"])


def test_admin_login_creates_terminals_and_codes(fleet: Fleet, service: LiveService, tmp_path: Path) -> None:
    with session_scope() as db:
        make_user(db, "sim-admin", grants={"fleet": "admin"})
    customer_id = fleet.new_customer("シミュレーション商事")
    options = SimOptions(
        server=service.url,
        terminals=2,
        interval=0.2,
        duration=1.0,
        seed=3,
        error_rate=1.0,
        admin_login="sim-admin",
        admin_password=DEFAULT_PASSWORD,
        customer_id=customer_id,
        work_dir=tmp_path / "w",
    )

    summary = asyncio.run(simulate(options))

    assert (summary["enrolled"], summary["heartbeats_failed"]) == (2, 0)
    terminals = _terminals_by_serial(fleet)
    assert {"SIM-00001", "SIM-00002"} <= set(terminals)
    assert all(terminals[s]["enrolled"] for s in ("SIM-00001", "SIM-00002"))
    kinds = {e["kind"] for e in fleet.events(terminals["SIM-00001"]["id"])}
    assert {"agent_started", "device_error"} <= kinds


def test_a_customer_id_enrols_that_customers_terminals_and_makes_the_missing_ones(
    fleet: Fleet, service: LiveService, tmp_path: Path
) -> None:
    with session_scope() as db:
        make_user(db, "sim-admin", grants={"fleet": "admin"})
    for serial in ("SIM-00001", "TC200-O0001"):  # another customer's, free, and listed first (by company name)
        fleet.new_terminal(serial)
    customer_id = fleet.new_customer("ワカバ商事")
    own = {"serial_number": "TC200-W0001", "customer_id": customer_id, "store_name": "若葉店 レジ1番"}
    fleet.call("POST", "/terminals", 201, json=own)
    options = SimOptions(
        server=service.url,
        terminals=2,
        interval=0.2,
        duration=0.5,
        seed=4,
        admin_login="sim-admin",
        admin_password=DEFAULT_PASSWORD,
        customer_id=customer_id,
        work_dir=tmp_path / "w",
    )

    summary = asyncio.run(simulate(options))

    assert (summary["enrolled"], summary["failures"]) == (2, {})
    terminals = _terminals_by_serial(fleet)
    theirs = {serial: t for serial, t in terminals.items() if t["customer_id"] == customer_id}
    assert sorted(theirs) == ["SIM-00002", "TC200-W0001"], "its own terminal, then a new one of a serial not taken"
    assert all(t["enrolled"] for t in theirs.values())
    assert (theirs["SIM-00002"]["store_name"], theirs["SIM-00002"]["store"]) == (
        "シミュレーション1号店 レジ2番",
        "シミュレーション1号店",
    )
    assert not terminals["SIM-00001"]["enrolled"] and not terminals["TC200-O0001"]["enrolled"]


@pytest.mark.slow
def test_runs_until_sigterm_then_prints_its_summary(fleet: Fleet, service: LiveService, tmp_path: Path) -> None:
    terminal_id = fleet.new_terminal("TC200-S0100")
    (tmp_path / "codes.csv").write_text(f"TC200-S0100,{fleet.enrollment_code(terminal_id)}\n")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "agent.simulate",
            "--server",
            service.url,
            "--terminals",
            "1",
            "--interval",
            "0.2",
            "--duration",
            "0",
            "--enroll-from",
            str(tmp_path / "codes.csv"),
        ],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until(lambda: fleet.heartbeats(terminal_id) >= 2, timeout=30, message="heartbeats from the simulator")
        process.send_signal(signal.SIGTERM)
        out, _ = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()

    assert process.returncode == 0
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["terminals"] == 1 and summary["heartbeats_ok"] >= 2


def test_enrolment_is_asked_again_while_the_server_is_away(
    fleet: Fleet, service: LiveService, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    serial = "TC200-R0001"
    (tmp_path / "codes.csv").write_text(f"serial,code\n{serial},{fleet.enrollment_code(fleet.new_terminal(serial))}\n")
    options = SimOptions(
        server=service.url,
        terminals=1,
        interval=0.2,
        duration=0.5,
        seed=4,
        enroll_from=tmp_path / "codes.csv",
        work_dir=tmp_path / "w",
    )
    service.stop()
    with ThreadPoolExecutor(max_workers=1) as pool:
        running = pool.submit(asyncio.run, simulate(options))
        wait_until(lambda: "asking again" in caplog.text, timeout=30, message="a second enrolment attempt announced")
        service.start()
        summary = running.result(timeout=60)
    assert (summary["enrolled"], summary["heartbeats_failed"]) == (1, 0) and summary["heartbeats_ok"] >= 1
    assert _terminals_by_serial(fleet)[serial]["status"] == "online"
