"""Reading the barcodes printed in a PDF as a scanner would: each embedded picture decoded by zxing-cpp."""

import io

import zxingcpp
from PIL import Image
from pypdf import PdfReader


def barcodes_in_pdf(pdf: bytes) -> list[tuple[str, str]]:
    """(format, text) of every barcode in the PDF's pictures, page by page in drawing order."""
    found = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for picture in page.images:
            with Image.open(io.BytesIO(picture.data)) as image:
                found += [(result.format.name, result.text) for result in zxingcpp.read_barcodes(image.convert("L"))]
    return found
