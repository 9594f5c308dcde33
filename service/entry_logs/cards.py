"""Printable barcode cards: one per parent, Code128 of the parent id, the name above and the id below, and a QR code
of the parent's phone barcode link (parent_links.py) beside it. The phone page's SVG barcode is drawn here too."""

import io
import re

import qrcode
from barcode import Code128
from barcode.writer import ImageWriter, SVGWriter
from fpdf import FPDF
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.documents import FONT, japanese_pdf
from service.entry_logs import labels, parent_links
from service.entry_logs.models import Child, Guardian, Nursery, Parent
from service.errors import NotFound

CARD_W, CARD_H = 91.0, 55.0
COLUMNS, ROWS = 2, 5
MARGIN_X, MARGIN_Y = 12.0, 10.0
QR_SIZE = 20.0
BARCODE_OPTIONS = {
    "write_text": False,
    "module_height": 12.0,
    "module_width": 0.3,
    "quiet_zone": 3.0,
    "dpi": 300,
    "background": "white",
    "foreground": "black",
}
SVG_SIZE = re.compile(r'width="([\d.]+)mm" height="([\d.]+)mm"')


def barcode_png(parent_id: int) -> io.BytesIO:
    """Code128 of the parent id, black on white, without the human-readable line (the card prints it)."""
    buffer = io.BytesIO()
    Code128(str(parent_id), writer=ImageWriter()).write(buffer, options=BARCODE_OPTIONS)
    buffer.seek(0)
    return buffer


def barcode_svg(parent_id: int) -> str:
    """The same barcode as an inline <svg> that fills its box (a viewBox in millimetres instead of a fixed size)."""
    buffer = io.BytesIO()
    Code128(str(parent_id), writer=SVGWriter()).write(buffer, options=BARCODE_OPTIONS)
    svg = buffer.getvalue().decode()
    svg = svg[svg.index("<svg") :]
    width, height = SVG_SIZE.search(svg).groups()
    box = f'viewBox="0 0 {width} {height}" preserveAspectRatio="none" role="img" aria-label="{parent_id}"'
    return re.sub(r'="([\d.]+)mm"', r'="\1"', SVG_SIZE.sub(box, svg, count=1))


def qr_png(text: str) -> io.BytesIO:
    buffer = io.BytesIO()
    qrcode.make(text, border=1).save(buffer, format="PNG")
    buffer.seek(0)
    return buffer


def card_parents(db: Session, *, nursery: Nursery, class_name: str | None) -> list[Parent]:
    """Parents of the nursery, or of the children in one class, in id order."""
    stmt = select(Parent).where(Parent.nursery_id == nursery.id)
    if class_name:
        in_class = select(Guardian.parent_id).join(Child, Child.id == Guardian.child_id)
        stmt = stmt.where(Parent.id.in_(in_class.where(Child.nursery_id == nursery.id, Child.class_name == class_name)))
    return list(db.scalars(stmt.order_by(Parent.id)))


def _draw_card(pdf: FPDF, x: float, y: float, parent: Parent, nursery: Nursery) -> None:
    pdf.set_draw_color(180, 180, 180)
    pdf.rect(x, y, CARD_W, CARD_H)
    pdf.set_xy(x, y + 3)
    pdf.set_font(FONT, size=8)
    pdf.cell(CARD_W, 4, nursery.name, align="C")
    pdf.set_xy(x, y + 8)
    pdf.set_font(FONT, size=14)
    pdf.cell(CARD_W, 7, f"{parent.name} 様", align="C")
    url = parent_links.link_url(parent)
    barcode_w = CARD_W - 20 - (QR_SIZE + 2 if url else 0)
    pdf.image(barcode_png(parent.id), x=x + 6, y=y + 16, w=barcode_w + 4, h=22)
    if url:
        pdf.image(qr_png(url), x=x + CARD_W - QR_SIZE - 4, y=y + 15, w=QR_SIZE, h=QR_SIZE)
        pdf.set_xy(x + CARD_W - QR_SIZE - 6, y + 15 + QR_SIZE)
        pdf.set_font(FONT, size=6)
        pdf.cell(QR_SIZE + 4, 3, labels.CARD_QR_HINT, align="C")
    pdf.set_xy(x + 6, y + 39)
    pdf.set_font(FONT, size=12)
    pdf.cell(barcode_w + 4, 6, str(parent.id), align="C")
    pdf.set_xy(x, y + 47)
    pdf.set_font(FONT, size=7)
    pdf.cell(CARD_W, 4, labels.CARD_USAGE, align="C")


def cards_pdf(db: Session, *, nursery: Nursery, class_name: str | None) -> bytes:
    """A4 pages of ten cards each, ready to print and cut."""
    parents = card_parents(db, nursery=nursery, class_name=class_name)
    if not parents:
        raise NotFound(labels.NO_PARENTS_FOR_CARDS, code="no_parents", details={"className": class_name})
    pdf = japanese_pdf(format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_title(f"{nursery.name} 入退管理バーコード {class_name or ''}".strip())
    per_page = COLUMNS * ROWS
    for index, parent in enumerate(parents):
        if index % per_page == 0:
            pdf.add_page()
        slot = index % per_page
        _draw_card(
            pdf,
            MARGIN_X + (slot % COLUMNS) * (CARD_W + 4),
            MARGIN_Y + (slot // COLUMNS) * (CARD_H + 1),
            parent,
            nursery,
        )
    return bytes(pdf.output())
