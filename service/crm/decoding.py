"""Decoding statement pictures in a child process, so that the memory a decode takes is given back when it exits.

The API process only reads a picture's header (Pillow's open decodes nothing); the full decode that proves a picture
whole, and the thumbnail made from it, run in a child: a fresh process per upload (max_tasks_per_child=1), forked
from a server that has loaded this module and Pillow only. At most DECODERS children run at once per API process, so
concurrent uploads queue for them instead of adding up their memory.
"""

import io
import logging
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import lru_cache

from PIL import Image, ImageOps, UnidentifiedImageError

log = logging.getLogger("daicho.crm.decoding")

DECODERS = 2
DECODE_ERRORS = (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError)


def thumbnail_of(picture: Image.Image, size: int) -> bytes:
    """A JPEG of the picture, turned as its EXIF says, whose longest side is `size`."""
    thumbnail = ImageOps.exif_transpose(picture).convert("RGB")
    thumbnail.thumbnail((size, size))
    out = io.BytesIO()
    thumbnail.save(out, "JPEG", quality=80)
    return out.getvalue()


def decode_whole(data: bytes, size: int) -> bytes | None:
    """Decode every pixel; the picture's thumbnail, or None when it is corrupt or cut short."""
    try:
        with Image.open(io.BytesIO(data)) as picture:
            picture.load()
            return thumbnail_of(picture, size)
    except DECODE_ERRORS:
        return None


def _decode_all(pictures: list[bytes], size: int) -> tuple[int, list[bytes | None]]:
    """What the child runs: each picture's thumbnail (None: corrupt), and the child's process id."""
    return os.getpid(), [decode_whole(data, size) for data in pictures]


@lru_cache
def pool() -> ProcessPoolExecutor:
    """The API process's decoders, started on the first upload."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    # One task per child, never more: with several, Python 3.11 (and later, until cpython gh-115634 was fixed) can
    # leave queued work without a child when one exits at its limit; with one, every finished task spawns its successor.
    return ProcessPoolExecutor(DECODERS, mp_context=context, max_tasks_per_child=1)


def decode_in_child(pictures: list[bytes], *, size: int) -> list[bytes | None]:
    """Each picture's thumbnail (None where it is corrupt), decoded in a child process that exits afterwards."""
    try:
        pid, thumbnails = pool().submit(_decode_all, pictures, size).result()
    except BrokenProcessPool:
        pool.cache_clear()  # a child died (killed for its memory, say): the next upload gets a new pool
        raise
    log.info("decoded %d pictures in child process %d", len(pictures), pid)
    return thumbnails
