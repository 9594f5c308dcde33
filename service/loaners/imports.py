"""Import of the three Google Forms response sheets (CSV exports), keeping their timestamps, as a job in chunks.

Each row is one submission: タイムスタンプ, メールアドレス, 0-2.拠点管理番号 and the answers, in columns named by the
form's question keys. A row is checked like a form answer; a device not yet in the register is registered from its
management number when the number passes §4 and names a known location and model. Rejected rows are reported.
"""

import itertools
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from service.audit import service as audit
from service.audit.service import Actor
from service.config import get_settings
from service.csvtools import csv_rows, decode_csv
from service.errors import DomainError, NotFound, ValidationFailed
from service.loaners import forms, labels, numbering
from service.loaners.devices import kind_of
from service.loaners.models import Device, Form, Location, Model, Submission, SubmissionImport
from service.loaners.submissions import recompute_states, submission_row

MAX_ROWS = 100_000
CHUNK = 1000
MAX_REPORTED = 1000
TIMESTAMP_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M")
FIXED_COLUMNS = (labels.IMPORT_TIMESTAMP, labels.IMPORT_EMAIL, labels.IMPORT_NUMBER, labels.IMPORT_MODEL)


def _header(content: str) -> list[str]:
    return [forms.ALIASES.get(name.strip(), name.strip()) for name in next(csv_rows(content), [])]


def _records(content: str, start: int, size: int) -> list[dict[str, str]]:
    """Rows start .. start+size (0 = the first after the header) as {column: value}; blank rows are skipped."""
    reader = csv_rows(content)
    header = _header(content)
    next(reader, None)
    rows = (row for row in reader if any(cell.strip() for cell in row))
    return [
        dict(zip(header, (c.strip() for c in row), strict=False)) for row in itertools.islice(rows, start, start + size)
    ]


def _row_count(content: str) -> int:
    return sum(1 for row in itertools.islice(csv_rows(content), 1, None) if any(c.strip() for c in row))


def create_import(
    db: Session, *, form: Form, filename: str, data: bytes, actor: Actor, now: datetime
) -> SubmissionImport:
    """Check the file's shape now (encoding, required columns, size); the rows are checked by the job."""
    content = decode_csv(data)
    header, total = _header(content), _row_count(content)
    missing = [name for name in (labels.IMPORT_TIMESTAMP, labels.IMPORT_NUMBER) if name not in header]
    if missing:
        raise ValidationFailed(
            labels.IMPORT_REQUIRED_COLUMN, details={"field": "file", "rule": "columns", "missing": missing}
        )
    if total > MAX_ROWS:
        raise ValidationFailed(
            labels.IMPORT_TOO_MANY_ROWS.format(limit=MAX_ROWS), details={"field": "file", "rule": "max_rows"}
        )
    known = set(forms.question_set(db, form.kind).keys) | set(FIXED_COLUMNS)
    job = SubmissionImport(
        form_kind=form.kind,
        filename=filename[:200],
        content=content,
        total_rows=total,
        created_by=actor.label,
        ignored_columns=[name for name in header if name and name not in known],
        created_at=now,
    )
    db.add(job)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="import_submissions",
        domain=labels.DOMAIN,
        target_type="import",
        target_id=job.id,
        changes={
            "filename": {"before": None, "after": filename},
            "rows": {"before": None, "after": total},
            "form": {"before": None, "after": form.kind},
        },
        at=now,
    )
    return job


def get_import(db: Session, import_id: int) -> SubmissionImport:
    job = db.get(SubmissionImport, import_id)
    if job is None:
        raise NotFound(labels.NOT_FOUND, details={"resource": "loaners_import", "id": import_id})
    return job


def list_imports(db: Session, *, limit: int) -> list[SubmissionImport]:
    return list(db.scalars(select(SubmissionImport).order_by(SubmissionImport.id.desc()).limit(limit)))


def parse_timestamp(text: str) -> datetime:
    zone = ZoneInfo(get_settings().timezone)
    for pattern in TIMESTAMP_FORMATS:
        try:
            return datetime.strptime(text, pattern).replace(tzinfo=zone)
        except ValueError:
            continue
    raise ValueError(labels.IMPORT_BAD_TIMESTAMP)


@dataclass
class Chunk:
    """What checking one chunk needs: its form, the devices it names, and the (device, time) pairs already taken."""

    job: SubmissionImport
    form: Form
    questions: forms.QuestionSet
    devices: dict[str, Device]
    taken: set[tuple[int, datetime]]
    created: int = 0
    places: dict[str, Location] = field(default_factory=dict)
    models: dict[str, Model] = field(default_factory=dict)


def _load_chunk(db: Session, job: SubmissionImport, records: list[dict[str, str]]) -> Chunk:
    form = forms.get_form(db, job.form_kind)
    numbers = {r.get(labels.IMPORT_NUMBER, "") for r in records}
    devices = {d.management_number: d for d in db.scalars(select(Device).where(Device.management_number.in_(numbers)))}
    taken = set(
        db.execute(
            select(Submission.device_id, Submission.submitted_at).where(
                Submission.device_id.in_([d.id for d in devices.values()])
            )
        ).tuples()
    )
    return Chunk(
        job=job,
        form=form,
        questions=forms.question_set(db, form.kind),
        devices=devices,
        taken=taken,
        places={p.code: p for p in db.scalars(select(Location))},
        models={m.number_section: m for m in db.scalars(select(Model))},
    )


def _register_device(db: Session, chunk: Chunk, number: str) -> Device:
    """Register a device a row names: from its number's sections, when they name a known location and model."""
    parsed = numbering.parse(number)
    location, model = chunk.places.get(parsed.location_code), chunk.models.get(parsed.model_section)
    if location is None:
        raise ValidationFailed(labels.UNKNOWN_LOCATION, details={"rule": "unknown_location"})
    if model is None or numbering.category_section(model.category) != parsed.category_section:
        raise ValidationFailed(labels.UNKNOWN_MODEL, details={"rule": "unknown_model"})
    if kind_of(model.category) != chunk.form.kind:
        raise ValidationFailed(labels.IMPORT_WRONG_FORM.format(kind=labels.KINDS[kind_of(model.category)]))
    numbering.claim_sequence(db, parsed.prefix, parsed.sequence)
    device = Device(
        management_number=number,
        location_id=location.id,
        model_id=model.id,
        kind=kind_of(model.category),
        serial_number=parsed.serial_number,
    )
    db.add(device)
    db.flush()
    chunk.devices[number], chunk.created = device, chunk.created + 1
    return device


def _device(db: Session, chunk: Chunk, number: str) -> Device:
    """The row's device (registered now if need be), or ValueError with the reason it cannot be."""
    device = chunk.devices.get(number)
    if device is None:
        try:
            return _register_device(db, chunk, number)
        except DomainError as exc:
            raise ValueError(labels.IMPORT_UNKNOWN_DEVICE.format(reason=exc.message)) from exc
    if device.kind != chunk.form.kind:
        raise ValueError(labels.IMPORT_WRONG_FORM.format(kind=labels.KINDS[device.kind]))
    return device


def _check_row(db: Session, chunk: Chunk, record: dict[str, str]) -> dict[str, Any] | list[str]:
    """A submission row ready to insert, or the reasons the row is rejected (checked before registering a device)."""
    raw = {k: v for k, v in record.items() if k in chunk.questions.by_key}
    answers, errors = forms.answer_errors(chunk.questions, raw)
    try:
        submitted_at = parse_timestamp(record.get(labels.IMPORT_TIMESTAMP, ""))
    except ValueError as exc:
        errors.insert(0, {"message": str(exc)})
    if errors:
        return [error["message"] for error in errors]
    try:
        device = _device(db, chunk, record.get(labels.IMPORT_NUMBER, ""))
    except ValueError as exc:
        return [str(exc)]
    if (device.id, submitted_at) in chunk.taken:
        return [labels.IMPORT_DUPLICATE]
    chunk.taken.add((device.id, submitted_at))
    return submission_row(
        device_id=device.id,
        form_id=chunk.form.id,
        answers=answers,
        submitted_at=submitted_at,
        email=record.get(labels.IMPORT_EMAIL, "")[:254],
        source="import",
        import_id=chunk.job.id,
    )


def process_chunk(db: Session, *, import_id: int, now: datetime, size: int = CHUNK) -> bool:
    """Check and insert the next chunk of rows, then update the devices' current state; returns whether rows remain.

    The job's row is locked for the chunk: a task delivered twice waits, then continues after the rows already done.
    """
    job = db.scalar(select(SubmissionImport).where(SubmissionImport.id == import_id).with_for_update())
    if job is None or job.status in ("done", "failed"):
        return False
    start = job.processed_rows
    records = _records(job.content, start, size)
    chunk = _load_chunk(db, job, records)
    accepted, rejected = [], list(job.rejected)
    for number, record in enumerate(records, start=start + 2):
        checked = _check_row(db, chunk, record)
        if isinstance(checked, dict):
            accepted.append(checked | {"created_at": now})
            continue
        job.rejected_rows += 1
        if len(rejected) < MAX_REPORTED:
            rejected.append(
                {"row": number, "management_number": record.get(labels.IMPORT_NUMBER, ""), "errors": checked}
            )
    if accepted:
        db.execute(insert(Submission), accepted)
        recompute_states(db, (row["device_id"] for row in accepted))
    job.status = "running"
    job.processed_rows = start + len(records)
    job.accepted_rows += len(accepted)
    job.created_devices += chunk.created
    job.rejected = rejected
    if len(records) < size or job.processed_rows >= job.total_rows:
        job.status, job.finished_at = "done", now
    db.flush()
    return job.status != "done"


def mark_failed(db: Session, *, import_id: int, now: datetime, error: str) -> None:
    """The job broke off (a bad row is rejected, not this): the page shows 失敗, why, and the rows done so far."""
    job = db.get(SubmissionImport, import_id)
    if job is not None and job.status != "done":
        job.status, job.finished_at, job.error = "failed", now, error[:500]
