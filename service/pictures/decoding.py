"""Decoding uploaded pictures in a child process, so that the memory a decode takes is given back when it exits.

The API process only reads a picture's header (Pillow's open decodes nothing); the full decode that proves a picture
whole, and the thumbnail made from it, run in a fresh child per upload (`thumbnails.py`). At most DECODERS children
run at once per API process, so concurrent uploads queue for them instead of adding up their memory.
"""

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
CHILD = (sys.executable, "-m", thumbnails.__name__)  # then the thumbnails' size
_decoders = threading.BoundedSemaphore(DECODERS)


def decode_in_child(pictures: list[bytes], *, size: int) -> list[tuple[bytes | None, bytes | None]]:
    """Each picture's thumbnail (None where it is corrupt) and its JPEG conversion (None unless its format is one
    browsers do not show: HEIC/HEIF), decoded in a child process that exits afterwards; 503 when the child fails
    (killed for its memory, say)."""
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
