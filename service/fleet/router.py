"""The fleet API the dashboards use: thin handlers, every query scoped to the caller's customer."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from fastapi.responses import Response
from sqlalchemy import func, select

from service import exports
from service.body_guard import upload_limit
from service.broker import queue_task
from service.database import utcnow
from service.deps import DbSession
from service.errors import Forbidden
from service.figures import FigureRead
from service.fleet import (
    agents,
    alerts,
    bulk,
    csv_exports,
    customers,
    figures,
    firmware,
    imports,
    incidents,
    monitoring,
    reports,
    terminals,
    views,
)
from service.fleet.dependencies import (
    Admin,
    CustomerId,
    IncidentId,
    Operator,
    Reader,
    ReportReader,
    Scope,
    ScopedAlert,
    ScopedCustomer,
    ScopedIncident,
    ScopedRollout,
    ScopedTerminal,
    TerminalId,
)
from service.fleet.models import Customer, FirmwareRelease, Incident
from service.fleet.schemas import (
    AlertBulkIn,
    AlertRead,
    AlertType,
    AssignIn,
    BulkResult,
    CommandRead,
    CustomerCreate,
    CustomerOption,
    CustomerRead,
    CustomerUpdate,
    DiagnosticRead,
    DiagnosticsRequest,
    EnrollmentCodeOut,
    FleetAssigneeOption,
    FleetDashboardRead,
    FleetIncidentRead,
    FleetNoteIn,
    FleetVocabulary,
    IncidentBulkIn,
    IncidentContactIn,
    IncidentNoteRead,
    IncidentReportIn,
    IncidentResolveIn,
    IngestRead,
    IntervalIn,
    MaintenanceIn,
    MetricSeries,
    MonthlyReport,
    NoteRead,
    ReleaseNotes,
    ReleaseRead,
    ReleaseVersion,
    ResolveIn,
    RolloutCreate,
    RolloutRead,
    SavedViewCreate,
    SavedViewRead,
    Sha256,
    TerminalBulkIn,
    TerminalCreate,
    TerminalEventRead,
    TerminalFilter,
    TerminalImportRead,
    TerminalRead,
    TerminalStatus,
    TerminalUpdate,
    UpdateTaskRead,
    ViewPage,
)
from service.openapi import declares, file_response
from service.pagination import Page, PageParams, page_params
from service.schemas import MONTH_PATTERN, IsoDate, Normalised, QueryText, SingleLine
from service.tenancy import scoped

router = APIRouter(prefix="/fleet", tags=["fleet"])
Paging = Annotated[PageParams, Depends(page_params)]


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


def alert_filter(
    customer_id: CustomerId,
    terminal_id: TerminalId,
    incident_id: IncidentId,
    status: Literal["open", "acknowledged", "resolved"] | None = None,
    alert_type: AlertType | None = None,
    overdue: bool | None = None,
    open_only: bool = False,
) -> alerts.AlertFilter:
    return alerts.AlertFilter(
        status=status,
        alert_type=alert_type,
        customer_id=customer_id,
        terminal_id=terminal_id,
        incident_id=incident_id,
        overdue=overdue,
        open_only=open_only,
    )


TerminalFilters = Annotated[TerminalFilter, Depends(terminal_filter)]
AlertFilters = Annotated[alerts.AlertFilter, Depends(alert_filter)]


def _page(items: list, total: int, paging: PageParams) -> Page:
    return Page(items=items, total=total, page=paging.page, page_size=paging.page_size)


@router.get("/vocabulary", response_model=FleetVocabulary)
def vocabulary(_: ReportReader) -> FleetVocabulary:
    """The fleet wording tables (labels.py), for the dashboards: any fleet role."""
    return FleetVocabulary.current()


@router.get("/dashboard", response_model=FleetDashboardRead)
def dashboard(_: Reader, scope: Scope, db: DbSession) -> FleetDashboardRead:
    return reports.dashboard(db, scope=scope, now=utcnow())


@router.get("/alerts/figures", response_model=list[FigureRead])
def alert_figures(_: Reader, scope: Scope, db: DbSession) -> list[FigureRead]:
    """アラート一覧's cards: each the total of the alert list under its filter (fleet/figures.py)."""
    return figures.figures(db, figures.ALERT_LIST, scope=scope, now=utcnow())


@router.get("/ingest", response_model=IngestRead)
def ingest(_: Reader, db: DbSession) -> IngestRead:
    """Seconds since any terminal's last heartbeat; a stall (none for longer than the gap window) has a banner."""
    status = monitoring.ingest_status(db, now=utcnow())
    return IngestRead(**vars(status), banner=monitoring.stall_banner(status))


# --- customers ---------------------------------------------------------------------------------


@router.get("/customers", response_model=Page[CustomerRead])
def list_customers(
    _: Reader,
    scope: Scope,
    db: DbSession,
    paging: Paging,
    q: QueryText = None,
) -> Page:
    rows, total = customers.list_customers(db, scope=scope, q=q, offset=paging.offset, limit=paging.page_size)
    return _page([CustomerRead.model_validate(c) for c in rows], total, paging)


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


# --- terminals ---------------------------------------------------------------------------------


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
    return _page(rows, total, paging)


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
    code, expires_at = agents.create_enrollment_code(db, terminal=terminal, actor=caller.actor, now=utcnow())
    return EnrollmentCodeOut(code=code, expires_at=expires_at)


@router.post("/terminals/{terminal_id}/revoke-token", status_code=204)
def revoke_token(caller: Operator, terminal: ScopedTerminal, db: DbSession) -> None:
    agents.revoke_token(db, terminal=terminal, actor=caller.actor, now=utcnow())


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


@router.get("/terminals/{terminal_id}/commands", response_model=list[CommandRead])
def list_commands(_: Reader, terminal: ScopedTerminal, db: DbSession) -> list:
    return terminals.list_commands(db, terminal=terminal)


@router.get("/terminals/{terminal_id}/metrics", response_model=MetricSeries)
def metrics(
    _: Reader, terminal: ScopedTerminal, db: DbSession, range: Literal["24h", "7d", "30d"] = "24h"
) -> MetricSeries:  # noqa: A002 - the page's word
    return terminals.metric_series(db, terminal=terminal, range_key=range, now=utcnow())


@router.get("/terminals/{terminal_id}/events", response_model=Page[TerminalEventRead])
def list_events(
    _: Reader,
    terminal: ScopedTerminal,
    db: DbSession,
    paging: Paging,
    level: Literal["info", "warning", "error"] | None = None,
) -> Page:
    rows, total = terminals.list_events(
        db, terminal=terminal, level=level, offset=paging.offset, limit=paging.page_size
    )
    return _page([TerminalEventRead.model_validate(e) for e in rows], total, paging)


@router.get("/terminals/{terminal_id}/events/export", **exports.DOWNLOAD)
def export_events(
    _: Reader, terminal: ScopedTerminal, level: Literal["info", "warning", "error"] | None = None
) -> exports.Download:
    """The terminal's events (of one level when given), newest first, as the CSV download."""
    return exports.download(
        csv_exports.event_export(terminal, level), f"fleet_terminal_{terminal.id}_events", "端末の履歴"
    )


@router.get("/terminals/{terminal_id}/update-tasks", response_model=list[UpdateTaskRead])
def list_update_tasks(_: Reader, terminal: ScopedTerminal, db: DbSession) -> list:
    return firmware.terminal_tasks(db, terminal_id=terminal.id)


@router.post("/terminals/bulk", response_model=BulkResult)
@declares(404)
def terminals_bulk(body: TerminalBulkIn, caller: Operator, scope: Scope, db: DbSession) -> BulkResult:
    """メンテナンス on/off or 診断ログ取得 for every chosen terminal, all or none, audited per terminal."""
    return bulk.terminals_bulk(db, body=body, scope=scope, actor=caller.actor, now=utcnow())


# --- alerts ------------------------------------------------------------------------------------


@router.get("/alerts", response_model=Page[AlertRead])
def list_alerts(
    _: Reader,
    scope: Scope,
    db: DbSession,
    paging: Paging,
    flt: AlertFilters,
) -> Page:
    rows, total = alerts.list_alerts(
        db, scope=scope, flt=flt, offset=paging.offset, limit=paging.page_size, now=utcnow()
    )
    return _page(rows, total, paging)


@router.get("/alerts/export", **exports.DOWNLOAD)
def export_alerts(_: Reader, scope: Scope, flt: AlertFilters) -> exports.Download:
    """Every alert the list's filters select, newest first, as the CSV download."""
    return exports.download(csv_exports.alert_export(scope, flt, utcnow()), "fleet_alerts", "アラート一覧")


@router.get("/alerts/{alert_id:int}", response_model=AlertRead)
def get_alert(_: Reader, alert: ScopedAlert, scope: Scope, db: DbSession) -> AlertRead:
    return alerts.read_alert(db, alert_id=alert.id, scope=scope, now=utcnow())


@router.get("/alerts/{alert_id}/notes", response_model=list[NoteRead])
def list_notes(_: Reader, alert: ScopedAlert, db: DbSession) -> list:
    return alerts.list_notes(db, alert=alert)


@router.post("/alerts/{alert_id}/acknowledge", response_model=AlertRead)
def acknowledge(caller: Reader, alert: ScopedAlert, scope: Scope, db: DbSession) -> AlertRead:
    alerts.acknowledge(db, alert=alert, actor=caller.actor, now=utcnow())
    return alerts.read_alert(db, alert_id=alert.id, scope=scope, now=utcnow())


@router.post("/alerts/{alert_id}/diagnosed", response_model=AlertRead)
def mark_diagnosed(caller: Operator, alert: ScopedAlert, scope: Scope, db: DbSession) -> AlertRead:
    alerts.mark_step(db, alert=alert, step="diagnosed", actor=caller.actor, now=utcnow())
    return alerts.read_alert(db, alert_id=alert.id, scope=scope, now=utcnow())


@router.post("/alerts/{alert_id}/customer-contacted", response_model=AlertRead)
def mark_customer_contacted(caller: Reader, alert: ScopedAlert, scope: Scope, db: DbSession) -> AlertRead:
    alerts.mark_step(db, alert=alert, step="customer_contacted", actor=caller.actor, now=utcnow())
    return alerts.read_alert(db, alert_id=alert.id, scope=scope, now=utcnow())


@router.post("/alerts/{alert_id}/reported", response_model=AlertRead)
def mark_reported(caller: Reader, alert: ScopedAlert, scope: Scope, db: DbSession) -> AlertRead:
    """完了報告 (§4.2 step 6), after the alert was resolved."""
    alerts.report(db, alert=alert, actor=caller.actor, now=utcnow())
    return alerts.read_alert(db, alert_id=alert.id, scope=scope, now=utcnow())


@router.post("/alerts/{alert_id}/assign", response_model=AlertRead)
def assign(body: AssignIn, caller: Reader, alert: ScopedAlert, scope: Scope, db: DbSession) -> AlertRead:
    alerts.assign(db, alert=alert, assignee_id=body.assignee_id, actor=caller.actor, now=utcnow())
    return alerts.read_alert(db, alert_id=alert.id, scope=scope, now=utcnow())


@router.post("/alerts/{alert_id}/notes", response_model=NoteRead, status_code=201)
def add_note(body: FleetNoteIn, caller: Reader, alert: ScopedAlert, db: DbSession) -> NoteRead:
    return NoteRead.model_validate(alerts.add_note(db, alert=alert, body=body.body, actor=caller.actor, now=utcnow()))


@router.post("/alerts/{alert_id}/resolve", response_model=AlertRead)
def resolve(body: ResolveIn, caller: Reader, alert: ScopedAlert, scope: Scope, db: DbSession) -> AlertRead:
    alerts.resolve(db, alert=alert, note=body.note, actor=caller.actor, now=utcnow())
    return alerts.read_alert(db, alert_id=alert.id, scope=scope, now=utcnow())


@router.get("/alerts/{alert_id}/assignees", response_model=list[FleetAssigneeOption])
def list_assignees(_: Reader, alert: ScopedAlert, db: DbSession) -> list:
    """The fleet staff the alert can be handed to (§4.2): anyone who works alerts and can see its customer."""
    return [FleetAssigneeOption(id=i, name=name) for i, name in alerts.assignees(db, alert=alert)]


@router.post("/alerts/bulk", response_model=BulkResult)
@declares(404)
def alerts_bulk(body: AlertBulkIn, caller: Reader, scope: Scope, db: DbSession) -> BulkResult:
    """初動確認, 担当者 or 解決 (the same note) for every chosen alert, all or none, audited per alert."""
    return bulk.alerts_bulk(db, body=body, scope=scope, actor=caller.actor, now=utcnow())


# --- incidents: one customer's alerts worked as one ---------------------------------------------


def incident_filter(
    customer_id: CustomerId,
    status: Literal["open", "acknowledged", "resolved"] | None = None,
    open_only: bool = False,
    awaiting_report: bool = False,
) -> incidents.IncidentFilter:
    return incidents.IncidentFilter(
        status=status, customer_id=customer_id, open_only=open_only, awaiting_report=awaiting_report
    )


IncidentFilters = Annotated[incidents.IncidentFilter, Depends(incident_filter)]


@router.get("/incidents", response_model=Page[FleetIncidentRead])
def list_incidents(
    _: Reader,
    scope: Scope,
    db: DbSession,
    paging: Paging,
    flt: IncidentFilters,
) -> Page:
    """The unresolved first, then the newest."""
    rows, total = incidents.list_incidents(
        db, scope=scope, flt=flt, offset=paging.offset, limit=paging.page_size, now=utcnow()
    )
    return _page(rows, total, paging)


@router.get("/incidents/export", **exports.DOWNLOAD)
def export_incidents(_: Reader, scope: Scope, flt: IncidentFilters) -> exports.Download:
    """Every incident the list's filters select, newest first, as the CSV download."""
    return exports.download(csv_exports.incident_export(scope, flt, utcnow()), "fleet_incidents", "インシデント一覧")


@router.post("/incidents/bulk", response_model=BulkResult)
@declares(404)
def incidents_bulk(body: IncidentBulkIn, caller: Reader, scope: Scope, db: DbSession) -> BulkResult:
    """初動確認, 担当者 or 解決 (the same resolution) for every chosen incident and its alerts, all or none."""
    return bulk.incidents_bulk(db, body=body, scope=scope, actor=caller.actor, now=utcnow())


@router.get("/incidents/{incident_id:int}", response_model=FleetIncidentRead)
def get_incident(_: Reader, incident: ScopedIncident, scope: Scope, db: DbSession) -> FleetIncidentRead:
    """One incident; its alerts (its terminals) are `GET /alerts?incident_id=`."""
    return incidents.read_incident(db, incident_id=incident.id, scope=scope, now=utcnow())


@router.get("/incidents/{incident_id}/assignees", response_model=list[FleetAssigneeOption])
def list_incident_assignees(_: Reader, incident: ScopedIncident, db: DbSession) -> list:
    return [FleetAssigneeOption(id=i, name=name) for i, name in alerts.assignees(db, alert=incident)]


def _incident_answer(db: DbSession, incident: Incident, scope) -> FleetIncidentRead:
    return incidents.read_incident(db, incident_id=incident.id, scope=scope, now=utcnow())


@router.post("/incidents/{incident_id}/acknowledge", response_model=FleetIncidentRead)
def acknowledge_incident(caller: Reader, incident: ScopedIncident, scope: Scope, db: DbSession) -> FleetIncidentRead:
    """初動確認 for the incident and every alert of it."""
    incidents.acknowledge(db, incident=incident, actor=caller.actor, now=utcnow())
    return _incident_answer(db, incident, scope)


@router.post("/incidents/{incident_id}/diagnosed", response_model=FleetIncidentRead)
def incident_diagnosed(caller: Operator, incident: ScopedIncident, scope: Scope, db: DbSession) -> FleetIncidentRead:
    incidents.mark_step(db, incident=incident, step="diagnosed", actor=caller.actor, now=utcnow())
    return _incident_answer(db, incident, scope)


@router.post("/incidents/{incident_id}/customer-contacted", response_model=FleetIncidentRead)
def incident_customer_contacted(
    body: IncidentContactIn, caller: Reader, incident: ScopedIncident, scope: Scope, db: DbSession
) -> FleetIncidentRead:
    """顧客連絡 with what the customer was told (on the timeline); a later contact adds to it."""
    incidents.contact_customer(db, incident=incident, message=body.customer_message, actor=caller.actor, now=utcnow())
    return _incident_answer(db, incident, scope)


@router.post("/incidents/{incident_id}/reported", response_model=FleetIncidentRead)
def incident_reported(
    body: IncidentReportIn, caller: Reader, incident: ScopedIncident, scope: Scope, db: DbSession
) -> FleetIncidentRead:
    """完了報告 (§4.2 step 6) with the cause and the report, after the incident was resolved (by a person or when its
    terminals came back); once."""
    incidents.report(db, incident=incident, cause=body.cause, report=body.report, actor=caller.actor, now=utcnow())
    return _incident_answer(db, incident, scope)


@router.get("/incidents/{incident_id}/notes", response_model=list[IncidentNoteRead])
def list_incident_notes(_: Reader, incident: ScopedIncident, db: DbSession) -> list:
    """The incident's timeline: 顧客連絡, 原因 and 完了報告, and the notes, oldest first."""
    return incidents.list_notes(db, incident=incident)


@router.post("/incidents/{incident_id}/notes", response_model=IncidentNoteRead, status_code=201)
def add_incident_note(body: FleetNoteIn, caller: Reader, incident: ScopedIncident, db: DbSession) -> IncidentNoteRead:
    note = incidents.add_note(db, incident=incident, body=body.body, actor=caller.actor, now=utcnow())
    return IncidentNoteRead.model_validate(note)


@router.post("/incidents/{incident_id}/assign", response_model=FleetIncidentRead)
def assign_incident(
    body: AssignIn, caller: Reader, incident: ScopedIncident, scope: Scope, db: DbSession
) -> FleetIncidentRead:
    incidents.assign(db, incident=incident, assignee_id=body.assignee_id, actor=caller.actor, now=utcnow())
    return _incident_answer(db, incident, scope)


@router.post("/incidents/{incident_id}/take", response_model=FleetIncidentRead)
def take_incident(caller: Reader, incident: ScopedIncident, scope: Scope, db: DbSession) -> FleetIncidentRead:
    """The caller takes the incident: its assignee (and its open alerts') becomes them."""
    incidents.assign(db, incident=incident, assignee_id=caller.user_id, actor=caller.actor, now=utcnow())
    return _incident_answer(db, incident, scope)


@router.post("/incidents/{incident_id}/resolve", response_model=FleetIncidentRead)
def resolve_incident(
    body: IncidentResolveIn, caller: Reader, incident: ScopedIncident, scope: Scope, db: DbSession
) -> FleetIncidentRead:
    """対応実施: resolves the incident and every alert of it still open."""
    incidents.resolve(db, incident=incident, resolution=body.resolution, actor=caller.actor, now=utcnow())
    return _incident_answer(db, incident, scope)


# --- firmware ------------------------------------------------------------------------------------


@router.get("/firmware/releases", response_model=Page[ReleaseRead])
def list_releases(_: Reader, db: DbSession, paging: Paging) -> Page:
    total = db.scalar(select(func.count()).select_from(FirmwareRelease)) or 0
    rows = db.scalars(
        select(FirmwareRelease).order_by(FirmwareRelease.id.desc()).offset(paging.offset).limit(paging.page_size)
    )
    return _page([ReleaseRead.model_validate(r) for r in rows], total, paging)


@router.get("/firmware/releases/export", **exports.DOWNLOAD)
def export_releases(_: Reader) -> exports.Download:
    return exports.download(csv_exports.release_export(), "fleet_firmware_releases", "ファームウェア一覧")


@router.post("/firmware/releases", response_model=ReleaseRead, status_code=201)
@upload_limit("max_upload_bytes")
def upload_release(
    caller: Admin,
    db: DbSession,
    version: Annotated[ReleaseVersion, Form()],
    sha256: Annotated[Sha256, Form()],
    file: Annotated[UploadFile, File()],
    notes: Annotated[ReleaseNotes, Form()] = "",
) -> ReleaseRead:
    release = firmware.create_release(
        db,
        version=version,
        sha256=sha256,
        notes=notes,
        filename=file.filename or "firmware.bin",
        data=file.file.read(),
        actor=caller.actor,
        now=utcnow(),
    )
    return ReleaseRead.model_validate(release)


@router.get("/rollouts", response_model=Page[RolloutRead])
def list_rollouts(_: Reader, scope: Scope, db: DbSession, paging: Paging) -> Page:
    rows, total = firmware.list_rollouts(db, scope=scope, offset=paging.offset, limit=paging.page_size)
    return _page([firmware.rollout_read(db, r) for r in rows], total, paging)


@router.get("/rollouts/export", **exports.DOWNLOAD)
def export_rollouts(_: Reader, scope: Scope) -> exports.Download:
    return exports.download(csv_exports.rollout_export(scope), "fleet_rollouts", "ロールアウト一覧")


@router.post("/rollouts", response_model=RolloutRead, status_code=201)
def create_rollout(body: RolloutCreate, caller: Admin, scope: Scope, db: DbSession) -> RolloutRead:
    return firmware.rollout_read(
        db, firmware.create_rollout(db, data=body, scope=scope, actor=caller.actor, now=utcnow())
    )


@router.get("/rollouts/{rollout_id:int}", response_model=RolloutRead)
def get_rollout(_: Reader, rollout: ScopedRollout, db: DbSession) -> RolloutRead:
    return firmware.rollout_read(db, rollout)


@router.post("/rollouts/{rollout_id}/{action}", response_model=RolloutRead)
def change_rollout(
    action: Literal["pause", "resume", "cancel"], caller: Operator, rollout: ScopedRollout, db: DbSession
) -> RolloutRead:
    change = {"pause": firmware.pause, "resume": firmware.resume, "cancel": firmware.cancel}[action]
    return firmware.rollout_read(db, change(db, rollout=rollout, actor=caller.actor, now=utcnow()))


# --- reports and imports ---------------------------------------------------------------------------


@router.get("/reports/customers", response_model=list[CustomerOption])
def report_customers(_: ReportReader, scope: Scope, db: DbSession) -> list:
    """The customers a report can be made for (viewers see reports only, not the customer register)."""
    stmt = scoped(select(Customer.id, Customer.company_name), scope, Customer.id).order_by(Customer.company_name)
    return [CustomerOption(id=i, company_name=name) for i, name in db.execute(stmt)]


Month = Annotated[str, Query(pattern=MONTH_PATTERN), Normalised, SingleLine]
ReportFormat = Literal["json", "csv", "pdf"]
REPORT_FILES: dict[int | str, dict[str, Any]] = {200: file_response("text/csv", "application/pdf")}


def _report_response(report: MonthlyReport, file_format: ReportFormat, name: str) -> Response:
    if file_format == "json":
        return Response(report.model_dump_json(), media_type="application/json")
    body, media = (
        (reports.report_csv(report), "text/csv; charset=utf-8")
        if file_format == "csv"
        else (reports.report_pdf(report), "application/pdf")
    )
    filename = f"{name}.{file_format}"
    return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/reports/monthly", response_model=MonthlyReport, responses=REPORT_FILES)
def fleet_monthly_report(
    _: ReportReader, scope: Scope, db: DbSession, month: Month, format: ReportFormat = "json"
) -> Response:  # noqa: A002 - the query's word
    """The month over every customer in the caller's scope, with the §4.2 SLA compliance."""
    report = reports.monthly_report(db, scope=scope, month=month, now=utcnow())
    return _report_response(report, format, f"fleet-report-all-{month}")


@router.get("/reports/monthly/{customer_id}", response_model=MonthlyReport, responses=REPORT_FILES)
def monthly_report(
    _: ReportReader, customer: ScopedCustomer, db: DbSession, month: Month, format: ReportFormat = "json"
) -> Response:  # noqa: A002 - the query's word
    report = reports.customer_report(db, customer=customer, month=month, now=utcnow())
    return _report_response(report, format, f"fleet-report-{customer.id}-{month}")


@router.post("/imports", response_model=TerminalImportRead, status_code=202)
def import_terminals(
    caller: Admin, scope: Scope, db: DbSession, file: Annotated[UploadFile, File()]
) -> TerminalImportRead:
    """Accept a CSV of terminals; a job checks and inserts the rows (poll GET /imports/{id})."""
    job = imports.create_import(
        db,
        filename=file.filename or "terminals.csv",
        data=file.file.read(),
        scope=scope,
        actor=caller.actor,
        now=utcnow(),
    )
    queue_task(db, "fleet.import_terminals", job.id)
    return TerminalImportRead.model_validate(job)


@router.get("/imports/{import_id}", response_model=TerminalImportRead)
def get_import(import_id: int, _: Admin, scope: Scope, db: DbSession) -> TerminalImportRead:
    return TerminalImportRead.model_validate(imports.get_import(db, import_id=import_id, scope=scope))


# --- saved views: a person's list filters by name ------------------------------------------------


@router.get("/views", response_model=list[SavedViewRead])
def list_views(page: ViewPage, caller: Reader, db: DbSession) -> list:
    """The caller's own saved views of one list (terminals, alerts, incidents), by name."""
    return views.list_views(db, user_id=caller.user_id, page=page)


@router.post("/views", response_model=SavedViewRead, status_code=201)
def create_view(body: SavedViewCreate, caller: Reader, db: DbSession) -> SavedViewRead:
    view = views.create_view(db, user_id=caller.user_id, body=body, actor=caller.actor, now=utcnow())
    return SavedViewRead.model_validate(view)


@router.delete("/views/{view_id}", status_code=204)
def delete_view(view_id: int, caller: Reader, db: DbSession) -> None:
    views.delete_view(db, user_id=caller.user_id, view_id=view_id, actor=caller.actor, now=utcnow())
