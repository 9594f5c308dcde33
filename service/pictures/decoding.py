"""Decoding uploaded pictures in a child process, so the memory a decode takes is given back when it exits. At most
DECODERS children run at once per API process: concurrent uploads queue instead of adding up their memory.

Each child is forked by the decoder (decoder.py) its API process started on its first upload, again once it died and
anew in a worker forked after it started: a child costs a fork, not an interpreter's start and Pillow's imports (a
quarter of a second per upload on a small machine). The decoder is a command of its own: the children of a
multiprocessing fork server first run the API's main module, under Streamlit's AppTest a script that cannot run
alone. It runs in a session of its own, so a Ctrl-C or a signal to the API's process group leaves it to finish the
uploads in flight; it exits once the API process is gone."""

import logging
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
from contextlib import suppress
from pathlib import Path

from service.errors import ServiceUnavailable
from service.pictures import decoder, thumbnails

log = logging.getLogger("daicho.pictures.decoding")

DECODERS = 2
STALLED_SECONDS = 60  # a child that sends nothing for this long is killed and its upload answered 503
DECODER_FAILED = "画像を処理できませんでした。しばらくしてから再度お試しください"
SERVICE_ROOT = Path(__file__).resolve().parents[2]  # where `python -m service.pictures.decoder` finds the package
SERVER = (sys.executable, "-m", decoder.__name__)
_decoders = threading.BoundedSemaphore(DECODERS)


class DecoderProcess:
    """The decoder this API process started."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.popen: subprocess.Popen[bytes] | None = None
        self._started_by = 0  # the pid of the API process that started it
        self._socket_path = ""

    def socket_path(self) -> str:
        """Where it listens, started if need be; OSError when it cannot start."""
        with self._lock:
            if not self._running_for_this_process():
                self._start()
            return self._socket_path

    def _running_for_this_process(self) -> bool:
        """One started before this process was forked from its starter is the starter's: not polled, not used."""
        return self._started_by == os.getpid() and self.popen is not None and self.popen.poll() is None

    def _start(self) -> None:
        if self._started_by == os.getpid():
            decoder.remove(self._socket_path)
        process = subprocess.Popen(
            [*SERVER, str(os.getpid())],
            cwd=SERVICE_ROOT,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            start_new_session=True,
        )
        assert process.stdout is not None  # opened with PIPE
        with process.stdout:
            listening = process.stdout.readline().decode().rstrip("\n")
        if not listening:
            raise OSError(f"the picture decoder exited with status {process.wait()} before listening")
        self.popen, self._started_by, self._socket_path = process, os.getpid(), listening
        log.info("started the picture decoder, process %d", process.pid)


decoder_process = DecoderProcess()


def decode_in_child(pictures: list[bytes], *, size: int) -> list[tuple[bytes | None, bytes | None]]:
    """None for a corrupt picture's thumbnail; a JPEG conversion only for HEIC/HEIF; 503 when the child fails (killed
    for its memory, say) or the decoder cannot be started or reached."""
    with _decoders:
        try:
            child, parts = _exchange(thumbnails.FRAME.pack(size) + thumbnails.framed(list(pictures)))
            if len(parts) != 2 * len(pictures):
                raise ValueError(f"{len(parts)} parts for {len(pictures)} pictures")
        except (OSError, ValueError, struct.error) as exc:
            log.error("picture decoder failed: %s", exc)
            raise ServiceUnavailable(DECODER_FAILED, code="decoder_failed") from None
    log.info("decoded %d pictures in child process %d", len(pictures), child)
    return list(zip(parts[::2], parts[1::2], strict=True))


def _exchange(request: bytes) -> tuple[int, list[bytes | None]]:
    """The pid of the child that answered, and its answer's parts; TimeoutError (the child killed) when it is silent
    for STALLED_SECONDS, so a picture that keeps a child busy never holds a decoding slot for good."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.settimeout(STALLED_SECONDS)
        connection.connect(decoder_process.socket_path())
        with connection.makefile("rb") as answer:
            child = thumbnails.read_number(answer)
            try:
                connection.sendall(request)
                return child, list(thumbnails.unframed(answer))
            except TimeoutError:
                with suppress(ProcessLookupError):
                    os.kill(child, signal.SIGKILL)
                raise
