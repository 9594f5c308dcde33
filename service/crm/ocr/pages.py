"""The page an engine reads: a picture turned upright by its EXIF orientation, or a PDF's first page rendered
(pypdfium2); then in grey, scaled to a reading size, straightened (deskew) and its contrast stretched (pillow).

Boxes the engine reports are in the pixels of this page, which is stored beside the image (`storage.store_page`)
so the operator is shown where each value was read.
"""

import io
import statistics

import pillow_heif
import pypdfium2
from PIL import Image, ImageOps

PDF = "application/pdf"
READING_SIDE = (1400, 2600)  # a page's longer side is brought within this (text about 30 px high on an A4 bill)
PDF_SCALE = 2.0  # 144 dpi
SKEW_LIMIT, SKEW_STEP, SKEW_FINE = 8.0, 0.5, 0.1  # degrees tried either way, coarse then fine
SKEW_PROBE = 600  # the width of the small copy the skew is measured on
INK = 140  # grey levels below this are ink when measuring the skew

pillow_heif.register_heif_opener()


def first_page(data: bytes, content_type: str) -> Image.Image:
    """The picture upright (EXIF), or the PDF's first page, in RGB."""
    if content_type == PDF:
        document = pypdfium2.PdfDocument(data)
        try:
            return document[0].render(scale=PDF_SCALE).to_pil().convert("RGB")
        finally:
            document.close()
    with Image.open(io.BytesIO(data)) as picture:
        return ImageOps.exif_transpose(picture).convert("RGB")


def _reading_size(picture: Image.Image) -> Image.Image:
    low, high = READING_SIDE
    side = max(picture.size)
    if low <= side <= high:
        return picture
    scale = (low if side < low else high) / side
    size = (round(picture.width * scale), round(picture.height * scale))
    return picture.resize(size, Image.Resampling.LANCZOS)


def _row_spread(ink: Image.Image, angle: float) -> float:
    """How sharply rows of ink alternate with blank rows once turned by `angle`: text lines lined up with the rows
    make the spread of the row sums largest (the projection-profile method)."""
    turned = ink.rotate(angle, Image.Resampling.BILINEAR, fillcolor=0)
    rows = list(turned.resize((1, turned.height), Image.Resampling.BOX).getdata())
    return statistics.pvariance(rows)


def skew_angle(grey: Image.Image) -> float:
    """The angle (degrees, counter-clockwise) that straightens the page's text lines."""
    probe = grey.resize((SKEW_PROBE, max(1, round(grey.height * SKEW_PROBE / grey.width))), Image.Resampling.BOX)
    ink = probe.point(lambda level: 255 if level < INK else 0)
    steps = int(SKEW_LIMIT / SKEW_STEP)
    coarse = max((n * SKEW_STEP for n in range(-steps, steps + 1)), key=lambda a: _row_spread(ink, a))
    fine = (coarse + n * SKEW_FINE for n in range(-4, 5))
    return max(fine, key=lambda a: _row_spread(ink, a))


def normalised(picture: Image.Image) -> Image.Image:
    """In grey at a reading size, straightened, its contrast stretched."""
    grey = _reading_size(picture.convert("L"))
    angle = skew_angle(grey)
    if abs(angle) >= SKEW_FINE:
        grey = grey.rotate(angle, Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    return ImageOps.autocontrast(grey, cutoff=1)


def jpeg(page: Image.Image) -> bytes:
    out = io.BytesIO()
    page.save(out, "JPEG", quality=80)
    return out.getvalue()
