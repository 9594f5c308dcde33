"""What an uploaded picture is and how big, from its first bytes and its header alone: nothing is decoded here (Pillow's
open reads the header), so a picture's pixels are bounded before a child process decodes it whole (`decoding.py`)."""

import io

from PIL import Image, UnidentifiedImageError

JPEG, PNG, HEIF = "image/jpeg", "image/png", "image/heif"
# (first bytes, content type, extension, Pillow's format)
PICTURES = (
    (b"\xff\xd8\xff", JPEG, "jpg", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", PNG, "png", "PNG"),
)
# HEIC/HEIF: an ISO base media file whose first box (its length, then "ftyp") names a HEIF brand
HEIF_KIND = (HEIF, "heic", "HEIF")
HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1", b"msf1"}
HEADER_ERRORS = (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError)


class UnreadableHeader(ValueError):
    """The picture's header cannot be read (corrupt or cut short)."""


class NotItsFormat(ValueError):
    """The header is another format's than the picture's first bytes say."""


def picture_kind(data: bytes) -> tuple[str, str, str] | None:
    """A picture's content type, extension and Pillow format from its first bytes (JPEG, PNG, HEIC/HEIF); None for
    anything else."""
    if data[4:8] == b"ftyp" and data[8:12] in HEIF_BRANDS:
        return HEIF_KIND
    return next((entry[1:] for entry in PICTURES if data.startswith(entry[0])), None)


def picture_size(data: bytes, pil_format: str) -> tuple[int, int]:
    """Width and height from the header, nothing decoded (UnreadableHeader, NotItsFormat)."""
    try:
        with Image.open(io.BytesIO(data)) as picture:
            if picture.format != pil_format:
                raise NotItsFormat(picture.format)
            return picture.size
    except HEADER_ERRORS as exc:
        if isinstance(exc, NotItsFormat):
            raise
        raise UnreadableHeader(str(exc)) from exc
