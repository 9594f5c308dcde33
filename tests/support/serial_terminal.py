"""The terminal's side of the agent's serial line protocol (agent/device.py), answering from any TC200Device: a
simulated TC-200 behind a real pty for SerialTC200's tests."""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from agent.device import DeviceError, TC200Device


@dataclass
class SerialResponder:
    """Answers the agent's requests on `stream` from `device` until the line closes."""

    device: TC200Device
    stream: BinaryIO
    work_dir: Path
    _handlers: dict[str, Callable[[list[str]], None]] = field(init=False)

    def __post_init__(self) -> None:
        self._handlers = {
            "SERIAL": self._serial,
            "VERSION": self._version,
            "STATUS": self._status,
            "LOGS": self._logs,
            "INSTALL": self._install,
            "RESTART": self._restart,
        }

    def _write(self, line: str) -> None:
        self.stream.write((line + "\n").encode())
        self.stream.flush()

    def serve(self) -> None:
        """Answer requests until the line closes."""
        try:
            while raw := self.stream.readline():
                self._answer(raw)
        except OSError:
            return  # the other end hung up (a pty reports EIO)

    def _answer(self, raw: bytes) -> None:
        words = raw.decode("utf-8", errors="replace").strip().split(" ")
        handler = self._handlers.get(words[0])
        try:
            if handler is None:
                raise DeviceError(f"unknown request {words[0]!r}")
            handler(words[1:])
        except (DeviceError, ValueError, IndexError) as exc:
            self._write(f"ERR {exc}")

    def _serial(self, _: list[str]) -> None:
        self._write(f"OK {self.device.serial_number()}")

    def _version(self, _: list[str]) -> None:
        self._write(f"OK {self.device.firmware_version()}")

    def _status(self, _: list[str]) -> None:
        status = self.device.read_status()
        self._write("OK ONLINE" if status.state == "online" else f"OK ERROR {status.error_message or ''}".rstrip())

    def _logs(self, args: list[str]) -> None:
        lines = self.device.recent_logs(int(args[0]))
        self._write(f"OK {len(lines)}")
        for line in lines:
            self._write(line)

    def _install(self, args: list[str]) -> None:
        size, digest, version = int(args[0]), args[1], args[2]
        self._write("READY")
        image = self._read_exactly(size)
        if hashlib.sha256(image).hexdigest() != digest:
            raise DeviceError("image checksum mismatch")
        path = self.work_dir / f"image-{digest[:16]}.bin"
        path.write_bytes(image)
        try:
            self.device.install_firmware(path, version, lambda pct: self._write(f"PROGRESS {pct}"))
        finally:
            path.unlink(missing_ok=True)
        self._write(f"OK {self.device.firmware_version()}")

    def _restart(self, _: list[str]) -> None:
        self.device.restart_app()
        self._write(f"OK {self.device.firmware_version()}")

    def _read_exactly(self, size: int) -> bytes:
        data = bytearray()
        while len(data) < size:
            chunk = self.stream.read(size - len(data))
            if not chunk:
                raise DeviceError("image truncated")
            data += chunk
        return bytes(data)
