"""Import of terminals from the current vendor (an .xlsx or a CSV, read by service/tabular.py: the header below any
title rows, a column named otherwise mapped by the person, rows reported by their sheet row), run as a job in chunks so
the page can poll its progress; its refused rows are listed as every import lists them (import_jobs.Report), counted
in full."""

from datetime import date, datetime

from pydantic import ValidationError
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from service.audit.service import Actor
from service.errors import Fields, NotFound, ValidationFailed, validation_message
from service.fleet import auditing, labels
from service.fleet.models import Customer, Terminal, TerminalImport, TerminalImportFirstRow
from service.fleet.registry.schemas import TerminalCreate
from service.import_jobs import READING, FirstRows, Report, chunk_records, read_head, read_upload
from service.tabular import Columns, Record, cell_problem, read_date
from service.tenancy import TenantScope, scoped

MAX_ROWS = 50_000
CHUNK = 500
FIELDS = ("serial_number", "customer", "store_name", "installed_date", "firmware_version")
REQUIRED = ("serial_number", "customer", "store_name")
# Each field's column as a person names it: its first Japanese header (シリアル番号), for a refusal naming a column
COLUMN_NAMES = {field: header for header, field in reversed(labels.IMPORT_HEADERS.items())}
FIELD_OF = {header: field for field, header in COLUMN_NAMES.items()}
COLUMNS = Columns(
    tuple(COLUMN_NAMES[name] for name in FIELDS),
    tuple(COLUMN_NAMES[name] for name in REQUIRED),
    {alias: COLUMN_NAMES[name] for alias, name in labels.IMPORT_HEADERS.items()}  # 会社名, and the field names
    | {name: COLUMN_NAMES[name] for name in FIELDS},
)
TERMINAL_FIELDS = Fields("fleet", "terminal")  # a row's refusal names its fields as the vocabulary does


def _records(db: Session, job: TerminalImport, start: int, size: int) -> list[Record]:
    """Rows start to start + size of the stored text (0: the first below the header), each row's cells by field, with
    its sheet row number."""
    return [
        Record(r.number, {FIELD_OF[k]: v for k, v in r.values.items()})
        for r in chunk_records(db, job, COLUMNS, start, size)
    ]


def create_import(
    db: Session,
    *,
    filename: str,
    data: bytes,
    scope: TenantScope,
    actor: Actor,
    now: datetime,
    mapping: dict[str, str] | None = None,
) -> TerminalImport:
    """Only the file's header is read now: a mapping names the import's column for a file's column named otherwise
    (tabular.ColumnsUnmatched asks for one). The file is kept for the job, which reads it, then checks its rows."""
    read_head(data, COLUMNS, mapping)
    job = TerminalImport(
        filename=filename[:200],
        upload=data,
        mapping=mapping or {},
        status=READING,
        created_by=actor.label,
        scope_customer_id=None if scope.value is None else int(scope.value),
        created_at=now,
    )
    db.add(job)
    db.flush()
    auditing.record(
        db,
        actor,
        "import_terminals",
        "terminal_import",
        job.id,
        {
            "filename": {"before": None, "after": filename},
            **({"columns": {"before": None, "after": mapping}} if mapping else {}),
        },
        at=now,
    )
    return job


def _too_many(_rows: int) -> ValidationFailed:
    return ValidationFailed(f"一度に取り込めるのは{MAX_ROWS}行までです", details={"field": "file", "rule": "max_rows"})


def get_import(db: Session, *, import_id: int, scope: TenantScope) -> TerminalImport:
    job = db.scalar(
        scoped(select(TerminalImport).where(TerminalImport.id == import_id), scope, TerminalImport.scope_customer_id)
    )
    if job is None:
        raise NotFound("指定された取込は見つかりません", details={"resource": "fleet_terminal_import", "id": import_id})
    return job


def _parse_date(value: str) -> date | None:
    """2025/04/01, 2025-04-01, 2025年4月1日, full-width digits, an Excel date cell."""
    if not value:
        return None
    try:
        return read_date(value)
    except ValueError as exc:
        raise ValueError(cell_problem(COLUMN_NAMES["installed_date"], value, str(exc))) from None


def _customers(db: Session, job: TerminalImport) -> dict[str, int]:
    stmt = select(Customer.id, Customer.company_name)
    if job.scope_customer_id is not None:
        stmt = stmt.where(Customer.id == job.scope_customer_id)
    found: dict[str, int] = {}
    for customer_id, name in db.execute(stmt):
        found[str(customer_id)] = customer_id
        found[name.lower()] = customer_id
    return found


def _check_row(record: dict[str, str], customers: dict[str, int]) -> dict | list[str]:
    """A terminal row ready to insert, or the reasons the row is rejected."""
    errors = [labels.IMPORT_REQUIRED.format(name=COLUMN_NAMES[name]) for name in REQUIRED if not record.get(name)]
    customer_id = customers.get(record.get("customer", "").lower())
    if record.get("customer") and customer_id is None:
        errors.append(labels.IMPORT_UNKNOWN_CUSTOMER)
    try:
        installed = _parse_date(record.get("installed_date", ""))
    except ValueError as exc:
        errors.append(str(exc))
        installed = None
    if errors:
        return errors
    try:
        data = TerminalCreate(
            serial_number=record["serial_number"],
            customer_id=customer_id,
            store_name=record["store_name"],
            firmware_version=record.get("firmware_version") or "1.0.0",
            installed_date=installed,
        )
    except ValidationError as exc:
        return [validation_message(e, TERMINAL_FIELDS) for e in exc.errors()]
    return data.model_dump()


def process_chunk(db: Session, *, import_id: int, now: datetime, size: int = CHUNK) -> bool:
    """Check and insert the next chunk of rows; returns whether rows remain. A serial's first row in the file is
    looked up in the import's first-row index (service/import_jobs.py), not by reading the rows above the chunk.

    The job's row is locked for the chunk: a task delivered twice waits, then continues after the rows already done.
    """
    job = db.scalar(select(TerminalImport).where(TerminalImport.id == import_id).with_for_update())
    if job is None or job.status in ("done", "failed"):
        return False
    if job.status == READING:
        read_upload(db, job, COLUMNS, MAX_ROWS, _too_many)
        job.status = "queued"
        db.flush()
        return True
    start = job.processed_rows
    chunk = _records(db, job, start, size)
    customers = _customers(db, job)
    serials = {r.values.get("serial_number", "") for r in chunk}
    taken = set(db.scalars(select(Terminal.serial_number).where(Terminal.serial_number.in_(serials))).all())
    first_rows = FirstRows(db, TerminalImportFirstRow, job.id, [(serial,) for serial in serials])
    accepted, rejected = [], Report(job.rejected)
    for record in chunk:
        serial = record.values.get("serial_number", "")
        checked = _check_row(record.values, customers)
        first = first_rows.first((serial,), record.number)
        if isinstance(checked, dict) and first < record.number:
            checked = [labels.IMPORT_SAME_SERIAL.format(row=first)]
        elif isinstance(checked, dict) and checked["serial_number"] in taken:
            checked = [labels.IMPORT_DUPLICATE]
        if isinstance(checked, list):
            rejected.add({"row": record.number, "serial_number": serial, "errors": checked})
            continue
        taken.add(checked["serial_number"])
        accepted.append(checked | {"created_at": now, "updated_at": now})
    if accepted:
        db.execute(insert(Terminal), accepted)
    first_rows.save()
    job.status = "running"
    job.processed_rows, job.accepted_rows, job.rejected = (
        start + len(chunk),
        job.accepted_rows + len(accepted),
        rejected.rows,
    )
    if len(chunk) < size or job.processed_rows >= job.total_rows:
        job.status, job.finished_at = "done", now
    db.flush()
    return job.status != "done"


def mark_failed(db: Session, *, import_id: int, now: datetime, error: str) -> None:
    """The job broke off (not a bad row: those are rejected); the page shows 失敗, why, and the rows done so far."""
    job = db.get(TerminalImport, import_id)
    if job is not None and job.status != "done":
        job.status, job.finished_at, job.error, job.upload = "failed", now, error[:500], None
