"""The picture decoder's child process: `python -m service.pictures.thumbnails SIZE` reads pictures from its standard
input and writes, for each, its thumbnail and the picture as a JPEG when browsers cannot show its own format (an
iPhone's HEIC/HEIF), each framed by its length (no pickle: the child handles untrusted pictures, so its answer is read
as plain bytes). It imports Pillow (with pillow-heif's opener) and nothing of the service's.
"""

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
    """The picture turned as its EXIF says, in RGB."""
    return ImageOps.exif_transpose(picture).convert("RGB")


def _jpeg(picture: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=quality)
    return out.getvalue()


def thumbnail_of(picture: Image.Image, size: int) -> bytes:
    """A JPEG of the picture, turned as its EXIF says, whose longest side is `size`."""
    thumbnail = _upright(picture)
    thumbnail.thumbnail((size, size))
    return _jpeg(thumbnail, 80)


def decode_whole(data: bytes, size: int) -> tuple[bytes | None, bytes | None]:
    """Decode every pixel: the picture's thumbnail (None when it is corrupt or cut short), and the whole picture as a
    JPEG, turned as its EXIF says, when its own format is not one browsers show (else None)."""
    try:
        with Image.open(io.BytesIO(data)) as picture:
            picture.load()
            converted = None if picture.format in SHOWN else _jpeg(_upright(picture), CONVERTED_QUALITY)
            return thumbnail_of(picture, size), converted
    except DECODE_ERRORS:
        return None, None


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
    """Pictures in on standard input; out on standard output, for each, its thumbnail and its conversion."""
    size = int(sys.argv[1])
    pictures = list(unframed(sys.stdin.buffer))
    decoded = [(None, None) if data is None else decode_whole(data, size) for data in pictures]
    sys.stdout.buffer.write(framed([part for pair in decoded for part in pair]))


if __name__ == "__main__":
    main()
