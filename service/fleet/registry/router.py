"""The customer and terminal registers: 顧客一覧, 端末一覧 and 端末詳細 (series, events, commands, the agent's
enrolment), and the CSV import of terminals."""

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile

from service import exports
from service.broker import queue_task
from service.database import utcnow
from service.deps import DbSession
from service.errors import Forbidden
from service.fleet import credentials
from service.fleet.dependencies import Admin, CustomerId, Operator, Reader, Scope, ScopedCustomer, ScopedTerminal
from service.fleet.kinds import EventLevel, TerminalStatus
from service.fleet.registry import csv_exports, customers, imports, store_ranking, terminals
from service.fleet.registry.schemas import (
    CommandRead,
    CustomerCreate,
    CustomerRead,
    CustomerUpdate,
    DiagnosticRead,
    DiagnosticsRequest,
    EnrollmentCodeOut,
    IntervalIn,
    MaintenanceIn,
    MetricSeries,
    StoreRead,
    TerminalCreate,
    TerminalEventRead,
    TerminalFilter,
    TerminalImportRead,
    TerminalRead,
    TerminalUpdate,
)
from service.fleet.registry.store_ranking import StoreFilter
from service.pagination import Page, Paging, page_of
from service.schemas import IsoDate, Normalised, OneOf, QueryText, SingleLine
from service.tabular import COLUMNS_FIELD, MappingText, parse_mapping

router = APIRouter(prefix="/fleet", tags=["fleet"])


def terminal_filter(
    customer_id: CustomerId,
    status: TerminalStatus | None = None,
    firmware_version: Annotated[str | None, Query(max_length=20), Normalised, SingleLine] = None,
    q: QueryText = None,
    registered_to: Annotated[IsoDate | None, Query(description="registered on or before this day")] = None,
) -> TerminalFilter:
    """The terminal list's filters: state, customer, firmware, a search of serial, store or company name, and the day
    by which they were registered (a month's 端末数)."""
    return TerminalFilter(
        customer_id=customer_id, status=status, firmware_version=firmware_version, q=q, registered_to=registered_to
    )


TerminalFilters = Annotated[TerminalFilter, Depends(terminal_filter)]


@router.get("/customers", response_model=Page[CustomerRead])
def list_customers(
    _: Reader,
    scope: Scope,
    db: DbSession,
    paging: Paging,
    q: QueryText = None,
) -> Page:
    rows, total = customers.list_customers(db, scope=scope, q=q, offset=paging.offset, limit=paging.page_size)
    return page_of([CustomerRead.model_validate(c) for c in rows], total, paging)


@router.get("/customers/export", **exports.DOWNLOAD)
def export_customers(_: Reader, scope: Scope, q: QueryText = None) -> exports.Download:
    """The customers the list's search finds, as the CSV download."""
    return exports.download(csv_exports.customer_export(scope, q), "fleet_customers", "顧客一覧")


@router.post("/customers", response_model=CustomerRead, status_code=201)
def create_customer(body: CustomerCreate, caller: Admin, scope: Scope, db: DbSession) -> CustomerRead:
    if not scope.unrestricted:
        raise Forbidden("顧客を限定された権限では顧客を追加できません", code="scoped_grant")
    return CustomerRead.model_validate(customers.create_customer(db, data=body, actor=caller.actor))


@router.get("/customers/{customer_id:int}", response_model=CustomerRead)
def get_customer(_: Reader, customer: ScopedCustomer) -> CustomerRead:
    return CustomerRead.model_validate(customer)


@router.patch("/customers/{customer_id:int}", response_model=CustomerRead)
def update_customer(body: CustomerUpdate, caller: Admin, customer: ScopedCustomer, db: DbSession) -> CustomerRead:
    return CustomerRead.model_validate(customers.update_customer(db, customer=customer, data=body, actor=caller.actor))


@router.delete("/customers/{customer_id:int}", status_code=204)
def delete_customer(caller: Admin, customer: ScopedCustomer, db: DbSession) -> None:
    customers.delete_customer(db, customer=customer, actor=caller.actor)


def store_filter(customer_id: CustomerId, q: QueryText = None, troubled_only: bool = False) -> StoreFilter:
    """店舗別's filters: customer, a search of store or company name, only stores with a terminal offline or
    alerting."""
    return StoreFilter(customer_id=customer_id, q=q, troubled_only=troubled_only)


StoreFilters = Annotated[StoreFilter, Depends(store_filter)]


@router.get("/stores", response_model=Page[StoreRead])
def list_stores(_: Reader, scope: Scope, db: DbSession, paging: Paging, flt: StoreFilters) -> Page:
    """Stores ranked by their terminals offline, then alerting, then their open alerts: the worst first."""
    rows, total = store_ranking.list_stores(db, scope=scope, flt=flt, offset=paging.offset, limit=paging.page_size)
    return page_of(rows, total, paging)


@router.get("/stores/export", **exports.DOWNLOAD)
def export_stores(_: Reader, scope: Scope, flt: StoreFilters) -> exports.Download:
    """The 店舗別 list as the CSV download, in its order."""
    return exports.download(csv_exports.store_export(scope, flt), "fleet_stores", "店舗別")


@router.get("/terminals", response_model=Page[TerminalRead])
def list_terminals(
    _: Reader,
    scope: Scope,
    db: DbSession,
    paging: Paging,
    flt: TerminalFilters,
    sort: Annotated[str, Query(max_length=30), SingleLine] = "company_name",
) -> Page:
    rows, total = terminals.list_terminals(
        db, scope=scope, flt=flt, sort=sort, offset=paging.offset, limit=paging.page_size
    )
    return page_of(rows, total, paging)


@router.get("/terminals/export", **exports.DOWNLOAD)
def export_terminals(_: Reader, scope: Scope, flt: TerminalFilters) -> exports.Download:
    """Every terminal the list's filters select, by ID, as the CSV download."""
    return exports.download(csv_exports.terminal_export(scope, flt), "fleet_terminals", "端末一覧")


@router.post("/terminals", response_model=TerminalRead, status_code=201)
def create_terminal(body: TerminalCreate, caller: Operator, scope: Scope, db: DbSession) -> TerminalRead:
    terminal = terminals.create_terminal(db, data=body, scope=scope, actor=caller.actor)
    return terminals.terminal_read(db, terminal)


@router.get("/terminals/{terminal_id:int}", response_model=TerminalRead)
def get_terminal(_: Reader, terminal: ScopedTerminal, db: DbSession) -> TerminalRead:
    return terminals.terminal_read(db, terminal)


@router.patch("/terminals/{terminal_id:int}", response_model=TerminalRead)
def update_terminal(
    body: TerminalUpdate, caller: Operator, scope: Scope, terminal: ScopedTerminal, db: DbSession
) -> TerminalRead:
    terminals.update_terminal(db, terminal=terminal, data=body, scope=scope, actor=caller.actor)
    return terminals.terminal_read(db, terminal)


@router.post("/terminals/{terminal_id}/maintenance", response_model=TerminalRead)
def set_maintenance(body: MaintenanceIn, caller: Operator, terminal: ScopedTerminal, db: DbSession) -> TerminalRead:
    terminals.set_maintenance(db, terminal=terminal, enabled=body.enabled, actor=caller.actor, now=utcnow())
    return terminals.terminal_read(db, terminal)


@router.post("/terminals/{terminal_id}/enrollment-code", response_model=EnrollmentCodeOut, status_code=201)
def create_enrollment_code(caller: Operator, terminal: ScopedTerminal, db: DbSession) -> EnrollmentCodeOut:
    code, expires_at = credentials.create_enrollment_code(db, terminal=terminal, actor=caller.actor, now=utcnow())
    return EnrollmentCodeOut(code=code, expires_at=expires_at)


@router.post("/terminals/{terminal_id}/revoke-token", status_code=204)
def revoke_token(caller: Operator, terminal: ScopedTerminal, db: DbSession) -> None:
    credentials.revoke_token(db, terminal=terminal, actor=caller.actor, now=utcnow())


@router.post("/terminals/{terminal_id}/diagnostics", response_model=CommandRead, status_code=201)
def request_diagnostics(
    body: DiagnosticsRequest, caller: Operator, terminal: ScopedTerminal, db: DbSession
) -> CommandRead:
    command = terminals.queue_command(
        db,
        terminal=terminal,
        type="collect_diagnostics",
        params={"max_lines": body.max_lines},
        actor=caller.actor,
        now=utcnow(),
    )
    return CommandRead.model_validate(command)


@router.get("/terminals/{terminal_id}/diagnostics", response_model=list[DiagnosticRead])
def list_diagnostics(_: Reader, terminal: ScopedTerminal, db: DbSession) -> list:
    return terminals.list_diagnostics(db, terminal=terminal)


@router.post("/terminals/{terminal_id}/interval", response_model=CommandRead, status_code=201)
def set_interval(body: IntervalIn, caller: Operator, terminal: ScopedTerminal, db: DbSession) -> CommandRead:
    command = terminals.set_interval(
        db, terminal=terminal, interval_seconds=body.interval_seconds, actor=caller.actor, now=utcnow()
    )
    return CommandRead.model_validate(command)


@router.post("/terminals/{terminal_id}/restart", response_model=CommandRead, status_code=201)
def restart(caller: Operator, terminal: ScopedTerminal, db: DbSession) -> CommandRead:
    """再起動 of the terminal's payment application, taken by its next heartbeat; a terminal not heard from now is a 409
    (`terminal_unheard`), and a restart already waiting or under way is answered again."""
    return CommandRead.model_validate(terminals.restart(db, terminal=terminal, actor=caller.actor, now=utcnow()))


@router.get("/terminals/{terminal_id}/commands", response_model=list[CommandRead])
def list_commands(_: Reader, terminal: ScopedTerminal, db: DbSession) -> list:
    return terminals.list_commands(db, terminal=terminal)


@router.get("/terminals/{terminal_id}/metrics", response_model=MetricSeries)
def metrics(
    _: Reader, terminal: ScopedTerminal, db: DbSession, range: Annotated[str, OneOf(tuple(terminals.RANGES))] = "24h"
) -> MetricSeries:  # noqa: A002 - the page's word
    return terminals.metric_series(db, terminal=terminal, range_key=range, now=utcnow())


@router.get("/terminals/{terminal_id}/events", response_model=Page[TerminalEventRead])
def list_events(
    _: Reader,
    terminal: ScopedTerminal,
    db: DbSession,
    paging: Paging,
    level: EventLevel | None = None,
) -> Page:
    rows, total = terminals.list_events(
        db, terminal=terminal, level=level, offset=paging.offset, limit=paging.page_size
    )
    return page_of([TerminalEventRead.model_validate(e) for e in rows], total, paging)


@router.get("/terminals/{terminal_id}/events/export", **exports.DOWNLOAD)
def export_events(_: Reader, terminal: ScopedTerminal, level: EventLevel | None = None) -> exports.Download:
    """The terminal's events (of one level when given), newest first, as the CSV download."""
    return exports.download(
        csv_exports.event_export(terminal, level), f"fleet_terminal_{terminal.id}_events", "端末の履歴"
    )


@router.post("/imports", response_model=TerminalImportRead, status_code=202)
def import_terminals(
    caller: Admin,
    scope: Scope,
    db: DbSession,
    file: Annotated[UploadFile, File()],
    columns: Annotated[MappingText | None, Form(description=COLUMNS_FIELD)] = None,
) -> TerminalImportRead:
    """Accept terminals as an .xlsx or a CSV (title rows above the header passed over); a job reads the file
    (「読み込み中」), then checks and inserts the rows (poll GET /imports/{id}; a file it cannot read ends 失敗 with
    `error`). A required column named otherwise is a 422 `columns_unmatched` listing the file's
    columns and the expected ones: send the file again with `columns`."""
    job = imports.create_import(
        db,
        filename=file.filename or "terminals.csv",
        data=file.file.read(),
        scope=scope,
        actor=caller.actor,
        now=utcnow(),
        mapping=parse_mapping(columns),
    )
    queue_task(db, "fleet.import_terminals", job.id)
    return TerminalImportRead.model_validate(job)


@router.get("/imports/{import_id}", response_model=TerminalImportRead)
def get_import(import_id: int, _: Admin, scope: Scope, db: DbSession) -> TerminalImportRead:
    return TerminalImportRead.model_validate(imports.get_import(db, import_id=import_id, scope=scope))
