"""A picture's kind and size from its header alone (Pillow's open decodes nothing), so its pixels are bounded before a
child process decodes it whole."""

import io

JPEG, PNG, HEIF = "image/jpeg", "image/png", "image/heif"
# (first bytes, content type, extension, Pillow's format)
PICTURES = (
    (b"\xff\xd8\xff", JPEG, "jpg", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", PNG, "png", "PNG"),
)
# HEIC/HEIF: an ISO base media file whose first box (its length, then "ftyp") names a HEIF brand
HEIF_KIND = (HEIF, "heic", "HEIF")
HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1", b"msf1"}


class UnreadableHeader(ValueError):
    """Corrupt or cut short."""


class NotItsFormat(ValueError):
    """The header is another format's than the first bytes say."""


def picture_kind(data: bytes) -> tuple[str, str, str] | None:
    """None for anything but JPEG, PNG, HEIC/HEIF."""
    if data[4:8] == b"ftyp" and data[8:12] in HEIF_BRANDS:
        return HEIF_KIND
    return next((entry[1:] for entry in PICTURES if data.startswith(entry[0])), None)


def picture_size(data: bytes, pil_format: str) -> tuple[int, int]:
    """Nothing decoded. Pillow, with the HEIF opener thumbnails.py registers, is imported by the first upload."""
    from PIL import Image

    from service.pictures.thumbnails import DECODE_ERRORS

    try:
        with Image.open(io.BytesIO(data)) as picture:
            if picture.format != pil_format:
                raise NotItsFormat(picture.format)
            return picture.size
    except DECODE_ERRORS as exc:
        if isinstance(exc, NotItsFormat):
            raise
        raise UnreadableHeader(str(exc)) from exc
