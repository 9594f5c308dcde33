"""Shared pieces for generated documents: the Japanese font, a PDF already set up to use it, and document jobs.

A document too long to make within a request is made by a job: the request records a DocumentJob (queued) and queues
its domain's task after the commit (`broker.queue_task`); the task claims the job, draws it reading its rows in
batches, each in a short transaction that also commits the progress (pages done of pages total), writes the file under
APP_DATA_DIR/documents and marks the job ready. A job is kept APP_DOCUMENT_RETENTION_HOURS after it was asked for;
`platform.purge_documents` then deletes it and its file.
"""

import importlib.util
import os
import uuid
from contextlib import suppress
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from fpdf import FPDF
from sqlalchemy import String, delete, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from service.config import get_settings
from service.database import Base, affected_rows
from service.errors import Conflict, NotFound, ServiceUnavailable

FONT = "ipaexg"
QUEUED, RUNNING, READY, FAILED = "queued", "running", "ready", "failed"
STATUS_LABELS = {QUEUED: "待機中", RUNNING: "作成中", READY: "完了", FAILED: "失敗"}
ERROR_MAX = 500


@lru_cache
def japanese_font_path() -> Path:
    """IPAex Gothic shipped by matplotlib-fontja, found without importing that package (it would pull in matplotlib)."""
    spec = importlib.util.find_spec("matplotlib_fontja")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / "fonts" / "ipaexg.ttf"
        if path.exists():
            return path
    raise ServiceUnavailable("PDF用の日本語フォントが見つかりません（matplotlib-fontja）", code="font_missing")


def japanese_pdf(**options: Any) -> FPDF:
    """An FPDF document with the Japanese font registered as FONT and selected."""
    pdf = FPDF(**options)
    pdf.add_font(FONT, fname=str(japanese_font_path()))
    pdf.set_font(FONT, size=11)
    return pdf


class DocumentJob(Base):
    """A document asked for and made by a job: what to draw (kind, params) for whom (tenant), and how far it got."""

    __tablename__ = "platform_document_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(50))  # the domain's document, e.g. "entry_logs.cards"
    tenant: Mapped[str] = mapped_column(String(64))  # the tenant it was made for (a nursery id): its reads are scoped
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    file_name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10), default=QUEUED)
    pages_done: Mapped[int] = mapped_column(default=0)
    pages_total: Mapped[int]
    stored_name: Mapped[str | None] = mapped_column(String(64))  # the file under documents_folder() once ready
    error: Mapped[str | None] = mapped_column(String(ERROR_MAX))
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    expires_at: Mapped[datetime] = mapped_column(index=True)


def documents_folder() -> Path:
    return get_settings().data_dir / "documents"


def retention() -> timedelta:
    return timedelta(hours=get_settings().document_retention_hours)


def create_job(
    db: Session, *, kind: str, tenant: str, params: dict[str, Any], file_name: str, pages_total: int, now: datetime
) -> DocumentJob:
    """Record a queued job; the caller queues its task in the same transaction."""
    job = DocumentJob(
        kind=kind,
        tenant=tenant,
        params=params,
        file_name=file_name,
        pages_total=pages_total,
        created_at=now,
        expires_at=now + retention(),
    )
    db.add(job)
    db.flush()
    return job


def job_of(db: Session, job_id: int, *, kind: str, tenant: str) -> DocumentJob:
    """The job of this kind made for this tenant; another tenant's job is a 404, as one that is not there."""
    job = db.get(DocumentJob, job_id)
    if job is None or (job.kind, job.tenant) != (kind, tenant):
        raise NotFound("文書が見つかりません", details={"resource": "document_job", "id": job_id})
    return job


def claim(db: Session, job_id: int) -> DocumentJob | None:
    """Start (or, after a worker was lost, restart) drawing the job; None when it is finished or gone."""
    job = db.scalar(select(DocumentJob).where(DocumentJob.id == job_id).with_for_update())
    if job is None or job.status in (READY, FAILED):
        return None
    job.status, job.pages_done = RUNNING, 0
    db.flush()
    return job


def record_progress(db: Session, job_id: int, *, pages_done: int) -> None:
    db.execute(
        update(DocumentJob).where(DocumentJob.id == job_id, DocumentJob.status == RUNNING).values(pages_done=pages_done)
    )


def write_file(content: bytes, suffix: str) -> str:
    """Write a finished document whole (renamed into place) outside any transaction; returns its stored name."""
    folder = documents_folder()
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{uuid.uuid4().hex}{suffix}"
    partial = folder / f".{name}.part"
    partial.write_bytes(content)
    os.replace(partial, folder / name)
    return name


def finish(db: Session, job_id: int, *, stored_name: str, pages: int, now: datetime) -> None:
    """The file is written: the job is ready for download."""
    db.execute(
        update(DocumentJob)
        .where(DocumentJob.id == job_id)
        .values(status=READY, stored_name=stored_name, pages_done=pages, pages_total=pages, finished_at=now)
    )


def fail(db: Session, job_id: int, *, error: str, now: datetime) -> None:
    db.execute(
        update(DocumentJob)
        .where(DocumentJob.id == job_id)
        .values(status=FAILED, error=error[:ERROR_MAX], finished_at=now)
    )


def file_of(job: DocumentJob) -> Path:
    """The ready job's file; 409 while it is still being made (or failed), 404 once its file is gone."""
    if job.status != READY:
        message = "文書を作成できませんでした" if job.status == FAILED else "文書はまだできていません"
        raise Conflict(message, code="document_not_ready", details={"status": job.status})
    path = documents_folder() / job.stored_name if job.stored_name else None
    if path is None or not path.is_file():
        raise NotFound("文書が見つかりません", details={"resource": "document_file", "id": job.id})
    return path


def purge_expired(db: Session, *, now: datetime) -> int:
    """Delete the jobs past their retention, and every file older than the retention (theirs, or a lost job's)."""
    removed = affected_rows(db.execute(delete(DocumentJob).where(DocumentJob.expires_at <= now)))
    folder, cutoff = documents_folder(), (now - retention()).timestamp()
    for path in folder.iterdir() if folder.is_dir() else ():
        with suppress(FileNotFoundError):  # a part renamed into place, or a file already gone
            if path.stat().st_mtime < cutoff:
                path.unlink()
    return removed
