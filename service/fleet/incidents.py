"""Customer incidents worked as one (§4.2): the list, one incident with its alerts' span, and the workflow whose steps
apply to every alert of the incident (one 初動確認 acknowledges them all; resolving it resolves them)."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from service.audit.service import Actor
from service.errors import NotFound
from service.fields import audited
from service.fleet import alerts
from service.fleet.alerts import ACKNOWLEDGED, RESOLVED, audited_work, step_done
from service.fleet.models import Alert, Customer, Incident, Terminal
from service.fleet.schemas import FleetIncidentRead
from service.identity.models import User
from service.tenancy import TenantScope, scoped

WORKFLOW_FIELDS = audited(Incident)  # an alert's, and the resolution


@dataclass(frozen=True)
class IncidentFilter:
    status: str | None = None
    customer_id: int | None = None
    open_only: bool = False


def _member(column):
    """A correlated figure over the incident's alerts."""
    return select(column).where(Alert.incident_id == Incident.id).correlate(Incident).scalar_subquery()


def offline_members():
    """SQL: how many of the incident's terminals are offline now."""
    terminal_down = select(func.count(Alert.id)).join(Terminal, Terminal.id == Alert.terminal_id)
    return (
        terminal_down.where(Alert.incident_id == Incident.id, Terminal.status == "offline")
        .correlate(Incident)
        .scalar_subquery()
    )


def open_members():
    """SQL: how many of the incident's alerts are still unresolved."""
    return _member(func.count(Alert.id).filter(Alert.status != RESOLVED))


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
    return stmt


def incident_query(scope: TenantScope, flt: IncidentFilter) -> Select:
    """The incidents the filters select with their customer, assignee and alerts' span (rows for `to_read`)."""
    return _filtered(_incident_rows(scope), flt)


def to_read(row, now: datetime) -> FleetIncidentRead:
    details = {key: value for key, value in row._asdict().items() if key != "Incident"}
    return FleetIncidentRead.model_validate(alerts.work_read(row.Incident, details, now))


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
    return to_read(row, now)


# --- the people's workflow ------------------------------------------------------------------


def _members(db: Session, incident: Incident, *, resolved: bool = False) -> list[Alert]:
    """The incident's alerts still to be worked (resolved=True: those already resolved, for 完了報告)."""
    state = Alert.status == RESOLVED if resolved else Alert.status != RESOLVED
    return list(db.scalars(select(Alert).where(Alert.incident_id == incident.id, state).order_by(Alert.id)))


def _record_incident_work(
    db: Session, incident: Incident, actor: Actor, action: str, now: datetime, change, *, after_fix: bool = False
) -> None:
    audited_work(db, incident, "incident", actor, action, now, change, fields=WORKFLOW_FIELDS, after_fix=after_fix)


def acknowledge(db: Session, *, incident: Incident, actor: Actor, now: datetime) -> None:
    """初動確認 once for the incident: every alert of it is acknowledged; the person pressing it works it unless
    someone else already does."""
    assignee_id = alerts.taken_by(db, incident, actor)

    def change() -> None:
        step_done(incident, "acknowledged", actor, now)
        incident.status = ACKNOWLEDGED
        incident.assignee_id = assignee_id

    _record_incident_work(db, incident, actor, "acknowledge", now, change)
    for alert in _members(db, incident):
        if alert.acknowledged_at is None:
            alerts.acknowledge(db, alert=alert, actor=actor, now=now)


def mark_step(db: Session, *, incident: Incident, step: str, actor: Actor, now: datetime) -> None:
    """A §4.2 step (diagnosed, customer_contacted) done for the incident and its alerts; it acknowledges them too."""

    def change() -> None:
        step_done(incident, step, actor, now)
        step_done(incident, "acknowledged", actor, now)
        incident.status = ACKNOWLEDGED

    _record_incident_work(db, incident, actor, f"mark_{step}", now, change)
    for alert in _members(db, incident):
        if getattr(alert, f"{step}_at") is None:
            alerts.mark_step(db, alert=alert, step=step, actor=actor, now=now)


def assign(db: Session, *, incident: Incident, assignee_id: int | None, actor: Actor, now: datetime) -> None:
    """Who works the incident: also the assignee of each of its open alerts (the same people may take them)."""
    alerts.check_assignee(db, alert=incident, assignee_id=assignee_id)

    def change() -> None:
        incident.assignee_id = assignee_id

    _record_incident_work(db, incident, actor, "assign", now, change)
    for alert in _members(db, incident):
        if alert.assignee_id != assignee_id:
            alerts.assign(db, alert=alert, assignee_id=assignee_id, actor=actor, now=now)


def resolve(db: Session, *, incident: Incident, resolution: str, actor: Actor, now: datetime) -> None:
    """対応実施: the incident is resolved with what was done, and so is each of its open alerts."""

    def change() -> None:
        incident.status, incident.resolved_at, incident.resolved_by = RESOLVED, now, actor.label
        incident.resolution = resolution

    _record_incident_work(db, incident, actor, "resolve", now, change)
    for alert in _members(db, incident):
        alerts.resolve(db, alert=alert, note=resolution, actor=actor, now=now)


def report(db: Session, *, incident: Incident, actor: Actor, now: datetime) -> None:
    """完了報告 (§4.2 step 6) once for the incident, after its resolution: recorded on its alerts still owing one."""

    def change() -> None:
        step_done(incident, "reported", actor, now)

    _record_incident_work(db, incident, actor, "mark_reported", now, change, after_fix=True)
    for alert in _members(db, incident, resolved=True):
        if alert.reported_at is None:
            alerts.report(db, alert=alert, actor=actor, now=now)
