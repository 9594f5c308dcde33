"""CSV import of terminals from the current vendor, run as a job in chunks so the page can poll its progress."""

import re
from datetime import date, datetime

from pydantic import ValidationError
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from service.audit.service import Actor
from service.csvtools import csv_rows, decode_csv
from service.errors import Fields, NotFound, ValidationFailed, validation_message
from service.fleet import auditing, labels
from service.fleet.models import Customer, Terminal, TerminalImport
from service.fleet.registry.schemas import TerminalCreate
from service.tenancy import TenantScope, scoped

MAX_ROWS = 50_000
CHUNK = 500
FIELDS = ("serial_number", "customer", "store_name", "installed_date", "firmware_version")
HEADERS = {name: name for name in FIELDS} | labels.IMPORT_HEADERS
REQUIRED = ("serial_number", "customer", "store_name")
# Each field's column as a person names it: its first Japanese header (シリアル番号), for a refusal naming a column
COLUMN_NAMES = {field: header for header, field in reversed(labels.IMPORT_HEADERS.items())}
TERMINAL_FIELDS = Fields("fleet", "terminal")  # a row's refusal names its fields as the vocabulary does


def _records(content: str) -> list[dict[str, str]]:
    reader = csv_rows(content)
    header = [HEADERS.get(h.strip().lower(), HEADERS.get(h.strip(), "")) for h in next(reader, [])]
    missing = [COLUMN_NAMES[h] for h in REQUIRED if h not in header]
    if missing:
        raise ValidationFailed(
            "CSVに必須の列がありません", details={"field": "file", "rule": "columns", "missing": missing}
        )
    return [
        {k: v.strip() for k, v in zip(header, row, strict=False) if k} for row in reader if any(c.strip() for c in row)
    ]


def create_import(
    db: Session, *, filename: str, data: bytes, scope: TenantScope, actor: Actor, now: datetime
) -> TerminalImport:
    """Check the file's shape now (encoding, columns, size); the rows are checked by the job."""
    content = decode_csv(data)
    rows = _records(content)
    if len(rows) > MAX_ROWS:
        raise ValidationFailed(
            f"一度に取り込めるのは{MAX_ROWS}行までです", details={"field": "file", "rule": "max_rows"}
        )
    job = TerminalImport(
        filename=filename[:200],
        content=content,
        total_rows=len(rows),
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
        {"filename": {"before": None, "after": filename}, "rows": {"before": None, "after": len(rows)}},
        at=now,
    )
    return job


def get_import(db: Session, *, import_id: int, scope: TenantScope) -> TerminalImport:
    job = db.scalar(
        scoped(select(TerminalImport).where(TerminalImport.id == import_id), scope, TerminalImport.scope_customer_id)
    )
    if job is None:
        raise NotFound("指定された取込は見つかりません", details={"resource": "fleet_terminal_import", "id": import_id})
    return job


def _parse_date(value: str) -> date | None:
    if not value:
        return None
    match = re.fullmatch(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})", value)
    if not match:
        raise ValueError(labels.IMPORT_BAD_DATE)
    return date(*(int(g) for g in match.groups()))


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
    errors = [labels.IMPORT_REQUIRED.format(name=name) for name in REQUIRED if not record.get(name)]
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
    """Check and insert the next chunk of rows; returns whether rows remain.

    The job's row is locked for the chunk: a task delivered twice waits, then continues after the rows already done.
    """
    job = db.scalar(select(TerminalImport).where(TerminalImport.id == import_id).with_for_update())
    if job is None or job.status in ("done", "failed"):
        return False
    records = _records(job.content)
    start = job.processed_rows
    chunk = records[start : start + size]
    customers = _customers(db, job)
    serials = {r.get("serial_number", "") for r in chunk}
    taken = set(db.scalars(select(Terminal.serial_number).where(Terminal.serial_number.in_(serials))).all())
    accepted, rejected = [], list(job.rejected)
    for number, record in enumerate(chunk, start=start + 2):
        checked = _check_row(record, customers)
        if isinstance(checked, dict) and checked["serial_number"] in taken:
            checked = [labels.IMPORT_DUPLICATE]
        if isinstance(checked, list):
            rejected.append({"row": number, "serial_number": record.get("serial_number", ""), "errors": checked})
            continue
        taken.add(checked["serial_number"])
        accepted.append(checked | {"created_at": now, "updated_at": now})
    if accepted:
        db.execute(insert(Terminal), accepted)
    job.status = "running"
    job.processed_rows, job.accepted_rows, job.rejected = (
        start + len(chunk),
        job.accepted_rows + len(accepted),
        rejected,
    )
    if job.processed_rows >= len(records):
        job.status, job.finished_at = "done", now
    db.flush()
    return job.status != "done"


def mark_failed(db: Session, *, import_id: int, now: datetime) -> None:
    """The job broke off (not a bad row: those are rejected); the page shows 失敗 with the rows done so far."""
    job = db.get(TerminalImport, import_id)
    if job is not None and job.status != "done":
        job.status, job.finished_at = "failed", now
