"""The TC-200 as the agent sees it: one interface, a serial/USB driver and a simulated terminal.

The real TC-200 wire protocol is not part of the specification we were given, so SerialTC200 speaks a small,
documented line protocol of our own (below). Swapping in the vendor protocol means writing one more
TC200Device subclass; nothing else in the agent changes.

Serial line protocol (UTF-8, one request at a time, every line ends with "\\n"):

    request                               response
    SERIAL                                OK <serial number>
    VERSION                               OK <firmware version>
    STATUS                                OK ONLINE   |   OK ERROR <message>
    LOGS <n>                              OK <count>, then <count> log lines
    INSTALL <size> <sha256> <version>     READY, then the agent writes <size> raw bytes; the terminal answers
                                          PROGRESS <0-100> lines and finally OK <version>
    RESTART                               OK <firmware version>, once its payment application, restarted, takes
                                          payments again (the line and the store PC stay up)
    (any request that fails)              ERR <message>

The protocol gives no load figures of the terminal itself: the cpu/memory/disk a heartbeat carries are the store PC's
(HostLoad, from psutil), and the service labels them so (店舗PC CPU使用率, 店舗PCメモリ使用率). A driver whose terminal
reports its own load would send it as fields of its own, never in place of the PC's.
"""

import hashlib
import logging
import random
import threading
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from agent.config import AgentConfig

log = logging.getLogger("agent.device")

ProgressCallback = Callable[[int], None]
CHUNK_BYTES = 64 * 1024


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file, read in chunks (firmware images can be large)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


class DeviceError(Exception):
    """The terminal could not be reached or refused the request."""


@dataclass(frozen=True)
class HostLoad:
    """cpu/memory/disk use of the store PC, each 0-100."""

    cpu: float
    memory: float
    disk: float


@dataclass(frozen=True)
class DeviceStatus:
    state: Literal["online", "error"]
    error_message: str | None = None
    # A simulated store stands in for the whole PC and reports its load; a real terminal leaves it to psutil.
    load: HostLoad | None = None


class TC200Device(ABC):
    """What the agent needs from a TC-200."""

    @abstractmethod
    def serial_number(self) -> str: ...

    @abstractmethod
    def firmware_version(self) -> str: ...

    @abstractmethod
    def read_status(self) -> DeviceStatus: ...

    @abstractmethod
    def install_firmware(self, path: Path, version: str, progress: ProgressCallback) -> None:
        """Install an already verified image; progress(0-100) as it goes; DeviceError when the terminal refuses."""

    @abstractmethod
    def recent_logs(self, n: int) -> list[str]: ...

    @abstractmethod
    def restart_app(self) -> None:
        """Restart the payment application (再起動) and return once it runs again; DeviceError when the terminal
        refuses or does not come back in time."""

    def close(self) -> None:  # noqa: B027 - optional hook: only drivers holding a port override it
        """Release the port, if any."""


@dataclass
class SimulatedBehaviour:
    """Knobs for demos and tests: an error state, a busy PC, installs or restarts that fail, and the error a restart
    leaves (none: it clears the one reported before)."""

    error_message: str | None = None
    high_cpu: bool = False
    fail_install: str | None = None
    report_load: bool = False
    fail_restart: str | None = None
    error_after_restart: str | None = None


class SimulatedTC200(TC200Device):
    """A TC-200 in memory, with a log of what happened to it."""

    def __init__(
        self,
        serial_number: str,
        firmware_version: str = "1.0.0",
        behaviour: SimulatedBehaviour | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self._serial = serial_number
        self._version = firmware_version
        self.behaviour = behaviour or SimulatedBehaviour()
        self._rng = rng or random.Random()
        self._log: deque[str] = deque(maxlen=1000)
        self.installed_images: list[str] = []
        self.restarts = 0
        self._note(f"boot firmware={firmware_version}")

    def _note(self, line: str) -> None:
        self._log.append(f"{datetime.now(UTC).isoformat(timespec='seconds')} {line}")

    def serial_number(self) -> str:
        return self._serial

    def firmware_version(self) -> str:
        return self._version

    def read_status(self) -> DeviceStatus:
        b = self.behaviour
        load = self._load() if (b.report_load or b.high_cpu) else None
        if b.error_message:
            return DeviceStatus("error", b.error_message, load)
        return DeviceStatus("online", None, load)

    def _load(self) -> HostLoad:
        cpu = self._rng.uniform(91, 99) if self.behaviour.high_cpu else self._rng.uniform(3, 30)
        return HostLoad(
            cpu=round(cpu, 1), memory=round(self._rng.uniform(30, 60), 1), disk=round(self._rng.uniform(40, 70), 1)
        )

    def install_firmware(self, path: Path, version: str, progress: ProgressCallback) -> None:
        digest = sha256_of(path)
        self._note(f"install start version={version} sha256={digest[:12]}")
        for pct in (25, 50, 75):
            progress(pct)
        if self.behaviour.fail_install:
            self._note(f"install failed: {self.behaviour.fail_install}")
            raise DeviceError(self.behaviour.fail_install)
        self._version = version
        self.installed_images.append(digest)
        self._note(f"install done version={version}")
        progress(100)

    def recent_logs(self, n: int) -> list[str]:
        return list(self._log)[-n:] if n > 0 else []

    def restart_app(self) -> None:
        if self.behaviour.fail_restart:
            self._note(f"app restart refused: {self.behaviour.fail_restart}")
            raise DeviceError(self.behaviour.fail_restart)
        self.restarts += 1
        self.behaviour.error_message = self.behaviour.error_after_restart
        self._note("app restarted")


class SerialTC200(TC200Device):
    """A TC-200 on a serial/USB port (pyserial URL: /dev/ttyUSB0, COM3, socket://host:port, ...)."""

    def __init__(
        self,
        port: str,
        baudrate: int = 115200,
        timeout: float = 5.0,
        install_timeout: float = 600.0,
        restart_timeout: float = 120.0,  # within a 30 s terminal's offline threshold (2 × (30 + 60) s)
    ) -> None:
        import serial  # pyserial, imported here so a simulated agent does not load it

        try:
            self._port = serial.serial_for_url(port, baudrate=baudrate, timeout=timeout)
        except (serial.SerialException, ValueError) as exc:
            raise DeviceError(f"cannot open serial port {port}: {exc}") from None
        self._timeout = timeout
        self._install_timeout = install_timeout
        self._restart_timeout = restart_timeout
        self._lock = threading.Lock()

    def _send(self, line: str) -> None:
        self._port.write((line + "\n").encode())
        self._port.flush()

    def _read_line(self) -> str:
        raw = self._port.readline()
        if not raw.endswith(b"\n"):
            raise DeviceError("no answer from the terminal (timeout)")
        return raw.decode("utf-8", errors="replace").rstrip("\r\n")

    def _expect_ok(self) -> str:
        answer = self._read_line()
        if answer == "OK" or answer.startswith("OK "):
            return answer[3:]
        if answer.startswith("ERR"):
            raise DeviceError(answer[4:] or "terminal error")
        raise DeviceError(f"unexpected answer from the terminal: {answer[:80]!r}")

    def _request(self, line: str, wait: float | None = None) -> str:
        """One request and its OK answer, waited for `wait` seconds (the port's timeout unless given)."""
        with self._lock, self._patience(wait or self._timeout):
            self._port.reset_input_buffer()
            self._send(line)
            return self._expect_ok()

    def serial_number(self) -> str:
        return self._request("SERIAL")

    def firmware_version(self) -> str:
        return self._request("VERSION")

    def read_status(self) -> DeviceStatus:
        answer = self._request("STATUS")
        if answer == "ONLINE":
            return DeviceStatus("online")
        if answer.startswith("ERROR"):
            return DeviceStatus("error", answer[6:] or "terminal error")
        raise DeviceError(f"unexpected status from the terminal: {answer[:80]!r}")

    def recent_logs(self, n: int) -> list[str]:
        with self._lock:
            self._send(f"LOGS {int(n)}")
            count = _parse_int(self._expect_ok(), "log count")
            return [self._read_line() for _ in range(count)]

    def install_firmware(self, path: Path, version: str, progress: ProgressCallback) -> None:
        data_size = path.stat().st_size
        digest = sha256_of(path)
        with self._lock:
            self._send(f"INSTALL {data_size} {digest} {version}")
            if self._read_line() != "READY":
                raise DeviceError("the terminal did not accept the image")
            with path.open("rb") as image:
                while chunk := image.read(CHUNK_BYTES):
                    self._port.write(chunk)
            self._port.flush()
            with self._patience(self._install_timeout):
                self._follow_install(progress)

    def restart_app(self) -> None:
        self._request("RESTART", self._restart_timeout)

    @contextmanager
    def _patience(self, seconds: float) -> Iterator[None]:
        """A longer wait for the answer of work the terminal takes its time over."""
        self._port.timeout = seconds
        try:
            yield
        finally:
            self._port.timeout = self._timeout

    def _follow_install(self, progress: ProgressCallback) -> None:
        while True:
            answer = self._read_line()
            if not answer.startswith("PROGRESS "):
                break
            progress(_parse_int(answer[9:], "progress"))
        if answer.startswith("ERR"):
            raise DeviceError(answer[4:] or "install failed")
        if not answer.startswith("OK"):
            raise DeviceError(f"unexpected answer from the terminal: {answer[:80]!r}")
        progress(100)

    def close(self) -> None:
        self._port.close()


def _parse_int(text: str, what: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise DeviceError(f"bad {what} from the terminal: {text[:40]!r}") from None


def open_device(config: AgentConfig) -> TC200Device:
    """The terminal the configuration names."""
    if config.device == "simulated":
        return SimulatedTC200(config.simulated_serial_number, config.simulated_firmware_version)
    return SerialTC200(config.serial_port, config.serial_baudrate, config.serial_timeout_seconds)
