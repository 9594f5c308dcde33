"""Shared pieces for generated documents: the Japanese font, a PDF set up to use it, its tables, and document jobs.

A table (`Table`, `draw_table`) starts on the page where its heading, header and first row fit together, so no heading
or header row is left alone at a page's foot; its header is drawn again on each page its rows continue on, and a table
with no rows says 「なし」.

A document too long for a request is made by a job, in chunks of at most APP_DOCUMENT_CHUNK_PAGES pages, each chunk one
delivery of the domain's task: it claims the chunk (a copy of a chunk already committed finds nothing to do), draws it
outside any transaction, writes a part file and commits it with the progress, which queues the next chunk behind
whatever else waits. A worker lost mid-chunk loses that chunk only: the sweep resends its pending task.

One job at a time per tenant, kind and parameters: `active_key` is unique while a job is queued or running, so a repeat
request (also a racing one) answers that job. A job is kept APP_DOCUMENT_RETENTION_HOURS."""

import copy
import hashlib
import importlib.util
import json
import os
import uuid
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, cast

from sqlalchemy import String, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from service import broker
from service.config import get_settings
from service.database import Base, affected_rows
from service.errors import Conflict, NotFound, ServiceUnavailable

if TYPE_CHECKING:
    from fpdf import FPDF
    from fpdf.fonts import TTFFont

FONT = "ipaexg"
QUEUED, RUNNING, READY, FAILED = "queued", "running", "ready", "failed"
STATUS_LABELS = {QUEUED: "待機中", RUNNING: "作成中", READY: "完了", FAILED: "失敗"}
ERROR_MAX = 500
NO_ROWS = "なし"
TABLE_FONT_SIZE, ROW_MM = 10, 8
HEADING_FONT_SIZE, HEADING_SPACE_MM, HEADING_MM = 13, 4, 10


@lru_cache
def japanese_font_path() -> Path:
    """Found without importing matplotlib-fontja (it would pull in matplotlib)."""
    spec = importlib.util.find_spec("matplotlib_fontja")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / "fonts" / "ipaexg.ttf"
        if path.exists():
            return path
    raise ServiceUnavailable("PDF用の日本語フォントが見つかりません（matplotlib-fontja）", code="font_missing")


@cache
def _parsed_font() -> "TTFFont":
    """fpdf2's reading of the font (its metrics, character map and widths), done once per process."""
    from fpdf import FPDF

    reader = FPDF()
    reader.add_font(FONT, fname=str(japanese_font_path()))
    return cast("TTFFont", reader.fonts[FONT])  # add_font makes a TTFFont


def _document_font() -> "TTFFont":
    """One document's copy of the parsed font, split as fpdf2's own TTFFont.__deepcopy__ splits it: the widths and
    glyph ids (dicts of ints, so a copy is a deep one) and the glyphs used are the document's, the rest is shared. Its
    fontTools font is opened anew, as add_font opens it: fpdf2 subsets that one in place when it writes the PDF."""
    from fontTools.ttLib import TTFont
    from fpdf.fonts import SubsetMap

    parsed = _parsed_font()
    font = copy.copy(parsed)
    font.cw, font.glyph_ids, font.missing_glyphs = parsed.cw.copy(), parsed.glyph_ids.copy(), []
    font.ttfont = TTFont(parsed.ttffile, recalcTimestamp=False, fontNumber=parsed.collection_font_number, lazy=True)
    font.subset = SubsetMap(font)
    return font


def japanese_pdf(**options: Any) -> "FPDF":
    """fpdf (and pypdf) is imported only when a document is drawn: half of a worker's imports. The font is the one
    add_font would add, parsed once per process."""
    from fpdf import FPDF

    pdf = FPDF(**options)
    pdf.fonts[FONT] = _document_font()
    pdf.set_font(FONT, size=11)
    return pdf


@dataclass(frozen=True)
class Table:
    """A heading (none when empty), a header row and its rows; the columns share the page's width in the proportions
    of `widths` (equally when not given)."""

    heading: str
    header: list[str]
    rows: list[list]
    widths: tuple[int, ...] = ()


def draw_table(pdf: "FPDF", table: Table) -> None:
    """On a new page unless its heading, header and first row (or 「なし」) fit on this one."""
    heading = HEADING_SPACE_MM + HEADING_MM if table.heading else 0
    if pdf.will_page_break(heading + 2 * ROW_MM):
        pdf.add_page()
    if table.heading:
        pdf.ln(HEADING_SPACE_MM)
        pdf.set_font(FONT, size=HEADING_FONT_SIZE)
        pdf.cell(0, HEADING_MM, table.heading, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=TABLE_FONT_SIZE)
    shares = table.widths or (1,) * len(table.header)
    unit = pdf.epw / sum(shares)
    _row(pdf, table.header, shares, unit)
    if not table.rows:
        pdf.cell(0, ROW_MM, NO_ROWS, border=1, new_x="LMARGIN", new_y="NEXT")
    for row in table.rows:
        if pdf.will_page_break(ROW_MM):
            pdf.add_page()
            _row(pdf, table.header, shares, unit)
        _row(pdf, row, shares, unit)


def _row(pdf: "FPDF", values: list, shares: tuple[int, ...], unit: float) -> None:
    for value, share in zip(values, shares, strict=True):
        pdf.cell(unit * share, ROW_MM, str(value), border=1)
    pdf.ln(ROW_MM)


class DocumentJob(Base):
    __tablename__ = "platform_document_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(50))  # e.g. "entry_logs.cards"
    tenant: Mapped[str] = mapped_column(String(64))  # a nursery id: its reads are scoped
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    file_name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10), default=QUEUED)
    pages_done: Mapped[int] = mapped_column(default=0)
    pages_total: Mapped[int]
    parts: Mapped[list[Any]] = mapped_column(default=list)  # one per chunk, in order
    drawn_through: Mapped[int] = mapped_column(default=0)  # a parent id
    last_key: Mapped[int | None]  # fixed when the job starts
    # Unique while the job is queued or running, None once it ended
    active_key: Mapped[str | None] = mapped_column(String(64), index=True, unique=True)
    stored_name: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(String(ERROR_MAX))
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    expires_at: Mapped[datetime] = mapped_column(index=True)


def documents_folder() -> Path:
    return get_settings().data_dir / "documents"


def retention() -> timedelta:
    return timedelta(hours=get_settings().document_retention_hours)


def active_key(kind: str, tenant: str, params: dict[str, Any]) -> str:
    """Hashed to a fixed length."""
    what = json.dumps([kind, tenant, params], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(what.encode()).hexdigest()


def create_job(
    db: Session, *, kind: str, tenant: str, params: dict[str, Any], file_name: str, pages_total: int, now: datetime
) -> tuple[DocumentJob, bool]:
    """The caller queues a new job's task in the same transaction. A request racing another for the same document waits
    for the other's commit on the unique active key, then answers its job."""
    key = active_key(kind, tenant, params)
    running = db.scalar(select(DocumentJob).where(DocumentJob.active_key == key))
    if running is not None:
        return running, False
    job = DocumentJob(
        kind=kind,
        tenant=tenant,
        params=params,
        file_name=file_name,
        pages_total=pages_total,
        active_key=key,
        created_at=now,
        expires_at=now + retention(),
    )
    try:
        with db.begin_nested():
            db.add(job)
    except IntegrityError:
        return db.scalars(select(DocumentJob).where(DocumentJob.active_key == key)).one(), False
    return job, True


def job_of(db: Session, job_id: int, *, kind: str, tenant: str) -> DocumentJob:
    """Another tenant's job is a 404, as one that is not there."""
    job = db.get(DocumentJob, job_id)
    if job is None or (job.kind, job.tenant) != (kind, tenant):
        raise NotFound("文書が見つかりません", details={"resource": "document_job", "id": job_id})
    return job


def claim_chunk(db: Session, job_id: int, chunk: int) -> DocumentJob | None:
    """None when the job ended, is gone, or the chunk was committed already (a copy delivered again)."""
    job = db.scalar(select(DocumentJob).where(DocumentJob.id == job_id).with_for_update())
    if job is None or job.status in (READY, FAILED) or len(job.parts) != chunk:
        return None
    job.status = RUNNING
    db.flush()
    return job


def _stored(write: Callable[[BinaryIO], object], name: str) -> str:
    """Written whole, then renamed into place, outside any transaction."""
    folder = documents_folder()
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f".{name}.part"
    with partial.open("wb") as handle:
        write(handle)
    os.replace(partial, folder / name)
    return name


def write_part(job_id: int, chunk: int, content: bytes) -> str:
    """The name is unique: a copy of the chunk writes its own."""
    return _stored(lambda handle: handle.write(content), f"job{job_id}-part{chunk}-{uuid.uuid4().hex[:8]}.pdf")


def commit_chunk(db: Session, task: str, job_id: int, *, chunk: int, part: str, pages: int, drawn_through: int) -> None:
    """The next step waits behind the work already queued; when a copy committed the chunk first or the job ended, the
    part is removed instead."""
    job = claim_chunk(db, job_id, chunk)
    if job is None:
        if part not in _parts_of(db, job_id):  # a retry whose first COMMIT went through keeps the part it recorded
            remove_files([part])
        return
    job.parts = [*job.parts, part]
    job.pages_done += pages
    job.drawn_through = drawn_through
    broker.queue_task(db, task, job_id, chunk + 1)


def _parts_of(db: Session, job_id: int) -> list[str]:
    return db.scalar(select(DocumentJob.parts).where(DocumentJob.id == job_id)) or []


def merge_parts(parts: list[str], suffix: str = ".pdf") -> str:
    """The first part's title is kept."""
    from pypdf import PdfReader, PdfWriter

    folder, writer = documents_folder(), PdfWriter()
    for part in parts:
        writer.append(PdfReader(folder / part))
    first = PdfReader(folder / parts[0]).metadata
    if first:
        writer.add_metadata(dict(first))
    return _stored(writer.write, f"{uuid.uuid4().hex}{suffix}")


def remove_files(names: list[str]) -> None:
    for name in names:
        with suppress(FileNotFoundError):
            (documents_folder() / name).unlink()


def finish(db: Session, job_id: int, *, stored_name: str, now: datetime) -> bool:
    """False when the job was not running any more (a copy finished it first): the caller removes its file. True again
    for a retry whose first COMMIT went through."""
    ready = (
        update(DocumentJob)
        .where(DocumentJob.id == job_id, DocumentJob.status == RUNNING)
        .values(status=READY, stored_name=stored_name, pages_total=DocumentJob.pages_done)
        .values(active_key=None, finished_at=now)
    )
    if affected_rows(db.execute(ready)) == 1:
        return True
    return db.scalar(select(DocumentJob.stored_name).where(DocumentJob.id == job_id)) == stored_name


def fail(db: Session, job_id: int, *, error: str, now: datetime) -> None:
    """A ready job stays ready."""
    db.execute(
        update(DocumentJob)
        .where(DocumentJob.id == job_id, DocumentJob.status.in_((QUEUED, RUNNING)))
        .values(status=FAILED, error=error[:ERROR_MAX], finished_at=now, active_key=None)
    )


def file_of(job: DocumentJob) -> Path:
    """409 while it is still being made (or failed), 404 once its file is gone."""
    if job.status != READY:
        message = "文書を作成できませんでした" if job.status == FAILED else "文書はまだできていません"
        raise Conflict(message, code="document_not_ready", details={"status": job.status})
    path = documents_folder() / job.stored_name if job.stored_name else None
    if path is None or not path.is_file():
        raise NotFound("文書が見つかりません", details={"resource": "document_file", "id": job.id})
    return path


def purge_expired(db: Session, *, now: datetime) -> int:
    """Also every file older than the retention: a part of a job that never finished, or a lost job's."""
    removed = affected_rows(db.execute(delete(DocumentJob).where(DocumentJob.expires_at <= now)))
    folder, cutoff = documents_folder(), (now - retention()).timestamp()
    for path in folder.iterdir() if folder.is_dir() else ():
        with suppress(FileNotFoundError):  # a part renamed into place, or a file already gone
            if path.stat().st_mtime < cutoff:
                path.unlink()
    return removed
