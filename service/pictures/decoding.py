"""Decoding uploaded pictures in a child process, so the memory a decode takes is given back when it exits. At most
DECODERS children run at once per API process: concurrent uploads queue instead of adding up their memory.

Each child is forked by multiprocessing's fork server, started by the first decode with Pillow imported (and the
module the API was started as, which every child of it imports first): a child costs a fork, not an interpreter's
start and Pillow's import, a quarter of a second per upload on a small machine. It holds no connection or setting of
the API's. The pictures go to it, and its answer comes back, as framed bytes over a pipe: nothing it sends is
unpickled."""

import io
import logging
import multiprocessing
import struct
import sys
import threading
from multiprocessing.connection import Connection
from multiprocessing.context import BaseContext

from service.errors import ServiceUnavailable
from service.pictures import thumbnails

log = logging.getLogger("daicho.pictures.decoding")

DECODERS = 2
DECODER_FAILED = "画像を処理できませんでした。しばらくしてから再度お試しください"
CHILD_MAIN = thumbnails.answer  # what a child runs, given its end of the pipe and the thumbnails' size
_decoders = threading.BoundedSemaphore(DECODERS)


def _fork_server() -> BaseContext:
    """A forked child imports the parent's main module (`service.serve`) unless it is a package's `__main__`: imported
    once in the fork server instead of in every child."""
    context = multiprocessing.get_context("forkserver")
    main = getattr(getattr(sys.modules["__main__"], "__spec__", None), "name", None)
    imported_by_children = [main] if main and not main.endswith("__main__") else []
    context.set_forkserver_preload([thumbnails.__name__, *imported_by_children])
    return context


_children = _fork_server()


def decode_in_child(pictures: list[bytes], *, size: int) -> list[tuple[bytes | None, bytes | None]]:
    """None for a corrupt picture's thumbnail; a JPEG conversion only for HEIC/HEIF; 503 when the child fails (killed
    for its memory, say)."""
    with _decoders:
        ours, theirs = _children.Pipe()
        child = _children.Process(target=CHILD_MAIN, args=(theirs, size), daemon=True)
        child.start()
        theirs.close()
        answer = _exchange(ours, thumbnails.framed(list(pictures)))
        child.join()
    try:
        if child.exitcode != 0:
            raise ValueError(f"exit status {child.exitcode}")
        parts = list(thumbnails.unframed(io.BytesIO(answer)))
        if len(parts) != 2 * len(pictures):
            raise ValueError(f"{len(parts)} parts for {len(pictures)} pictures")
    except (ValueError, struct.error) as exc:
        log.error("picture decoder failed: %s", exc)
        raise ServiceUnavailable(DECODER_FAILED, code="decoder_failed") from None
    log.info("decoded %d pictures in child process %d", len(pictures), child.pid)
    return list(zip(parts[::2], parts[1::2], strict=True))


def _exchange(connection: Connection, request: bytes) -> bytes:
    """The child's answer; nothing when it died before giving one."""
    with connection:
        try:
            connection.send_bytes(request)
            return connection.recv_bytes()
        except (EOFError, OSError):
            return b""
