"""Import of the three Google Forms response sheets (the clerk's .xlsx or a CSV, read by service/tabular.py: title
rows above the header, columns mapped by the person where a name differs, rows numbered as the sheet numbers them),
keeping their timestamps, as a job in chunks.

A row is history: it is stored as it was answered (today's required questions and choices apply to new answers, not to
the past; differences are reported), unless it names no device that is or can be registered, has no readable timestamp,
repeats a row above it in the file (said so, with that row's number) or a device and timestamp already stored. A row
of a known device adds to that device's history (as Snipe-IT's import updates the existing asset); a number whose
serial is one edit (a substitution or two characters swapped) from a known device's is held for a person, never
registered as new. A device's current state moves only to a newer one. A clerk's import
is limited to their 管轄: a row of another 管轄's location is refused naming it, counted and listed as 管轄外 (not as
読み取れない)."""

import functools
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic_core import PydanticCustomError
from rapidfuzz import process
from rapidfuzz.distance import OSA
from sqlalchemy import Select, func, insert, select
from sqlalchemy.orm import Session

from service.audit import service as audit
from service.audit.service import Actor
from service.config import get_settings
from service.errors import Conflict, DomainError, NotFound, ValidationFailed
from service.exports import ListExport, item
from service.import_jobs import READING, FirstRows, Report, chunk_records, read_head, read_upload, stored_records
from service.loaners import labels, numbering
from service.loaners.devices.devices import kind_of
from service.loaners.imports.schemas import HeldResolution
from service.loaners.models import Device, Form, ImportFirstRow, Location, Model, Submission, SubmissionImport
from service.loaners.submissions import forms
from service.loaners.submissions.submissions import recompute_states, submission_row
from service.schemas import multi_line, nfkc, single_line
from service.tabular import (
    SAME_AS,
    Columns,
    Record,
    cell_problem,
    read_date,
    read_datetime,
)
from service.tenancy import TenantScope, get_scoped, scoped

MAX_ROWS = 100_000
CHUNK = 1000
FIXED_COLUMNS = labels.IMPORT_COLUMNS
REQUIRED_COLUMNS = (labels.IMPORT_TIMESTAMP, labels.IMPORT_NUMBER)
RUNNING = (READING, "checking", "queued", "running")  # a step of the job remains


def _columns(questions: forms.QuestionSet) -> Columns:
    return Columns((*FIXED_COLUMNS, *questions.keys), REQUIRED_COLUMNS, forms.ALIASES)


def _cell(column: str, value: str) -> str:
    """The 拠点管理番号 also NFKC (typed with the IME on: ＯＰＴ２７０５６４)."""
    return nfkc(value) if column == labels.IMPORT_NUMBER else value


def _form_columns(db: Session, job: SubmissionImport) -> Columns:
    """The form's columns, as the stored text's header names them (the person's mapping applied when it was read)."""
    return _columns(forms.question_set(db, job.form_kind))


def _typed(records: list[Record]) -> list[Record]:
    """Each keeps its sheet row number."""
    return [Record(r.number, {column: _cell(column, value) for column, value in r.values.items()}) for r in records]


def _records(db: Session, job: SubmissionImport, start: int, size: int) -> list[Record]:
    """The chunk's: 0 = the first row below the header holding something."""
    return _typed(chunk_records(db, job, _form_columns(db, job), start, size))


def create_import(
    db: Session,
    *,
    form: Form,
    filename: str,
    data: bytes,
    scope: TenantScope,
    actor: Actor,
    now: datetime,
    dry_run: bool = False,
    mapping: dict[str, str] | None = None,
) -> SubmissionImport:
    """The file is kept for the job, which reads it (`_read_file`), then checks its rows within the caller's 管轄; only
    its header is read here: a mapping names the form's column for a file's column whose name differs
    (tabular.ColumnsUnmatched asks for one)."""
    head = read_head(data, _columns(forms.question_set(db, form.kind)), mapping)
    job = SubmissionImport(
        form_kind=form.kind,
        filename=filename[:200],
        upload=data,
        mapping=mapping or {},
        dry_run=dry_run,
        created_by=actor.label,
        ignored_columns=head.ignored,
        jurisdiction=scope.value,
        status=READING,
        created_at=now,
    )
    db.add(job)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="check_submissions" if dry_run else "import_submissions",
        domain=labels.DOMAIN,
        target_type="import",
        target_id=job.id,
        changes={
            "filename": {"before": None, "after": filename},
            "form": {"before": None, "after": form.kind},
            "jurisdiction": {"before": None, "after": scope.value},
            **({"columns": {"before": None, "after": mapping}} if mapping else {}),
        },
        at=now,
    )
    return job


def _read_file(db: Session, job: SubmissionImport) -> None:
    """The job's first step: the file as text with each read column named as the form does, its rows counted."""
    read_upload(db, job, _form_columns(db, job), MAX_ROWS, _too_many)
    job.status = "checking" if job.dry_run else "queued"


def _too_many(_rows: int) -> ValidationFailed:
    return ValidationFailed(
        labels.IMPORT_TOO_MANY_ROWS.format(limit=MAX_ROWS), details={"field": "file", "rule": "max_rows"}
    )


def get_import(db: Session, import_id: int, scope: TenantScope) -> SubmissionImport:
    """Another 管轄's is a 404."""
    return get_scoped(db, SubmissionImport, import_id, scope, SubmissionImport.jurisdiction)


NEWEST_FIRST = (SubmissionImport.id.desc(),)
LISTED = (
    SubmissionImport.id,
    SubmissionImport.form_kind,
    SubmissionImport.filename,
    SubmissionImport.status,
    SubmissionImport.total_rows,
    SubmissionImport.planned_rows,
    SubmissionImport.accepted_rows,
    SubmissionImport.duplicate_rows,
    SubmissionImport.unreadable_rows,
    SubmissionImport.outside_rows,
    SubmissionImport.held_rows,
    SubmissionImport.created_by,
    SubmissionImport.created_at,
    SubmissionImport.finished_at,
)


def import_entry(row: Any) -> dict[str, Any]:
    checking = row.status in ("checking", "checked")
    return {
        "id": row.id,
        "form_kind": row.form_kind,
        "form_label": labels.KINDS[row.form_kind],
        "filename": row.filename,
        "status": row.status,
        "status_label": labels.IMPORT_STATUSES[row.status],
        "total_rows": row.total_rows,
        "taken_rows": row.planned_rows if checking else row.accepted_rows,
        "duplicate_rows": row.duplicate_rows,
        "unreadable_rows": row.unreadable_rows,
        "outside_rows": row.outside_rows,
        "held_rows": row.held_rows,
        "created_by": row.created_by,
        "created_at": row.created_at,
        "finished_at": row.finished_at,
    }


def _listed(scope: TenantScope) -> Select:
    return scoped(select(*LISTED), scope, SubmissionImport.jurisdiction)


def import_page(db: Session, *, scope: TenantScope, offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
    """Never the stored file or its reports."""
    total = db.scalar(select(func.count()).select_from(_listed(scope).subquery())) or 0
    rows = db.execute(_listed(scope).order_by(*NEWEST_FIRST).offset(offset).limit(limit)).all()
    return [import_entry(row) for row in rows], total


def import_export(scope: TenantScope) -> ListExport:
    """The import list as the CSV download."""
    columns = [item(header, key) for key, header in labels.IMPORT_LIST_COLUMNS.items()]
    return ListExport(_listed(scope), NEWEST_FIRST, columns, lambda _db, rows: [import_entry(row) for row in rows])


def parse_timestamp(text: str) -> datetime:
    """In the forms people type it (service/tabular.py), in the service's zone; ValueError names the column."""
    try:
        return read_datetime(text, ZoneInfo(get_settings().timezone))
    except ValueError as exc:
        raise ValueError(cell_problem(labels.IMPORT_TIMESTAMP, text, str(exc))) from None


def _with_dates(questions: forms.QuestionSet, record: dict[str, str], submitted_at: datetime) -> dict[str, str]:
    """A date answer typed as people type it (2026年11月8日, ２０２６/１１/８, 11/8 in the timestamp's year) as the form
    writes it; one still unreadable is reported by the form's rule."""
    dated = dict(record)
    for key, value in record.items():
        question = questions.by_key.get(forms.ALIASES.get(key, key))
        if question is None or question.type != "date" or not value:
            continue
        try:
            dated[key] = f"{read_date(value, year=submitted_at.year):%Y/%m/%d}"
        except ValueError:
            continue
    return dated


RowKey = tuple[str, datetime]  # a device's number, a timestamp


@dataclass
class Chunk:
    db: Session
    job: SubmissionImport
    form: Form
    questions: forms.QuestionSet
    devices: dict[str, Device]
    taken: set[RowKey]
    first_rows: FirstRows  # the file's first row of each device and timestamp, and of each device
    write: bool
    created: int = 0
    planned: set[str] = field(default_factory=set)  # the chunk's first
    seen: set[str] = field(default_factory=set)  # and those an earlier chunk's rows register
    places: dict[str, Location] = field(default_factory=dict)  # by code
    models: dict[str, Model] = field(default_factory=dict)
    confirmed: set[str] = field(default_factory=set)  # new numbers a person said are no typing mistake

    @functools.cached_property
    def locations(self) -> dict[str, Location]:
        return {place.id: place for place in self.places.values()}

    @functools.cached_property
    def known_serials(self) -> dict[str, tuple[list[str], list[str]]]:
        """The 製造番号 and numbers of the 管轄's devices (every one for an admin's import) registered before the
        import, by their number's sections before the serial (拠点_カテゴリ_モデル)."""
        stmt = select(Device.management_number, Device.serial_number).where(Device.created_at < self.job.created_at)
        if self.job.jurisdiction is not None:
            stmt = stmt.where(Device.jurisdiction == self.job.jurisdiction)
        known: dict[str, tuple[list[str], list[str]]] = {}
        for number, serial in self.db.execute(stmt):
            serials, numbers = known.setdefault(_model_prefix(number), ([], []))
            serials.append(serial)
            numbers.append(number)
        return known


def _model_prefix(number: str) -> str:
    """拠点_カテゴリ_モデル of a number."""
    return "_".join(number.split("_")[:3])


@dataclass
class Verdict:
    outcome: str
    reasons: list[str]
    row: dict[str, Any] | None = None
    new_device: bool = False
    known_number: str | None = None  # a held row's: the known device it is near


def _text_problems(questions: forms.QuestionSet, record: dict[str, str]) -> list[str]:
    """Refused as a request's text is (service/schemas.py); an answer may hold tab and newline, as in the form."""
    problems = []
    for column, value in record.items():
        guard = single_line if column in FIXED_COLUMNS else multi_line if column in questions.by_key else None
        if guard is None:
            continue
        try:
            guard(value)
        except PydanticCustomError as refused:
            problems.append(cell_problem(column, None, refused.message()))
    return problems


def _row_key(questions: forms.QuestionSet, record: Record) -> RowKey | None:
    """What makes two rows one answer: the device's number and the timestamp (None: the row is refused before)."""
    if _text_problems(questions, record.values):
        return None
    values = record.values
    try:
        return values.get(labels.IMPORT_NUMBER, ""), parse_timestamp(values.get(labels.IMPORT_TIMESTAMP, ""))
    except ValueError:
        return None


def _load_chunk(db: Session, job: SubmissionImport, records: list[Record], *, write: bool) -> Chunk:
    """With what the file's rows above it hold (`loaners_import_first_row`), not those rows."""
    form = forms.get_form(db, job.form_kind)
    numbers = {r.values.get(labels.IMPORT_NUMBER, "") for r in records} - {""}
    devices = {d.management_number: d for d in db.scalars(select(Device).where(Device.management_number.in_(numbers)))}
    stored = db.execute(
        select(Device.management_number, Submission.submitted_at)
        .join(Submission, Submission.device_id == Device.id)
        .where(Device.management_number.in_(numbers))
    ).tuples()
    questions = forms.question_set(db, form.kind)
    keys = {key for key in (_row_key(questions, record) for record in records) if key is not None}
    named = numbers | {number for number, _ in keys}  # with "": a row without a number is keyed too
    first_rows = FirstRows(db, ImportFirstRow, job.id, [*keys, *((number,) for number in named)])
    chunk = Chunk(
        db=db,
        job=job,
        form=form,
        questions=questions,
        devices=devices,
        taken=set(stored),
        first_rows=first_rows,
        write=write,
        places={p.code: p for p in db.scalars(select(Location))},
        models={m.number_section: m for m in db.scalars(select(Model))},
    )
    start = records[0].number if records else 0
    chunk.seen = {
        number
        for number in numbers - set(devices)
        if (first_rows.get((number,)) or start) < start
        and _registrable(chunk, number)
        and _mistyped(chunk, number) is None
    }
    return chunk


def _registration(chunk: Chunk, number: str) -> tuple[numbering.ParsedNumber, Location, Model]:
    parsed = numbering.parse(number)
    location, model = chunk.places.get(parsed.location_code), chunk.models.get(parsed.model_section)
    if location is None:
        raise ValidationFailed(labels.UNKNOWN_LOCATION, details={"rule": "unknown_location"})
    _check_scope(chunk.job, location)
    if model is None or numbering.category_section(model.category) != parsed.category_section:
        raise ValidationFailed(labels.UNKNOWN_MODEL, details={"rule": "unknown_model"})
    if kind_of(model.category) != chunk.form.kind:
        raise ValidationFailed(labels.IMPORT_WRONG_FORM.format(kind=labels.KINDS[kind_of(model.category)]))
    return parsed, location, model


class OutsideJurisdiction(ValueError):
    """The row's device is at another 管轄's location: its outcome is 管轄外, not 読み取れない."""


class Mistyped(ValueError):
    """The row's new number has a serial one edit from a known device's: its outcome is 確認待ち."""

    def __init__(self, message: str, known_number: str) -> None:
        super().__init__(message)
        self.known_number = known_number  # the known device's


def _mistyped(chunk: Chunk, number: str) -> tuple[str, str] | None:
    """The refusal, and the known device's number, of a new number whose 製造番号 is one substitution or transposition
    (Damerau-Levenshtein, as rapidfuzz's OSA counts it) from that of a device of the same 拠点 and model registered
    before the import."""
    try:
        serial = numbering.parse(number).serial_number
    except DomainError:
        return None
    serials, numbers = chunk.known_serials.get(_model_prefix(number), ([], []))
    near = process.extract(serial, serials, scorer=OSA.distance, score_cutoff=1, limit=None)
    for known, distance, index in sorted(near, key=lambda found: (found[1], found[2])):
        if distance == 1:
            reason = labels.IMPORT_MISTYPED.format(typed=serial, known=known, number=numbers[index])
            return cell_problem(labels.IMPORT_NUMBER, number, reason), numbers[index]
    return None


def _check_scope(job: SubmissionImport, location: Location) -> None:
    if job.jurisdiction is not None and location.jurisdiction != job.jurisdiction:
        raise OutsideJurisdiction(
            labels.IMPORT_OUTSIDE_JURISDICTION.format(
                location=location.name, jurisdiction=location.jurisdiction, own=job.jurisdiction
            )
        )


def _registrable(chunk: Chunk, number: str) -> bool:
    try:
        _registration(chunk, number)
    except (DomainError, OutsideJurisdiction):
        return False
    return True


def _register_device(db: Session, chunk: Chunk, number: str) -> Device | None:
    """The dry run only notes it will be."""
    parsed, location, model = _registration(chunk, number)
    if not chunk.write:
        chunk.planned.add(number)
        return None
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


def _device(db: Session, chunk: Chunk, number: str) -> Device | None:
    """None in the dry run when it would be registered; ValueError with the reason it cannot be (OutsideJurisdiction
    for another 管轄's)."""
    if not number:
        raise ValueError(cell_problem(labels.IMPORT_NUMBER, number, labels.IMPORT_NO_NUMBER))
    device = chunk.devices.get(number)
    if device is None:
        if number in chunk.planned or number in chunk.seen:
            return None
        if number not in chunk.confirmed and (mistyped := _mistyped(chunk, number)):
            raise Mistyped(*mistyped)
        try:
            return _register_device(db, chunk, number)
        except DomainError as exc:
            reason = labels.IMPORT_UNKNOWN_DEVICE.format(reason=exc.message)
            raise ValueError(cell_problem(labels.IMPORT_NUMBER, number, reason)) from exc
    _check_scope(chunk.job, chunk.locations[device.location_id])
    if device.kind != chunk.form.kind:
        reason = labels.IMPORT_WRONG_FORM.format(kind=labels.KINDS[device.kind])
        raise ValueError(cell_problem(labels.IMPORT_NUMBER, number, reason))
    return device


def _check_row(db: Session, chunk: Chunk, row: Record) -> Verdict:
    record = row.values
    number = record.get(labels.IMPORT_NUMBER, "")
    if problems := _text_problems(chunk.questions, record):
        return Verdict("unreadable", problems)
    try:
        submitted_at = parse_timestamp(record.get(labels.IMPORT_TIMESTAMP, ""))
        key = (number, submitted_at)
        first = chunk.first_rows.first(key, row.number)
        chunk.first_rows.first((number,), row.number)
        if first < row.number:
            return Verdict("duplicate", [SAME_AS.format(row=first)])
        new_device = number not in chunk.devices and number not in chunk.planned | chunk.seen
        device = _device(db, chunk, number)
    except OutsideJurisdiction as exc:
        return Verdict("outside", [str(exc)])
    except Mistyped as exc:
        return Verdict("held", [str(exc)], known_number=exc.known_number)
    except ValueError as exc:
        return Verdict("unreadable", [str(exc)])
    if key in chunk.taken:
        return Verdict("duplicate", [labels.IMPORT_DUPLICATE])
    chunk.taken.add(key)
    answered = {k: v for k, v in record.items() if k in chunk.questions.by_key}
    answers, differences = forms.answer_errors(chunk.questions, _with_dates(chunk.questions, answered, submitted_at))
    stored = None
    if device is not None:
        stored = submission_row(
            device_id=device.id,
            form_id=chunk.form.id,
            answers=answers,
            submitted_at=submitted_at,
            email=record.get(labels.IMPORT_EMAIL, "")[:254],
            source="import",
            import_id=chunk.job.id,
        )
    return Verdict("import", [d["message"] for d in differences], stored, new_device)


def _plan_entry(row: Record, verdict: Verdict) -> dict[str, Any]:
    record = row.values
    return {
        "row": row.number,
        "management_number": record.get(labels.IMPORT_NUMBER, ""),
        "timestamp": record.get(labels.IMPORT_TIMESTAMP, ""),
        "outcome": verdict.outcome,
        "outcome_label": labels.IMPORT_OUTCOMES[verdict.outcome],
        "new_device": verdict.new_device,
        "reasons": verdict.reasons,
    }


def _dry_run_chunk(db: Session, job: SubmissionImport, size: int) -> None:
    records = _records(db, job, job.checked_rows, size)
    chunk = _load_chunk(db, job, records, write=False)
    counts = dict.fromkeys(labels.IMPORT_OUTCOMES, 0)
    plan = Report(job.plan)
    for record in records:
        verdict = _check_row(db, chunk, record)
        counts[verdict.outcome] += 1
        plan.add(_plan_entry(record, verdict))
    chunk.first_rows.save()
    job.plan = plan.rows
    job.planned_rows += counts["import"]
    job.duplicate_rows += counts["duplicate"]
    job.unreadable_rows += counts["unreadable"]
    job.outside_rows += counts["outside"]
    job.held_rows += counts["held"]
    job.planned_devices += len(chunk.planned)
    job.checked_rows += len(records)
    if len(records) < size or job.checked_rows >= job.total_rows:
        job.status = "checked"


def _count_refused(job: SubmissionImport, outcome: str) -> None:
    if outcome == "duplicate":
        job.duplicate_rows += 1
    elif outcome == "outside":
        job.outside_rows += 1
    elif outcome == "held":
        job.held_rows += 1
    else:
        job.unreadable_rows += 1


def _rejected_entry(row: Record, verdict: Verdict) -> dict[str, Any]:
    return {
        "row": row.number,
        "management_number": row.values.get(labels.IMPORT_NUMBER, ""),
        "outcome": verdict.outcome,
        "outcome_label": labels.IMPORT_OUTCOMES[verdict.outcome],
        "errors": verdict.reasons,
        **({"known_number": verdict.known_number} if verdict.known_number else {}),
    }


def _store(db: Session, rows: list[dict[str, Any]]) -> None:
    """Answers appended to their devices' history, each device's current state moved to its newest."""
    if rows:
        db.execute(insert(Submission), rows)
        recompute_states(db, (row["device_id"] for row in rows))


def _import_chunk(db: Session, job: SubmissionImport, size: int, now: datetime) -> None:
    start = job.processed_rows
    records = _records(db, job, start, size)
    chunk = _load_chunk(db, job, records, write=True)
    accepted, rejected = [], Report(job.rejected)
    for record in records:
        verdict = _check_row(db, chunk, record)
        if verdict.row is not None:
            accepted.append(verdict.row | {"created_at": now})
            continue
        job.rejected_rows += 1
        _count_refused(job, verdict.outcome)
        rejected.add(_rejected_entry(record, verdict))
    _store(db, accepted)
    chunk.first_rows.save()
    job.status = "running"
    job.processed_rows = start + len(records)
    job.accepted_rows += len(accepted)
    job.created_devices += chunk.created
    job.rejected = rejected.rows
    if len(records) < size or job.processed_rows >= job.total_rows:
        job.status, job.finished_at = "done", now


def process_chunk(db: Session, *, import_id: int, now: datetime, size: int = CHUNK) -> bool:
    """Returns whether rows remain; a checked import waits for 取り込む. The job's row is locked for the chunk: a task
    delivered twice waits, then continues after the rows already done."""
    job = db.scalar(select(SubmissionImport).where(SubmissionImport.id == import_id).with_for_update())
    if job is None or job.status not in RUNNING:
        return False
    if job.status == READING:
        _read_file(db, job)
    elif job.status == "checking":
        _dry_run_chunk(db, job, size)
    else:
        _import_chunk(db, job, size, now)
    db.flush()
    return job.status in RUNNING


def start_checked_import(db: Session, *, job: SubmissionImport, actor: Actor, now: datetime) -> SubmissionImport:
    """Each row is checked again as it is stored."""
    if job.status != "checked":
        raise Conflict(labels.IMPORT_NOT_CHECKED, code="import_not_checked")
    job.status = "queued"
    job.duplicate_rows = job.unreadable_rows = job.outside_rows = job.held_rows = 0  # rows change meanwhile
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="import_submissions",
        domain=labels.DOMAIN,
        target_type="import",
        target_id=job.id,
        changes={"rows": {"before": None, "after": job.planned_rows}},
        at=now,
    )
    return job


def _held_entry(job: SubmissionImport, row: int) -> int:
    """The index in the import's refused rows of the row held as 確認待ち and not resolved yet."""
    if job.status != "done":
        raise Conflict(labels.HELD_NOT_DONE, code="import_not_done")
    for index, entry in enumerate(job.rejected):
        if entry["row"] == row and entry["outcome"] == "held" and "resolution" not in entry:
            return index
    raise NotFound(labels.HELD_NOT_FOUND.format(row=row), code="held_row_not_found")


def _record_at(db: Session, job: SubmissionImport, row: int) -> Record:
    rows = stored_records(db, job, _form_columns(db, job))
    found = next((record for record in rows if record.number == row), None)
    if found is None:
        raise NotFound(labels.HELD_NOT_FOUND.format(row=row), code="held_row_not_found")
    return _typed([found])[0]


def _as_resolved(
    db: Session, job: SubmissionImport, record: Record, resolution: HeldResolution
) -> tuple[Chunk, Record]:
    """The row with its number as the person said (as typed and confirmed new, or the known device's), and its chunk."""
    chunk = _load_chunk(db, job, [record], write=True)
    typed = record.values[labels.IMPORT_NUMBER]
    if resolution is HeldResolution.NEW:
        chunk.confirmed.add(typed)
        return chunk, record
    mistyped = _mistyped(chunk, typed)
    if mistyped is None:
        raise Conflict(labels.HELD_KNOWN_GONE.format(number=typed), code="held_known_gone")
    known = Record(record.number, record.values | {labels.IMPORT_NUMBER: mistyped[1]})
    return _load_chunk(db, job, [known], write=True), known


def resolve_held_row(
    db: Session, *, job: SubmissionImport, row: int, resolution: HeldResolution, actor: Actor, now: datetime
) -> SubmissionImport:
    """新規として登録 (its number registered as a new device) or 既存を更新 (the answer added to the known device it was
    near) for a row the import held as 確認待ち; the answer is checked and stored as the import stores one (a copy or
    an answer already stored is refused, saying so). The import's row is locked: a second click waits, then finds the
    row resolved."""
    db.refresh(job, with_for_update=True)
    index = _held_entry(job, row)
    typed = _record_at(db, job, row)
    chunk, record = _as_resolved(db, job, typed, resolution)
    verdict = _check_row(db, chunk, record)
    if verdict.row is None:
        raise Conflict("、".join(verdict.reasons), code=f"held_row_{verdict.outcome}")
    _store(db, [verdict.row | {"created_at": now}])
    entry = job.rejected[index] | {"resolution": resolution.value, "resolution_label": resolution.words}
    job.rejected = [*job.rejected[:index], entry, *job.rejected[index + 1 :]]
    job.held_rows, job.rejected_rows = job.held_rows - 1, job.rejected_rows - 1
    job.accepted_rows, job.created_devices = job.accepted_rows + 1, job.created_devices + chunk.created
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="resolve_held_row",
        domain=labels.DOMAIN,
        target_type="import",
        target_id=job.id,
        changes={
            "row": {"before": None, "after": row},
            "management_number": {
                "before": typed.values[labels.IMPORT_NUMBER],
                "after": record.values[labels.IMPORT_NUMBER],
            },
            "resolution": {"before": None, "after": resolution.words},
        },
        at=now,
    )
    return job


def mark_failed(db: Session, *, import_id: int, now: datetime, error: str) -> None:
    """A bad row is rejected, not this; the rows done so far are kept."""
    job = db.get(SubmissionImport, import_id)
    if job is not None and job.status != "done":
        job.status, job.finished_at, job.error, job.upload = "failed", now, error[:500], None
