"""Alerts and customer incidents worked through §4.2 (アラート一覧, インシデント), and whether heartbeats are
arriving."""

from typing import Annotated

from fastapi import APIRouter, Depends

from service import exports
from service.database import utcnow
from service.deps import DbSession
from service.fleet.alerting import alerts, csv_exports, incidents, monitoring
from service.fleet.alerting.schemas import (
    AlertContactIn,
    AlertRead,
    AssignIn,
    FleetAssigneeOption,
    FleetIncidentRead,
    FleetNoteIn,
    IncidentContactIn,
    IncidentNoteRead,
    IncidentReportIn,
    IncidentResolveIn,
    IngestRead,
    NoteRead,
    ResolveIn,
)
from service.fleet.dependencies import (
    CustomerId,
    IncidentId,
    Operator,
    Reader,
    Scope,
    ScopedAlert,
    ScopedIncident,
    TerminalId,
)
from service.fleet.kinds import AlertKind, AlertStatus
from service.fleet.models import Incident
from service.pagination import Page, Paging, page_of

router = APIRouter(prefix="/fleet", tags=["fleet"])


@router.get("/ingest", response_model=IngestRead)
def ingest(_: Reader, db: DbSession) -> IngestRead:
    """Seconds since any terminal's last heartbeat; a stall (none for longer than the gap window) has a banner."""
    status = monitoring.ingest_status(db, now=utcnow())
    return IngestRead(**vars(status), banner=monitoring.stall_banner(status))


def alert_filter(
    customer_id: CustomerId,
    terminal_id: TerminalId,
    incident_id: IncidentId,
    status: AlertStatus | None = None,
    alert_type: AlertKind | None = None,
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


AlertFilters = Annotated[alerts.AlertFilter, Depends(alert_filter)]


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
    return page_of(rows, total, paging)


@router.get("/alerts/export", **exports.DOWNLOAD)
def export_alerts(_: Reader, scope: Scope, flt: AlertFilters) -> exports.Download:
    """Every alert the list's filters select, newest first, as the CSV download."""
    return exports.download(csv_exports.alert_export(scope, flt, utcnow()), "fleet_alerts", "アラート一覧")


@router.get("/alerts/{alert_id:int}", response_model=AlertRead)
def get_alert(_: Reader, alert: ScopedAlert, scope: Scope, db: DbSession) -> AlertRead:
    return alerts.read_alert(db, alert_id=alert.id, scope=scope, now=utcnow())


@router.get("/alerts/{alert_id}/notes", response_model=list[NoteRead])
def list_notes(_: Reader, alert: ScopedAlert, db: DbSession) -> list:
    """The alert's record: what the customer was told at 顧客連絡 and the notes, oldest first."""
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
def mark_customer_contacted(
    body: AlertContactIn, caller: Reader, alert: ScopedAlert, scope: Scope, db: DbSession
) -> AlertRead:
    """顧客連絡 with what the customer was told (on the alert's record, `GET …/notes`); a later contact adds to it."""
    alerts.contact_customer(db, alert=alert, message=body.customer_message, actor=caller.actor, now=utcnow())
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


def incident_filter(
    customer_id: CustomerId,
    status: AlertStatus | None = None,
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
    return page_of(rows, total, paging)


@router.get("/incidents/export", **exports.DOWNLOAD)
def export_incidents(_: Reader, scope: Scope, flt: IncidentFilters) -> exports.Download:
    """Every incident the list's filters select, newest first, as the CSV download."""
    return exports.download(csv_exports.incident_export(scope, flt, utcnow()), "fleet_incidents", "インシデント一覧")


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
