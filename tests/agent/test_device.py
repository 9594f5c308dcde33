"""The TC-200 device layer: the simulated terminal, and the serial driver over a real pty line."""

import hashlib
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.device import DeviceError, SerialTC200, SimulatedBehaviour, SimulatedTC200
from tests.support.serial_terminal import SerialResponder


@pytest.fixture
def line(tmp_path: Path) -> Iterator[tuple[SerialTC200, SimulatedTC200]]:
    """A SerialTC200 on one end of a pty, a simulated terminal answering on the other."""
    master, slave = os.openpty()
    terminal = SimulatedTC200("TC200-0042", "1.0.0")
    responder = SerialResponder(terminal, os.fdopen(master, "r+b", buffering=0), tmp_path)
    thread = threading.Thread(target=responder.serve, daemon=True)
    thread.start()
    driver = SerialTC200(os.ttyname(slave), timeout=5.0)
    yield driver, terminal
    driver.close()
    os.close(slave)
    thread.join(timeout=5)


def test_serial_driver_reads_identity_status_and_logs(line) -> None:
    driver, terminal = line
    assert driver.serial_number() == "TC200-0042"
    assert driver.firmware_version() == "1.0.0"
    assert driver.read_status().state == "online"

    terminal.behaviour.error_message = "printer jam"
    status = driver.read_status()
    assert (status.state, status.error_message) == ("error", "printer jam")
    logs = driver.recent_logs(5)
    assert logs and "boot firmware=1.0.0" in logs[0]


def test_serial_driver_installs_an_image_and_reports_progress(line, tmp_path: Path) -> None:
    driver, terminal = line
    image = tmp_path / "fw.bin"
    image.write_bytes(os.urandom(200_000))
    seen: list[int] = []

    driver.install_firmware(image, "2.0.0", seen.append)

    assert driver.firmware_version() == "2.0.0"
    assert terminal.installed_images == [hashlib.sha256(image.read_bytes()).hexdigest()]
    assert seen[0] == 25 and seen[-1] == 100


def test_serial_driver_surfaces_a_refused_install(line, tmp_path: Path) -> None:
    driver, terminal = line
    terminal.behaviour.fail_install = "flash write error"
    image = tmp_path / "fw.bin"
    image.write_bytes(b"firmware")

    with pytest.raises(DeviceError, match="flash write error"):
        driver.install_firmware(image, "2.0.0", lambda pct: None)
    assert driver.firmware_version() == "1.0.0"


def test_serial_driver_restarts_the_payment_app_and_surfaces_a_refusal(line) -> None:
    driver, terminal = line
    terminal.behaviour.error_message = "app hung"

    driver.restart_app()

    assert terminal.restarts == 1
    assert driver.read_status().state == "online"
    terminal.behaviour.fail_restart = "payment in progress"
    with pytest.raises(DeviceError, match="payment in progress"):
        driver.restart_app()
    assert terminal.restarts == 1


def test_silent_terminal_is_a_device_error(tmp_path: Path) -> None:
    master, slave = os.openpty()
    driver = SerialTC200(os.ttyname(slave), timeout=0.2)
    try:
        with pytest.raises(DeviceError, match="no answer"):
            driver.read_status()
    finally:
        driver.close()
        os.close(slave)
        os.close(master)


def test_unopenable_port_is_a_device_error(tmp_path: Path) -> None:
    with pytest.raises(DeviceError, match="cannot open serial port"):
        SerialTC200(str(tmp_path / "ttyUSB9"))


def test_simulated_terminal_behaviour_knobs(tmp_path: Path) -> None:
    terminal = SimulatedTC200("TC200-1", behaviour=SimulatedBehaviour(high_cpu=True, fail_install="boom"))
    status = terminal.read_status()
    assert status.state == "online" and status.load is not None and status.load.cpu > 90
    image = tmp_path / "fw.bin"
    image.write_bytes(b"x")
    with pytest.raises(DeviceError, match="boom"):
        terminal.install_firmware(image, "9.9.9", lambda pct: None)
    assert terminal.firmware_version() == "1.0.0"
