"""Escalation (§4.2): a step of an open alert or incident that went past due is told once to the fleet's システム管理者
(an e-mail each) and on Slack, through the outbox.

The spec's roles (§5.1) have no lead of the support team: the one above 運用オペレーター and サポート担当 is
システム管理者 (admin, 全機能), so the admins who can see the customer are the ones told. Each escalation is a row
(unique per alert or incident and step) written in the same transaction as its outbox rows and its audit entry, so a
second run, or two at once, finds nothing more to send. Alerts gathered in an incident are escalated as the incident.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, literal, select, union_all, update
from sqlalchemy.orm import Session

from service.audit import service as audit
from service.audit.service import SYSTEM
from service.config import get_settings
from service.dialect import insert, insert_rows
from service.fleet import auditing, labels, links
from service.fleet.alerts import PLACE_COLUMNS, RESOLVED, with_places
from service.fleet.models import Alert, Escalation, Incident
from service.fleet.schedules import local_minute
from service.identity.models import Grant, User
from service.outbox.service import enqueue

LEAD_ROLE = "admin"
BATCH = 200  # escalations per run: one short transaction; the next run (a minute later) takes the rest
KINDS: dict[str, type[Alert] | type[Incident]] = {"alert": Alert, "incident": Incident}
STEP_WORDS = {step: (label, minutes) for step, label, minutes in labels.SLA_STEPS}


@dataclass(frozen=True)
class Due:
    kind: str  # alert | incident
    id: int
    customer_id: int
    step: str


@dataclass(frozen=True)
class Lead:
    name: str
    email: str
    scope: str | None


def _late(kind: str, step: str, minutes: int, now: datetime) -> Select:
    """The open alerts (outside an incident) or incidents whose step is past due, undone and not yet escalated."""
    model = KINDS[kind]
    escalated = select(Escalation.id).where(getattr(Escalation, f"{kind}_id") == model.id, Escalation.step == step)
    stmt = select(literal(kind).label("kind"), model.id, model.customer_id, literal(step).label("step")).where(
        model.status != RESOLVED,
        getattr(model, f"{step}_at").is_(None),
        model.created_at < now - timedelta(minutes=minutes),
        ~escalated.exists(),
    )
    return stmt.where(Alert.incident_id.is_(None)) if model is Alert else stmt


def due_escalations(db: Session, *, now: datetime, limit: int | None = BATCH) -> list[Due]:
    """Every (alert or incident, step) owed an escalation, in one query."""
    late = [_late(kind, step, minutes, now) for kind in KINDS for step, _, minutes in labels.SLA_STEPS]
    found = union_all(*late).subquery()
    rows = db.execute(select(found).order_by(found.c.kind, found.c.id, found.c.step).limit(limit)).all()
    return [Due(kind, subject_id, customer_id, step) for kind, subject_id, customer_id, step in rows]


def leads(db: Session) -> list[Lead]:
    """The fleet's active システム管理者 with an e-mail address, and the customer each is limited to (if any)."""
    rows = db.execute(
        select(User.name, User.email, Grant.scope)
        .join(Grant, Grant.user_id == User.id)
        .where(Grant.domain == "fleet", Grant.role == LEAD_ROLE, User.is_active, User.email != "")
        .order_by(User.name, User.id)
    ).all()
    return [Lead(name, email, scope) for name, email, scope in rows]


@dataclass(frozen=True)
class Subject:
    """What the messages say about the alert or incident."""

    title: str
    place: str
    created_at: datetime
    assignee: str
    url: str


def _subjects(db: Session, due: list[Due]) -> dict[tuple[str, int], Subject]:
    """The alerts and incidents named in `due`, one query each."""
    ids = {kind: {d.id for d in due if d.kind == kind} for kind in KINDS}
    found: dict[tuple[str, int], Subject] = {}
    alerts = with_places(Alert, *PLACE_COLUMNS, User.name.label("assignee_name")).outerjoin(
        User, User.id == Alert.assignee_id
    )
    for row in db.execute(alerts.where(Alert.id.in_(ids["alert"]))):
        kind = labels.ALERT_TYPES.get(row.Alert.alert_type, row.Alert.alert_type)
        place = f"{row.company_name} - {row.store_name}（{row.serial_number}）: {kind} {row.Alert.message}"
        found["alert", row.Alert.id] = _subject("alert", row.Alert, place, row.assignee_name)
    incidents = select(Incident, User.name).outerjoin(User, User.id == Incident.assignee_id)
    for incident, assignee in db.execute(incidents.where(Incident.id.in_(ids["incident"]))):
        found["incident", incident.id] = _subject("incident", incident, incident.message, assignee)
    return found


def _subject(kind: str, record, place: str, assignee: str | None) -> Subject:
    url = links.alert_url(record.id) if kind == "alert" else links.incident_url(record.id)
    title = labels.ESCALATION_SUBJECTS[kind].format(id=record.id)
    return Subject(title, place, record.created_at, assignee or labels.NO_ASSIGNEE, url)


def _claim(db: Session, due: Due, now: datetime) -> int | None:
    """The escalation's row, or None when another run wrote it first."""
    return db.scalar(
        insert(db, Escalation)
        .values({f"{due.kind}_id": due.id, "customer_id": due.customer_id, "step": due.step, "created_at": now})
        .on_conflict_do_nothing()
        .returning(Escalation.id)
    )


def _escalate(db: Session, due: Due, subject: Subject, told: list[Lead], now: datetime) -> bool:
    escalation_id = _claim(db, due, now)
    if escalation_id is None:
        return False
    step, minutes = STEP_WORDS[due.step]
    words = {
        "subject": subject.title,
        "step": step,
        "due": local_minute(subject.created_at + timedelta(minutes=minutes)),
        "minutes": minutes,
        "place": subject.place,
        "created": local_minute(subject.created_at),
        "assignee": subject.assignee,
        "url": subject.url,
    }
    for lead in told:
        enqueue(
            db,
            channel="email",
            recipient=lead.email,
            subject=labels.ESCALATION_SUBJECT.format(**words),
            body=labels.ESCALATION_BODY.format(**words),
            domain="fleet",
            ref_type="fleet_escalation",
            ref_id=escalation_id,
            dedupe_key=f"fleet-escalation:{escalation_id}:{lead.email.lower()}",
        )
    enqueue(
        db,
        channel="slack",
        recipient=get_settings().fleet_escalation_slack_channel,
        body=labels.ESCALATION_SLACK.format(**words, leads="、".join(p.name for p in told) or labels.NO_LEADS),
        domain="fleet",
        ref_type="fleet_escalation",
        ref_id=escalation_id,
        dedupe_key=f"fleet-escalation:{escalation_id}:slack",
    )
    db.execute(update(Escalation).where(Escalation.id == escalation_id).values(recipient_count=len(told)))
    told_of = {f"{due.kind}_id": due.id, "step": due.step, "recipients": [lead.email for lead in told]}
    auditing.record(db, SYSTEM, "escalate", "escalation", escalation_id, audit.diff(None, told_of), at=now)
    return True


def escalate_due(db: Session, *, now: datetime) -> int:
    """Escalate every step owed one (up to a batch); returns how many were escalated."""
    return escalate(db, due_escalations(db, now=now), now=now)


def escalate(db: Session, due: list[Due], *, now: datetime) -> int:
    """Tell the leads of each step in `due`; a step another run escalated first is skipped. Returns how many were."""
    if not due:
        return 0
    subjects = _subjects(db, due)
    everyone = leads(db)
    sent = 0
    for item in due:
        told = [lead for lead in everyone if lead.scope is None or lead.scope == str(item.customer_id)]
        sent += _escalate(db, item, subjects[item.kind, item.id], told, now)
    return sent


def record_as_escalated(db: Session, *, at: datetime) -> None:
    """Count every step owed an escalation at `at` as escalated then (history loaded from elsewhere, like the demo's
    past): only what goes past due later is sent."""
    rows = [
        {"alert_id": None, "incident_id": None, f"{d.kind}_id": d.id, "customer_id": d.customer_id, "step": d.step}
        | {"recipient_count": 0, "created_at": at}
        for d in due_escalations(db, now=at, limit=None)
    ]
    insert_rows(db, Escalation, rows, ignore_conflicts=True)
