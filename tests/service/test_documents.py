"""The documents' Japanese font (service/documents.py): parsed once per process, and every PDF drawn with it the same,
byte for byte, as one drawn with the font added anew; a table never leaves its heading or header alone at a page's
foot."""

import io
import shutil
import subprocess
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import fpdf.fpdf
import pytest
from fpdf import FPDF
from fpdf.fonts import TTFFont
from pypdf import PdfReader

from service import documents

pytestmark = pytest.mark.embedded_only  # draws PDFs, reads no database: the same on either backend

PDFTOPPM = shutil.which("pdftoppm")
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


HEADINGS = ("インシデント一覧", "空の表")
HEADERS = ("発生日時", "件名", "種類", "件数")


def tables_from(top_mm: float, rows: int) -> bytes:
    """A table of `rows` rows and an empty one, the first starting `top_mm` down the first page."""
    pdf = documents.japanese_pdf()
    pdf.add_page()
    pdf.set_y(top_mm)
    documents.draw_table(
        pdf, documents.Table(HEADINGS[0], list(HEADERS[:2]), [[f"11/{n}", "障害"] for n in range(rows)])
    )
    documents.draw_table(pdf, documents.Table(HEADINGS[1], list(HEADERS[2:]), []))
    return bytes(pdf.output())


def page_lines(content: bytes) -> list[list[list[str]]]:
    """Each page's lines, top first, each line its texts (pypdf's text positions)."""
    return [_lines(page) for page in PdfReader(io.BytesIO(content)).pages]


def _lines(page) -> list[list[str]]:
    found: dict[float, list[str]] = {}

    def seen(text: str, cm, tm, font, size) -> None:
        if text.strip():
            found.setdefault(round(tm[5], 1), []).append(text.strip())

    page.extract_text(visitor_text=seen)
    return [found[y] for y in sorted(found, reverse=True)]


def test_no_table_heading_or_header_ends_a_page_wherever_the_table_starts():
    """Started anywhere in the last 60 mm of the page (every 3 mm), a table's heading, header and first row are on one
    page, and the empty table says 「なし」 under its header."""
    for top_mm in range(217, 278, 3):
        pages = [lines for lines in page_lines(tables_from(top_mm, 3)) if lines]
        for lines in pages:
            assert lines[-1][0] not in (*HEADINGS, *HEADERS), (top_mm, lines[-1])
        every = [line for lines in pages for line in lines]
        assert every[every.index([HEADINGS[1]]) + 1 :] == [list(HEADERS[2:]), [documents.NO_ROWS]]


def test_a_table_going_on_to_a_second_page_draws_its_header_there_and_renders(tmp_path: Path):
    made = tmp_path / "tables.pdf"
    made.write_bytes(tables_from(200, 30))
    first, second = page_lines(made.read_bytes())
    assert first[:2] == [[HEADINGS[0]], list(HEADERS[:2])] and first[-1][0].startswith("11/")
    assert second[0] == list(HEADERS[:2]) and second[1][0].startswith("11/")
    if PDFTOPPM is None:
        pytest.skip("pdftoppm (Debian's poppler-utils) is not installed: the PDF was made but not rendered")
    subprocess.run([PDFTOPPM, "-r", "30", "-png", str(made), str(tmp_path / "page")], check=True, capture_output=True)
    assert len(sorted(tmp_path.glob("page*.png"))) == 2
