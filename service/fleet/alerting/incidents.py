"""Customer incidents worked as one (§4.2): one 初動確認 acknowledges all its alerts; resolving it resolves them."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, case, distinct, func, select
from sqlalchemy.orm import Session

from service.audit.service import Actor
from service.errors import Conflict, NotFound
from service.fields import audited
from service.fleet import auditing, labels
from service.fleet.alerting import alerts
from service.fleet.alerting.alerts import ACKNOWLEDGED, RESOLVED, audited_work, step_done
from service.fleet.alerting.schemas import FleetIncidentRead, IncidentStore
from service.fleet.kinds import TerminalStatus
from service.fleet.models import Alert, Customer, Incident, IncidentNote, Terminal
from service.identity.models import User
from service.tenancy import TenantScope, scoped

WORKFLOW_FIELDS = audited(Incident)


@dataclass(frozen=True)
class IncidentFilter:
    status: str | None = None
    customer_id: int | None = None
    open_only: bool = False
    awaiting_report: bool = False  # resolved, its 完了報告 still to be written


def _member(column):
    return select(column).where(Alert.incident_id == Incident.id).correlate(Incident).scalar_subquery()


def incident_stores(db: Session, incident_id: int) -> list[tuple[str, int, int]]:
    """(store, its terminals in the incident, those offline now), the worst store first: most offline now, then most
    terminals, then by name (sorted here: the databases' collations differ)."""
    offline = func.sum(case((Terminal.status == TerminalStatus.OFFLINE, 1), else_=0))
    rows = db.execute(
        select(Terminal.store, func.count(), offline)
        .join(Alert, Alert.terminal_id == Terminal.id)
        .where(Alert.incident_id == incident_id)
        .group_by(Terminal.store)
    )
    return sorted(((store, count, down or 0) for store, count, down in rows), key=lambda s: (-s[2], -s[1], s[0]))


def offline_members():
    terminal_down = select(func.count(Alert.id)).join(Terminal, Terminal.id == Alert.terminal_id)
    return (
        terminal_down.where(Alert.incident_id == Incident.id, Terminal.status == "offline")
        .correlate(Incident)
        .scalar_subquery()
    )


def open_members():
    return _member(func.count(Alert.id).filter(Alert.status != RESOLVED))


def open_member_stores():
    stores = (
        select(func.count(distinct(Terminal.store))).select_from(Alert).join(Terminal, Terminal.id == Alert.terminal_id)
    )
    return (
        stores.where(Alert.incident_id == Incident.id, Alert.status != RESOLVED).correlate(Incident).scalar_subquery()
    )


def _incident_rows(scope: TenantScope) -> Select:
    stmt = (
        select(
            Incident,
            Customer.company_name,
            Customer.contact_person,
            Customer.contact_phone,
            Customer.contact_email,
            User.name.label("assignee_name"),
            _member(func.min(Alert.created_at)).label("first_seen"),
            _member(func.max(Alert.created_at)).label("last_seen"),
            open_members().label("open_alerts"),
            offline_members().label("offline_now"),
        )
        .join(Customer, Customer.id == Incident.customer_id)
        .outerjoin(User, User.id == Incident.assignee_id)
    )
    return scoped(stmt, scope, Incident.customer_id)


def _filtered(stmt: Select, flt: IncidentFilter) -> Select:
    if flt.status is not None:
        stmt = stmt.where(Incident.status == flt.status)
    if flt.customer_id is not None:
        stmt = stmt.where(Incident.customer_id == flt.customer_id)
    if flt.open_only:
        stmt = stmt.where(Incident.status != RESOLVED)
    if flt.awaiting_report:
        stmt = stmt.where(Incident.status == RESOLVED, Incident.reported_at.is_(None))
    return stmt


def incident_query(scope: TenantScope, flt: IncidentFilter) -> Select:
    return _filtered(_incident_rows(scope), flt)


def to_read(row, now: datetime) -> FleetIncidentRead:
    incident: Incident = row.Incident
    details = {key: value for key, value in row._asdict().items() if key != "Incident"}
    awaiting = incident.status == RESOLVED and incident.reported_at is None
    details |= {
        "places": labels.incident_places(incident.store_count, incident.terminal_count),
        "awaiting_report": awaiting,
        "state_label": labels.AWAITING_REPORT if awaiting else labels.ALERT_STATUSES[incident.status],
    }
    return FleetIncidentRead.model_validate(alerts.work_read(incident, details, now))


# The unresolved first, then the newest.
LIST_ORDER = (case((Incident.status == RESOLVED, 1), else_=0), Incident.created_at.desc(), Incident.id.desc())


def list_incidents(db: Session, *, scope: TenantScope, flt: IncidentFilter, offset: int, limit: int, now: datetime):
    ids = _filtered(scoped(select(Incident.id), scope, Incident.customer_id), flt)
    total = db.scalar(select(func.count()).select_from(ids.subquery())) or 0
    rows = db.execute(incident_query(scope, flt).order_by(*LIST_ORDER).offset(offset).limit(limit)).all()
    return [to_read(r, now) for r in rows], total


def read_incident(db: Session, *, incident_id: int, scope: TenantScope, now: datetime) -> FleetIncidentRead:
    row = db.execute(_incident_rows(scope).where(Incident.id == incident_id)).first()
    if row is None:
        raise NotFound(
            "指定されたインシデントは見つかりません", details={"resource": "fleet_incident", "id": incident_id}
        )
    read = to_read(row, now)
    read.stores = [
        IncidentStore(store=store, terminals=count, offline=down)
        for store, count, down in incident_stores(db, incident_id)
    ]
    return read


def list_notes(db: Session, *, incident: Incident) -> list[IncidentNote]:
    stmt = select(IncidentNote).where(IncidentNote.incident_id == incident.id)
    return list(db.scalars(stmt.order_by(IncidentNote.created_at, IncidentNote.id)))


# --- the people's workflow ------------------------------------------------------------------


def _members(db: Session, incident: Incident, *, resolved: bool = False) -> list[Alert]:
    """resolved=True: those already resolved, for 完了報告."""
    state = Alert.status == RESOLVED if resolved else Alert.status != RESOLVED
    return list(db.scalars(select(Alert).where(Alert.incident_id == incident.id, state).order_by(Alert.id)))


def _record_incident_work(
    db: Session,
    incident: Incident,
    actor: Actor,
    action: str,
    now: datetime,
    change,
    *,
    after_fix: bool = False,
    said: dict[str, str] | None = None,
) -> None:
    audited_work(
        db, incident, "incident", actor, action, now, change, fields=WORKFLOW_FIELDS, after_fix=after_fix, said=said
    )


def _note(db: Session, incident: Incident, kind: str, body: str, actor: Actor, now: datetime) -> IncidentNote:
    note = IncidentNote(incident_id=incident.id, kind=kind, author=actor.label, body=body, created_at=now)
    db.add(note)
    return note


def acknowledge(db: Session, *, incident: Incident, actor: Actor, now: datetime) -> None:
    """The person pressing it works it unless someone else already does."""
    assignee_id = alerts.taken_by(db, incident, actor)

    def change() -> None:
        step_done(incident, "acknowledged", actor, now)
        incident.status = ACKNOWLEDGED
        incident.assignee_id = assignee_id

    _record_incident_work(db, incident, actor, "acknowledge", now, change)
    for alert in _members(db, incident):
        if alert.acknowledged_at is None:
            alerts.acknowledge(db, alert=alert, actor=actor, now=now)


def mark_step(
    db: Session, *, incident: Incident, step: str, actor: Actor, now: datetime, said: dict[str, str] | None = None
) -> None:
    def change() -> None:
        step_done(incident, step, actor, now)
        step_done(incident, "acknowledged", actor, now)
        incident.status = ACKNOWLEDGED

    _record_incident_work(db, incident, actor, f"mark_{step}", now, change, said=said)
    for alert in _members(db, incident):
        if getattr(alert, f"{step}_at") is None:
            alerts.mark_step(db, alert=alert, step=step, actor=actor, now=now)


def contact_customer(db: Session, *, incident: Incident, message: str, actor: Actor, now: datetime) -> None:
    """A later contact adds to the timeline; the step keeps the time of the first."""
    _note(db, incident, "customer_contact", message, actor, now)
    mark_step(
        db, incident=incident, step="customer_contacted", actor=actor, now=now, said={"customer_message": message}
    )


def add_note(db: Session, *, incident: Incident, body: str, actor: Actor, now: datetime) -> IncidentNote:
    note = _note(db, incident, "note", body, actor, now)
    db.flush()
    auditing.record(db, actor, "add_note", "incident", incident.id, {"note": {"before": None, "after": body}}, at=now)
    return note


def assign(db: Session, *, incident: Incident, assignee_id: int | None, actor: Actor, now: datetime) -> None:
    alerts.check_assignee(db, alert=incident, assignee_id=assignee_id)

    def change() -> None:
        incident.assignee_id = assignee_id

    _record_incident_work(db, incident, actor, "assign", now, change)
    for alert in _members(db, incident):
        if alert.assignee_id != assignee_id:
            alerts.assign(db, alert=alert, assignee_id=assignee_id, actor=actor, now=now)


def resolve(db: Session, *, incident: Incident, resolution: str, actor: Actor, now: datetime) -> None:
    def change() -> None:
        incident.status, incident.resolved_at, incident.resolved_by = RESOLVED, now, actor.label
        incident.resolution = resolution

    _record_incident_work(db, incident, actor, "resolve", now, change)
    for alert in _members(db, incident):
        alerts.resolve(db, alert=alert, note=resolution, actor=actor, now=now)


def report(db: Session, *, incident: Incident, cause: str, report: str, actor: Actor, now: datetime) -> None:
    """§4.2 step 6, also for a system-resolved incident; recorded on its alerts still owing one."""
    if incident.reported_at is not None:
        raise Conflict("このインシデントの完了報告は記録済みです", code="incident_reported")

    def change() -> None:
        step_done(incident, "reported", actor, now)
        _note(db, incident, "cause", cause, actor, now)
        _note(db, incident, "report", report, actor, now)

    said = {"cause": cause, "report": report}
    _record_incident_work(db, incident, actor, "mark_reported", now, change, after_fix=True, said=said)
    for alert in _members(db, incident, resolved=True):
        if alert.reported_at is None:
            alerts.report(db, alert=alert, actor=actor, now=now)
