"""What the picture decoder (decoder.py) makes of a picture, and the frames pictures and answers travel in between it
and the API: bytes framed by length, no pickle, as the decoder handles untrusted pictures. It imports Pillow (with
pillow-heif) and nothing of the service's."""

import io
import struct
from collections.abc import Iterator

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


def unframed(stream: io.BufferedIOBase) -> Iterator[bytes | None]:
    """ValueError when it is cut short."""
    for _ in range(read_number(stream)):
        length = read_number(stream)
        yield None if length == CORRUPT else _exactly(stream, length)


def read_number(stream: io.BufferedIOBase) -> int:
    """One written as `FRAME.pack(number)`; ValueError when it is cut short."""
    (number,) = FRAME.unpack(_exactly(stream, FRAME.size))
    return int(number)


def _exactly(stream: io.BufferedIOBase, size: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise ValueError("the frames are cut short")
    return data
