"""The picture decoder's child process: `python -m service.crm.thumbnails SIZE` reads pictures from its standard
input and writes their thumbnails to its standard output, each framed by its length (no pickle: the child handles
untrusted pictures, so its answer is read as plain bytes). It imports Pillow and nothing of the service's.
"""

import io
import struct
import sys
from collections.abc import Iterator
from typing import BinaryIO

from PIL import Image, ImageOps, UnidentifiedImageError

DECODE_ERRORS = (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError)
FRAME = struct.Struct(">I")
CORRUPT = 0xFFFFFFFF  # the frame length that stands for "no thumbnail: the picture is corrupt"


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


def framed(items: list[bytes | None]) -> bytes:
    """Each item behind its length (CORRUPT for None), after their count."""
    parts = [FRAME.pack(len(items))]
    for item in items:
        parts.append(FRAME.pack(CORRUPT if item is None else len(item)) + (item or b""))
    return b"".join(parts)


def unframed(stream: BinaryIO) -> Iterator[bytes | None]:
    """The items `framed` wrote, read back from a stream; ValueError when it is cut short."""
    (count,) = FRAME.unpack(_exactly(stream, FRAME.size))
    for _ in range(count):
        (length,) = FRAME.unpack(_exactly(stream, FRAME.size))
        yield None if length == CORRUPT else _exactly(stream, length)


def _exactly(stream: BinaryIO, size: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise ValueError("the decoder's answer is cut short")
    return data


def main() -> None:
    """Pictures in on standard input, their thumbnails out on standard output."""
    size = int(sys.argv[1])
    pictures = list(unframed(sys.stdin.buffer))
    sys.stdout.buffer.write(framed([None if data is None else decode_whole(data, size) for data in pictures]))


if __name__ == "__main__":
    main()
