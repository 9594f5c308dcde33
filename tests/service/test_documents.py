"""The documents' Japanese font (service/documents.py): parsed once per process, and every PDF drawn with it the same,
byte for byte, as one drawn with the font added anew."""

from datetime import UTC, datetime
from functools import cache

import fpdf.fpdf
import pytest
from fpdf import FPDF
from fpdf.fonts import TTFFont

from service import documents

pytestmark = pytest.mark.embedded_only  # draws PDFs, reads no database: the same on either backend

MADE_AT = datetime(2026, 12, 3, 5, tzinfo=UTC)
TEXTS = ("予約番号 QRV-7KX2M9 ハウスクリーニング 2026年12月3日（木）14:00", "登園・降園の記録　保護者カード ABC 123")


def drawn(pdf: FPDF, text: str) -> bytes:
    pdf.set_creation_date(MADE_AT)
    pdf.add_page()
    pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


def with_the_font_added_anew() -> FPDF:
    pdf = FPDF()
    pdf.add_font(documents.FONT, fname=str(documents.japanese_font_path()))
    pdf.set_font(documents.FONT, size=11)
    return pdf


def test_two_pdfs_parse_the_font_once_and_each_is_the_one_a_font_added_anew_draws(monkeypatch):
    expected = [drawn(with_the_font_added_anew(), text) for text in TEXTS]
    parsed: list[str] = []

    class Parsed(TTFFont):
        def __init__(self, *args, **kwargs) -> None:
            parsed.append(str(args[1]))  # (the document, the font file, ...)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(fpdf.fpdf, "TTFFont", Parsed)
    monkeypatch.setattr(documents, "_parsed_font", cache(documents._parsed_font.__wrapped__))  # nothing parsed yet
    # the second needs glyphs the first did not: fpdf2 subsets each document's font when it writes the PDF
    assert [drawn(documents.japanese_pdf(), text) for text in TEXTS] == expected
    assert parsed == [str(documents.japanese_font_path())]
