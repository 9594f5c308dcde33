"""The picture decoder's child process: `python -m service.pictures.thumbnails SIZE`. Answers are framed by length, no
pickle: the child handles untrusted pictures. It imports Pillow (with pillow-heif) and nothing of the service's."""

import io
import struct
import sys
from collections.abc import Iterator
from typing import BinaryIO

import pillow_heif
from PIL import Image, ImageOps, UnidentifiedImageError

DECODE_ERRORS = (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError)
FRAME = struct.Struct(">I")
CORRUPT = 0xFFFFFFFF  # the frame length that stands for "no thumbnail: the picture is corrupt" (or "not converted")
SHOWN = {"JPEG", "PNG"}  # the formats a browser shows as they are; any other picture is stored as a JPEG
CONVERTED_QUALITY = 90

pillow_heif.register_heif_opener()


def _upright(picture: Image.Image) -> Image.Image:
    return ImageOps.exif_transpose(picture).convert("RGB")


def _jpeg(picture: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=quality)
    return out.getvalue()


def thumbnail_of(picture: Image.Image, size: int) -> bytes:
    thumbnail = _upright(picture)
    thumbnail.thumbnail((size, size))
    return _jpeg(thumbnail, 80)


def decode_whole(data: bytes, size: int) -> tuple[bytes | None, bytes | None]:
    try:
        with Image.open(io.BytesIO(data)) as picture:
            picture.load()
            converted = None if picture.format in SHOWN else _jpeg(_upright(picture), CONVERTED_QUALITY)
            return thumbnail_of(picture, size), converted
    except DECODE_ERRORS:
        return None, None


def framed(items: list[bytes | None]) -> bytes:
    parts = [FRAME.pack(len(items))]
    for item in items:
        parts.append(FRAME.pack(CORRUPT if item is None else len(item)) + (item or b""))
    return b"".join(parts)


def unframed(stream: BinaryIO) -> Iterator[bytes | None]:
    """ValueError when it is cut short."""
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
    size = int(sys.argv[1])
    pictures = list(unframed(sys.stdin.buffer))
    decoded = [(None, None) if data is None else decode_whole(data, size) for data in pictures]
    sys.stdout.buffer.write(framed([part for pair in decoded for part in pair]))


if __name__ == "__main__":
    main()
