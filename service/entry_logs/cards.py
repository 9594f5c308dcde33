"""Printable barcode cards: Code128 of the parent id and a QR code of the parent's phone barcode link.

A card PDF is always a document job (service/documents.py): drawing costs 10-40 ms a parent, and a request holding the
SQLite session that long holds every other request. The first chunk fixes the parents (up to the highest id selected).
"""

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, lazyload

from service import broker, documents
from service.documents import FONT, DocumentJob, japanese_pdf
from service.entry_logs import labels, parent_links
from service.entry_logs.models import Child, Guardian, Nursery, Parent
from service.errors import NotFound
from service.tenancy import TenantScope, scoped

if TYPE_CHECKING:  # fpdf, and Pillow under the barcode and QR writers, are imported where a card is drawn
    from fpdf import FPDF

KIND = "entry_logs.cards"
TASK = "entry_logs.render_cards"
CARD_W, CARD_H = 91.0, 55.0
COLUMNS, ROWS = 2, 5
PER_PAGE = COLUMNS * ROWS
RECENT_JOBS = 100  # a day's, kept APP_DOCUMENT_RETENTION_HOURS
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
    """Without the human-readable line: the card prints it."""
    from barcode import Code128
    from barcode.writer import ImageWriter

    buffer = io.BytesIO()
    Code128(str(parent_id), writer=ImageWriter()).write(buffer, options=BARCODE_OPTIONS)
    buffer.seek(0)
    return buffer


def barcode_svg(parent_id: int) -> str:
    """A viewBox in millimetres, bars edge to edge: the page's white margins are its quiet zone, so the bars are the 80
    % of the screen's width UI-PA-003 asks for."""
    from barcode import Code128
    from barcode.writer import SVGWriter

    buffer = io.BytesIO()
    Code128(str(parent_id), writer=SVGWriter()).write(buffer, options=BARCODE_OPTIONS | {"quiet_zone": 0.0})
    svg = buffer.getvalue().decode()
    svg = svg[svg.index("<svg") :]
    size = SVG_SIZE.search(svg)
    if size is None:
        raise ValueError("the barcode writer drew an <svg> without a size")
    width, height = size.groups()
    box = f'viewBox="0 0 {width} {height}" preserveAspectRatio="none" role="img" aria-label="{parent_id}"'
    return re.sub(r'="([\d.]+)mm"', r'="\1"', SVG_SIZE.sub(box, svg, count=1))


def qr_png(text: str) -> io.BytesIO:
    import qrcode

    buffer = io.BytesIO()
    qrcode.make(text, border=1).save(buffer, format="PNG")
    buffer.seek(0)
    return buffer


@dataclass(frozen=True)
class CardFace:
    """Read in a short transaction, drawn after it."""

    parent_id: int
    name: str
    url: str | None


@dataclass(frozen=True)
class CardPlan:
    """`last_parent_id` is the highest id selected when the job started."""

    job_id: int
    chunk: int
    nursery_id: int
    nursery_name: str
    class_name: str | None
    drawn_through: int
    last_parent_id: int
    parts: list[str]

    @property
    def all_drawn(self) -> bool:
        return self.drawn_through >= self.last_parent_id


def pages_for(cards: int) -> int:
    return -(-cards // PER_PAGE)


def _selected(nursery_id: int, class_name: str | None) -> list[ColumnElement[bool]]:
    """「本日のみ」 people have a card of their own."""
    conditions = [Parent.nursery_id == nursery_id, Parent.is_pass.is_(False)]
    if class_name:
        in_class = select(Guardian.parent_id).join(Child, Child.id == Guardian.child_id)
        conditions.append(Parent.id.in_(in_class.where(Child.nursery_id == nursery_id, Child.class_name == class_name)))
    return conditions


def request_cards(db: Session, *, nursery: Nursery, class_name: str | None, now: datetime) -> DocumentJob:
    """404 no_parents when the selection is empty."""
    count = db.scalar(select(func.count()).select_from(Parent).where(*_selected(nursery.id, class_name)))
    if not count:
        raise NotFound(labels.NO_PARENTS_FOR_CARDS, code="no_parents", details={"className": class_name})
    job, new = documents.create_job(
        db,
        kind=KIND,
        tenant=str(nursery.id),
        params={"class_name": class_name},
        file_name=f"entry_exit_cards_{nursery.code}_{class_name or 'all'}.pdf",
        pages_total=pages_for(count),
        now=now,
    )
    if new:
        broker.queue_task(db, TASK, job.id, 0)
    return job


def job_of(db: Session, *, nursery: Nursery, job_id: int) -> DocumentJob:
    """Another nursery's is a 404."""
    return documents.job_of(db, job_id, kind=KIND, tenant=str(nursery.id))


def recent_jobs(db: Session, *, nursery: Nursery, class_name: str | None) -> list[DocumentJob]:
    stmt = select(DocumentJob).where(DocumentJob.kind == KIND).order_by(DocumentJob.id.desc()).limit(RECENT_JOBS)
    stmt = scoped(stmt, TenantScope(parent_links.DOMAIN, "nursery", str(nursery.id)), DocumentJob.tenant)
    return [job for job in db.scalars(stmt) if job.params["class_name"] == class_name]


def start_chunk(db: Session, *, job_id: int, chunk: int, now: datetime) -> CardPlan | None:
    """None when there is nothing to do (the job ended, the chunk was committed already, or no parents are left: the job
    fails saying so)."""
    job = documents.claim_chunk(db, job_id, chunk)
    if job is None:
        return None
    nursery, class_name = db.get(Nursery, int(job.tenant)), job.params["class_name"]
    if job.last_key is None:
        count, job.last_key = db.execute(
            select(func.count(), func.max(Parent.id)).where(*_selected(int(job.tenant), class_name))
        ).one()
        job.pages_total = pages_for(count)
    if nursery is None or job.last_key is None:
        documents.fail(db, job_id, error=labels.NO_PARENTS_FOR_CARDS, now=now)
        return None
    return CardPlan(
        job_id, chunk, nursery.id, nursery.name, class_name, job.drawn_through, job.last_key, list(job.parts)
    )


def card_faces(db: Session, plan: CardPlan, *, after_id: int, limit: int) -> list[CardFace]:
    parents = db.scalars(
        select(Parent)
        .options(lazyload(Parent.children))
        .where(*_selected(plan.nursery_id, plan.class_name), Parent.id > after_id, Parent.id <= plan.last_parent_id)
        .order_by(Parent.id)
        .limit(limit)
    )
    return [CardFace(parent.id, parent.name, parent_links.link_url(parent)) for parent in parents]


def _draw_card(pdf: "FPDF", x: float, y: float, face: CardFace, nursery_name: str) -> None:
    pdf.set_draw_color(180, 180, 180)
    pdf.rect(x, y, CARD_W, CARD_H)
    pdf.set_xy(x, y + 3)
    pdf.set_font(FONT, size=8)
    pdf.cell(CARD_W, 4, nursery_name, align="C")
    pdf.set_xy(x, y + 8)
    pdf.set_font(FONT, size=14)
    pdf.cell(CARD_W, 7, f"{face.name} 様", align="C")
    barcode_w = CARD_W - 20 - (QR_SIZE + 2 if face.url else 0)
    pdf.image(barcode_png(face.parent_id), x=x + 6, y=y + 16, w=barcode_w + 4, h=22)
    if face.url:
        pdf.image(qr_png(face.url), x=x + CARD_W - QR_SIZE - 4, y=y + 15, w=QR_SIZE, h=QR_SIZE)
        pdf.set_xy(x + CARD_W - QR_SIZE - 6, y + 15 + QR_SIZE)
        pdf.set_font(FONT, size=6)
        pdf.cell(QR_SIZE + 4, 3, labels.CARD_QR_HINT, align="C")
    pdf.set_xy(x + 6, y + 39)
    pdf.set_font(FONT, size=12)
    pdf.cell(barcode_w + 4, 6, str(face.parent_id), align="C")
    pdf.set_xy(x, y + 47)
    pdf.set_font(FONT, size=7)
    pdf.cell(CARD_W, 4, labels.CARD_USAGE, align="C")


class CardSheet:
    """Ten cards to a page, ready to print and cut."""

    def __init__(self, plan: CardPlan) -> None:
        self.pdf = japanese_pdf(format="A4")
        self.pdf.set_auto_page_break(False)
        self.pdf.set_title(f"{plan.nursery_name} 入退管理バーコード {plan.class_name or ''}".strip())
        self.nursery_name = plan.nursery_name
        self.cards = 0
        self.last_parent_id = plan.drawn_through

    @property
    def pages(self) -> int:
        return self.pdf.pages_count

    def draw(self, faces: Iterable[CardFace]) -> None:
        for face in faces:
            slot = self.cards % PER_PAGE
            if slot == 0:
                self.pdf.add_page()
            x = MARGIN_X + (slot % COLUMNS) * (CARD_W + 4)
            y = MARGIN_Y + (slot // COLUMNS) * (CARD_H + 1)
            _draw_card(self.pdf, x, y, face, self.nursery_name)
            self.cards += 1
            self.last_parent_id = face.parent_id

    def output(self) -> bytes:
        return bytes(self.pdf.output())


def pass_card(person: Parent, *, nursery_name: str, child_names: list[str]) -> bytes:
    """A5."""
    pdf = japanese_pdf(format="A5")
    pdf.set_auto_page_break(False)
    pdf.set_title(f"{nursery_name} {labels.PASS_CARD_TITLE} {person.name}")
    pdf.add_page()
    width = pdf.w - 2 * MARGIN_X
    day = person.pass_date.strftime("%Y/%m/%d") if person.pass_date else "-"
    lines = (
        (10, nursery_name),
        (16, labels.PASS_CARD_TITLE),
        (20, f"{person.name} 様"),
        (11, labels.PASS_CARD_RELATION.format(relation=person.relation or "-")),
        (13, labels.PASS_CARD_VALID.format(day=day)),
        (11, labels.PASS_CARD_CHILDREN.format(children="、".join(child_names) or "-")),
    )
    pdf.set_xy(MARGIN_X, 14)
    for size, text in lines:
        pdf.set_font(FONT, size=size)
        pdf.multi_cell(width, size * 0.55, text, align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_x(MARGIN_X)
    top = pdf.get_y() + 6
    pdf.image(barcode_png(person.id), x=MARGIN_X + 10, y=top, w=width - 20, h=40)
    pdf.set_xy(MARGIN_X, top + 42)
    pdf.set_font(FONT, size=16)
    pdf.cell(width, 8, str(person.id), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(MARGIN_X)
    pdf.set_font(FONT, size=9)
    pdf.multi_cell(width, 5, labels.PASS_CARD_USAGE, align="C")
    return bytes(pdf.output())
