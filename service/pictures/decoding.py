"""Decoding uploaded pictures in a child process, so the memory a decode takes is given back when it exits. At most
DECODERS children run at once per API process: concurrent uploads queue instead of adding up their memory."""

import io
import logging
import struct
import subprocess
import sys
import threading
from pathlib import Path

from service.errors import ServiceUnavailable
from service.pictures import thumbnails

log = logging.getLogger("daicho.pictures.decoding")

DECODERS = 2
DECODER_FAILED = "画像を処理できませんでした。しばらくしてから再度お試しください"
SERVICE_ROOT = Path(__file__).resolve().parents[2]  # where `python -m service.pictures.thumbnails` finds the package
CHILD = (sys.executable, "-m", thumbnails.__name__)
_decoders = threading.BoundedSemaphore(DECODERS)


def decode_in_child(pictures: list[bytes], *, size: int) -> list[tuple[bytes | None, bytes | None]]:
    """None for a corrupt picture's thumbnail; a JPEG conversion only for HEIC/HEIF; 503 when the child fails (killed
    for its memory, say)."""
    with _decoders:
        child = subprocess.Popen(
            [*CHILD, str(size)],
            cwd=SERVICE_ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        answer, errors = child.communicate(thumbnails.framed(list(pictures)))
    try:
        if child.returncode != 0:
            raise ValueError(f"exit status {child.returncode}: {errors.decode(errors='replace')[-500:]}")
        parts = list(thumbnails.unframed(io.BytesIO(answer)))
        if len(parts) != 2 * len(pictures):
            raise ValueError(f"{len(parts)} parts for {len(pictures)} pictures")
    except (ValueError, struct.error) as exc:
        log.error("picture decoder failed: %s", exc)
        raise ServiceUnavailable(DECODER_FAILED, code="decoder_failed") from None
    log.info("decoded %d pictures in child process %d", len(pictures), child.pid)
    return list(zip(parts[::2], parts[1::2], strict=True))
