"""Alerts: opening and auto-resolving them, the people's workflow and §4.2 SLA timers."""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, and_, case, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from service.audit import service as audit
from service.audit.service import Actor
from service.dialect import insert_rows
from service.errors import Conflict, NotFound, ValidationFailed
from service.fields import audited
from service.fleet import auditing, labels
from service.fleet.alerting.schemas import AlertRead, SlaStep, StoreTerminal
from service.fleet.kinds import AlertKind, Place, Record
from service.fleet.models import Alert, AlertNote, Customer, Incident, Terminal
from service.fleet.schemas import columns_of
from service.identity.models import Grant, User
from service.tenancy import TenantScope, scoped

OPEN = "open"
ACKNOWLEDGED = "acknowledged"
RESOLVED = "resolved"
SYSTEM_LABEL = audit.SYSTEM.label
WORKER_ROLES = ("admin", "operator", "support")
WORKFLOW_FIELDS = audited(Alert)


@dataclass(frozen=True)
class NewAlert:
    terminal_id: int
    customer_id: int
    alert_type: str
    message: str


def open_alerts(db: Session, alerts: Iterable[NewAlert], *, now: datetime) -> None:
    """One already open for the same terminal and type is left as it is."""
    rows = [
        {
            "terminal_id": a.terminal_id,
            "customer_id": a.customer_id,
            "alert_type": a.alert_type,
            "message": a.message,
            "status": OPEN,
            "created_at": now,
            "acknowledged_by": "",
            "diagnosed_by": "",
            "customer_contacted_by": "",
            "resolved_by": "",
            "reported_by": "",
        }
        for a in alerts
    ]
    insert_rows(db, Alert, rows, ignore_conflicts=True)


def resolve_alerts(db: Session, pairs: Iterable[tuple[int, str]], *, now: datetime, by: str = SYSTEM_LABEL) -> int:
    """Incidents with no open alert left close too."""
    pairs = list(pairs)
    if not pairs:
        return 0
    by_kind: dict[str, set[int]] = defaultdict(set)
    for terminal_id, kind in pairs:
        by_kind[kind].add(terminal_id)
    condition = or_(*(and_(Alert.alert_type == kind, Alert.terminal_id.in_(ids)) for kind, ids in by_kind.items()))
    incident_ids = db.scalars(
        update(Alert)
        .where(Alert.status != RESOLVED, condition)
        .values(status=RESOLVED, resolved_at=now, resolved_by=by)
        .returning(Alert.incident_id)
        .execution_options(synchronize_session=False)
    ).all()
    close_finished_incidents(db, {i for i in incident_ids if i is not None}, now=now, by=by)
    return len(incident_ids)


def close_finished_incidents(db: Session, incident_ids: set[int], *, now: datetime, by: str = SYSTEM_LABEL) -> None:
    if not incident_ids:
        return
    still_open = select(Alert.id).where(Alert.incident_id == Incident.id, Alert.status != RESOLVED).exists()
    db.execute(
        update(Incident)
        .where(Incident.id.in_(incident_ids), Incident.status != RESOLVED, ~still_open)
        .values(status=RESOLVED, resolved_at=now, resolved_by=by)
        .execution_options(synchronize_session=False)
    )


def resolve_all_for_terminal(db: Session, *, terminal_id: int, now: datetime, by: str) -> int:
    kinds = db.scalars(select(Alert.alert_type).where(Alert.terminal_id == terminal_id, Alert.status != RESOLVED)).all()
    return resolve_alerts(db, [(terminal_id, k) for k in kinds], now=now, by=by)


# --- SLA (§4.2) -------------------------------------------------------------------------


def sla_steps(alert: Alert | Incident, now: datetime) -> list[SlaStep]:
    """The first four due from detection, 完了報告 from the resolution; an incident's steps are worked once for its
    alerts."""
    steps = []
    for step, label, minutes in labels.SLA_STEPS:
        due = alert.created_at + timedelta(minutes=minutes)
        done = getattr(alert, f"{step}_at")
        by = getattr(alert, f"{step}_by", "")
        if step == "acknowledged" and done is None and alert.status == RESOLVED:
            done, by = alert.resolved_at, alert.resolved_by  # whoever resolved it unacknowledged did its 初動確認
        steps.append(SlaStep(step=step, label=label, due_at=due, done_at=done, done_by=by, overdue=(done or now) > due))
    step, label, minutes = labels.REPORT_STEP
    report_due = alert.resolved_at + timedelta(minutes=minutes) if alert.resolved_at else None
    needed = _report_needed(alert)
    late = needed and report_due is not None and (alert.reported_at or now) > report_due
    done_by = getattr(alert, "reported_by", "")
    steps.append(
        SlaStep(
            step=step,
            label=label,
            due_at=report_due,
            done_at=alert.reported_at,
            done_by=done_by,
            overdue=late,
            required=needed,
        )
    )
    return steps


def work_overdue(alert: Alert | Incident, steps: list[SlaStep]) -> bool:
    """Steps 2–5 while open, 完了報告 once resolved."""
    owed = steps if alert.status != RESOLVED else steps[-1:]
    return any(s.overdue and s.done_at is None for s in owed)


def _report_needed(alert: Alert | Incident) -> bool:
    """Unless the system resolved the alert (the terminal recovered) before the customer was told; an incident's always
    is: a customer's outage is reported with its cause even when its terminals came back alone."""
    if isinstance(alert, Incident):
        return True
    return alert.status != RESOLVED or alert.resolved_by != SYSTEM_LABEL or alert.customer_contacted_at is not None


def open_overdue_condition(now: datetime):
    late = [
        and_(getattr(Alert, f"{step}_at").is_(None), Alert.created_at < now - timedelta(minutes=minutes))
        for step, _, minutes in labels.SLA_STEPS
    ]
    return and_(Alert.status != RESOLVED, or_(*late))


def overdue_condition(now: datetime):
    report_late = and_(
        Alert.status == RESOLVED,
        Alert.reported_at.is_(None),
        or_(Alert.resolved_by != SYSTEM_LABEL, Alert.customer_contacted_at.is_not(None)),
        Alert.resolved_at < now - timedelta(minutes=labels.REPORT_STEP[2]),
    )
    return or_(open_overdue_condition(now), report_late)


# --- reading ----------------------------------------------------------------------------


def with_places(*columns) -> Select:
    return (
        select(*columns)
        .select_from(Alert)
        .join(Terminal, Terminal.id == Alert.terminal_id)
        .join(Customer, Customer.id == Alert.customer_id)
    )


PLACE_COLUMNS = (
    Terminal.serial_number,
    Terminal.store_name,
    Terminal.store,
    Customer.company_name,
    Customer.contact_person,
    Customer.contact_phone,
    Customer.contact_email,
)


def _offline_now():
    """Its own terminal for an offline alert, every terminal of its store for a store alert; 0 for any other kind."""
    member = aliased(Terminal)
    store_down = (
        select(func.count(member.id))
        .where(
            member.customer_id == Terminal.customer_id,
            member.store == Terminal.store,
            member.status == "offline",
        )
        .scalar_subquery()
    )
    terminal_down = case((Terminal.status == "offline", 1), else_=0)
    return case(
        (Alert.alert_type == AlertKind.OFFLINE, terminal_down),
        (Alert.alert_type == AlertKind.STORE_OFFLINE, store_down),
        else_=0,
    )


# What an alert is about: its terminal's 設置店舗名, or for a store alert the store its terminal stands for.
ALERT_PLACE = case((Alert.alert_type.in_(AlertKind.of_place(Place.STORE)), Terminal.store), else_=Terminal.store_name)


def _alert_rows(scope: TenantScope) -> Select:
    stmt = with_places(
        Alert,
        *PLACE_COLUMNS,
        ALERT_PLACE.label("place"),
        User.name.label("assignee_name"),
        _offline_now().label("offline_now"),
    )
    return scoped(stmt.outerjoin(User, User.id == Alert.assignee_id), scope, Alert.customer_id)


def work_read(record: Alert | Incident, details: dict, now: datetime) -> dict:
    steps = sla_steps(record, now)
    return (
        columns_of(record)
        | details
        | {
            "sla": steps,
            "overdue": work_overdue(record, steps),
            "outage_warning": labels.outage_warning(details.get("offline_now", 0)),
        }
    )


def to_read(row, now: datetime) -> AlertRead:
    details = {key: value for key, value in row._asdict().items() if key != "Alert"}
    return AlertRead.model_validate(work_read(row.Alert, details, now))


@dataclass(frozen=True)
class AlertFilter:
    status: str | None = None
    alert_type: str | None = None
    customer_id: int | None = None
    terminal_id: int | None = None
    incident_id: int | None = None
    overdue: bool | None = None
    open_only: bool = False


def _filtered(stmt: Select, flt: AlertFilter, now: datetime) -> Select:
    for column, value in (
        (Alert.status, flt.status),
        (Alert.alert_type, flt.alert_type),
        (Alert.customer_id, flt.customer_id),
        (Alert.terminal_id, flt.terminal_id),
        (Alert.incident_id, flt.incident_id),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    if flt.open_only:
        stmt = stmt.where(Alert.status != RESOLVED)
    if flt.overdue is not None:
        stmt = stmt.where(overdue_condition(now) if flt.overdue else ~overdue_condition(now))
    return stmt


def alert_query(scope: TenantScope, flt: AlertFilter, now: datetime) -> Select:
    return _filtered(_alert_rows(scope), flt, now)


LIST_ORDER = (Alert.created_at.desc(), Alert.id.desc())


def count_alerts(db: Session, *, scope: TenantScope, flt: AlertFilter, now: datetime) -> int:
    base = _filtered(scoped(select(Alert.id), scope, Alert.customer_id), flt, now)
    return db.scalar(select(func.count()).select_from(base.subquery())) or 0


def list_alerts(db: Session, *, scope: TenantScope, flt: AlertFilter, offset: int, limit: int, now: datetime):
    total = count_alerts(db, scope=scope, flt=flt, now=now)
    rows = db.execute(alert_query(scope, flt, now).order_by(*LIST_ORDER).offset(offset).limit(limit)).all()
    return [to_read(r, now) for r in rows], total


def read_alert(db: Session, *, alert_id: int, scope: TenantScope, now: datetime) -> AlertRead:
    """A store alert's with its store's terminals."""
    row = db.execute(_alert_rows(scope).where(Alert.id == alert_id)).first()
    if row is None:
        raise NotFound("指定されたアラートは見つかりません", details={"resource": "fleet_alert", "id": alert_id})
    read = to_read(row, now)
    if AlertKind.of(read.alert_type).place is Place.STORE:
        read.terminals = store_terminals(db, customer_id=read.customer_id, store=read.store)
    return read


def store_terminals(db: Session, *, customer_id: int, store: str) -> list[StoreTerminal]:
    """Sorted here by 設置店舗名 (the databases' collations differ), then serial number."""
    found = db.scalars(select(Terminal).where(Terminal.customer_id == customer_id, Terminal.store == store))
    terminals = [StoreTerminal.model_validate(t) for t in found]
    return sorted(terminals, key=lambda t: (t.store_name, t.serial_number))


def list_notes(db: Session, *, alert: Alert) -> list[AlertNote]:
    """Its record: what the customer was told at 顧客連絡 and the notes, oldest first."""
    return list(db.scalars(select(AlertNote).where(AlertNote.alert_id == alert.id).order_by(AlertNote.id)).all())


# --- the people's workflow ------------------------------------------------------------------


WORK_NOUNS = Record.words()


def audited_work(
    db: Session,
    record: Alert | Incident,
    kind: str,
    actor: Actor,
    action: str,
    now: datetime,
    change: Callable[[], None],
    *,
    fields: tuple[str, ...] = WORKFLOW_FIELDS,
    after_fix: bool = False,
    said: dict[str, str] | None = None,
) -> None:
    """Only 完了報告 (after_fix) comes after the resolution."""
    if record.status == RESOLVED and not after_fix:
        raise Conflict(f"解決済みの{WORK_NOUNS[kind]}は変更できません", code=f"{kind}_resolved")
    if record.status != RESOLVED and after_fix:
        raise Conflict("完了報告は対応実施（解決済みにする）の後に記録してください", code=f"{kind}_not_resolved")
    before = audit.snapshot(record, fields)
    change()
    db.flush()
    written = {name: {"before": None, "after": text} for name, text in (said or {}).items()}
    changes = audit.diff(before, audit.snapshot(record, fields)) | written
    auditing.record(db, actor, action, kind, record.id, changes, at=now)


def step_done(record: Alert | Incident, step: str, actor: Actor, now: datetime) -> None:
    """The first time it is recorded."""
    if getattr(record, f"{step}_at") is None:
        setattr(record, f"{step}_at", now)
        setattr(record, f"{step}_by", actor.label)


def _audited(db: Session, alert: Alert, actor: Actor, action: str, now: datetime, change, *, after_fix=False) -> Alert:
    audited_work(db, alert, "alert", actor, action, now, change, after_fix=after_fix)
    return alert


def taken_by(db: Session, record: Alert | Incident, actor: Actor) -> int | None:
    """The person pressing 初動確認 when they may be assigned it (a platform admin without a fleet grant may not)."""
    if record.assignee_id is not None or actor.type != "user" or actor.id is None:
        return record.assignee_id
    person = int(actor.id)
    return person if person in dict(assignees(db, alert=record)) else None


def acknowledge(db: Session, *, alert: Alert, actor: Actor, now: datetime) -> Alert:
    """Works it unless someone else already does."""
    assignee_id = taken_by(db, alert, actor)

    def change() -> None:
        step_done(alert, "acknowledged", actor, now)
        alert.status = ACKNOWLEDGED
        alert.assignee_id = assignee_id

    return _audited(db, alert, actor, "acknowledge", now, change)


def _step_marked(alert: Alert, step: str, actor: Actor, now: datetime) -> None:
    """A step recorded also acknowledges the alert."""
    step_done(alert, step, actor, now)
    step_done(alert, "acknowledged", actor, now)
    alert.status = ACKNOWLEDGED


def mark_step(db: Session, *, alert: Alert, step: str, actor: Actor, now: datetime) -> Alert:
    return _audited(db, alert, actor, f"mark_{step}", now, lambda: _step_marked(alert, step, actor, now))


def contact_customer(db: Session, *, alert: Alert, message: str, actor: Actor, now: datetime) -> Alert:
    """顧客連絡 with what the customer was told, kept on the alert's record; a later contact adds to it, the step keeps
    the time of the first."""

    def change() -> None:
        db.add(AlertNote(alert_id=alert.id, kind="customer_contact", author=actor.label, body=message, created_at=now))
        _step_marked(alert, "customer_contacted", actor, now)

    said = {"customer_message": message}
    audited_work(db, alert, "alert", actor, "mark_customer_contacted", now, change, said=said)
    return alert


def report(db: Session, *, alert: Alert, actor: Actor, now: datetime) -> Alert:
    """§4.2 step 6, recorded once, after the resolution."""

    def change() -> None:
        step_done(alert, "reported", actor, now)

    return _audited(db, alert, actor, "mark_reported", now, change, after_fix=True)


def assignees(db: Session, *, alert: Alert | Incident) -> list[tuple[int, str]]:
    """Those of every customer and those limited to this one; never viewers."""
    stmt = (
        select(User.id, User.name)
        .join(Grant, Grant.user_id == User.id)
        .where(
            User.is_active,
            Grant.domain == "fleet",
            Grant.role.in_(WORKER_ROLES),
            or_(Grant.scope.is_(None), Grant.scope == str(alert.customer_id)),
        )
    )
    return [(i, name) for i, name in db.execute(stmt.order_by(User.name, User.id))]


def check_assignee(db: Session, *, alert: Alert | Incident, assignee_id: int | None) -> None:
    if assignee_id is not None and assignee_id not in dict(assignees(db, alert=alert)):
        raise ValidationFailed(
            "担当者は、このアラートの顧客を担当できる端末管理の管理者・運用オペレーター・サポート担当から選んでください",
            details={"field": "assignee_id", "rule": "alert_assignee"},
        )


def assign(db: Session, *, alert: Alert, assignee_id: int | None, actor: Actor, now: datetime) -> Alert:
    check_assignee(db, alert=alert, assignee_id=assignee_id)

    def change() -> None:
        alert.assignee_id = assignee_id

    return _audited(db, alert, actor, "assign", now, change)


def add_note(db: Session, *, alert: Alert, body: str, actor: Actor, now: datetime) -> AlertNote:
    note = AlertNote(alert_id=alert.id, author=actor.label, body=body, created_at=now)
    db.add(note)
    db.flush()
    auditing.record(db, actor, "add_note", "alert", alert.id, {"note": {"before": None, "after": body}}, at=now)
    return note


def resolve(db: Session, *, alert: Alert, note: str, actor: Actor, now: datetime) -> Alert:
    def change() -> None:
        alert.status, alert.resolved_at, alert.resolved_by = RESOLVED, now, actor.label
        if note:
            db.add(AlertNote(alert_id=alert.id, author=actor.label, body=note, created_at=now))

    _audited(db, alert, actor, "resolve", now, change)
    if alert.incident_id is not None:
        close_finished_incidents(db, {alert.incident_id}, now=now, by=actor.label)
    return alert
