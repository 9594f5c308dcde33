"""Escalation (§4.2): a step of an open alert or incident that went past due is told once, by e-mail and on Slack,
through the outbox; each run sends one digest per person told, not one mail per step.

The ladder: a record's first escalation goes to its 担当者 (assignee) or, with none, to the step's team (§4.2's 担当
column: 運用チーム = 運用オペレーター for 初動確認, リモート診断 and 対応実施; サポート担当 for 顧客連絡); every
later step of the same record goes to the lead. The spec's roles (§5.1) have no lead of the support team: the one
above 運用オペレーター and サポート担当 is システム管理者 (admin, 全機能), so the admins who can see the customer are
the lead (and the fallback when the first rung has no one with an e-mail).

No step is escalated while its store is closed (営業時間) or in a running maintenance window (`schedules.
held_condition`, the offline sweep's own condition), nor an incident all of whose terminals are held: it waits, and
is escalated when the store opens if it is still undone.

Each escalation is a row (unique per alert or incident and step) written in the same transaction as its audit entry
and the run's outbox rows, so a second run, or two at once, finds nothing more to send. Alerts gathered in an
incident are escalated as the incident.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import groupby

from sqlalchemy import ColumnElement, Select, and_, false, literal, select, union_all, update
from sqlalchemy.orm import Session

from service.audit import service as audit
from service.audit.service import SYSTEM
from service.config import get_settings
from service.dialect import insert, insert_rows
from service.fleet import auditing, labels, links, schedules
from service.fleet.alerting.alerts import ALERT_PLACE, RESOLVED, WORKER_ROLES, with_places
from service.fleet.models import Alert, Customer, Escalation, Incident, Terminal
from service.fleet.schedules import local_minute
from service.identity.models import Grant, User
from service.outbox import content
from service.outbox.service import enqueue

LEAD_ROLE = "admin"
OPERATOR, SUPPORT = ("operator",), ("support",)
STEP_TEAMS = {"acknowledged": OPERATOR, "diagnosed": OPERATOR, "customer_contacted": SUPPORT, "resolved": OPERATOR}
BATCH = 200  # escalations per run: one short transaction; the next run (a minute later) takes the rest
KINDS: dict[str, type[Alert] | type[Incident]] = {"alert": Alert, "incident": Incident}
STEP_WORDS = {step: (label, minutes) for step, label, minutes in labels.SLA_STEPS}


@dataclass(frozen=True)
class Due:
    kind: str  # alert | incident
    id: int
    customer_id: int
    step: str
    first: bool = False  # the record's first escalation: to its assignee or the step's team, not yet the lead


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    email: str
    role: str
    scope: str | None

    def sees(self, customer_id: int) -> bool:
        return self.scope is None or self.scope == str(customer_id)


def _held_work(kind: str, held: ColumnElement[bool]) -> ColumnElement[bool]:
    if kind == "alert":
        return select(Terminal.id).where(Terminal.id == Alert.terminal_id, held).exists()
    at_work = select(Alert.id).join(Terminal, Terminal.id == Alert.terminal_id).where(Alert.incident_id == Incident.id)
    return and_(at_work.exists(), ~at_work.where(~held).exists())


def _late(kind: str, step: str, minutes: int, now: datetime, held: ColumnElement[bool]) -> Select:
    """Not yet escalated and not held; with whether the record was escalated before (for another step)."""
    model = KINDS[kind]
    escalations = select(Escalation.id).where(getattr(Escalation, f"{kind}_id") == model.id)
    stmt = select(
        literal(kind).label("kind"),
        model.id,
        model.customer_id,
        literal(step).label("step"),
        literal(minutes).label("minutes"),
        escalations.exists().label("earlier"),
    ).where(
        model.status != RESOLVED,
        getattr(model, f"{step}_at").is_(None),
        model.created_at < now - timedelta(minutes=minutes),
        ~escalations.where(Escalation.step == step).exists(),
        ~_held_work(kind, held),
    )
    return stmt.where(Alert.incident_id.is_(None)) if model is Alert else stmt


def due_escalations(db: Session, *, now: datetime, limit: int | None = BATCH, hold: bool = True) -> list[Due]:
    """One query, each record's steps in §4.2 order; with `hold`, none whose store is closed or in a maintenance
    window."""
    held = schedules.held_condition(db, now=now) if hold else false()
    late = [_late(kind, step, minutes, now, held) for kind in KINDS for step, _, minutes in labels.SLA_STEPS]
    found = union_all(*late).subquery()
    rows = db.execute(select(found).order_by(found.c.kind, found.c.id, found.c.minutes).limit(limit)).all()
    due, seen = [], set()
    for kind, subject_id, customer_id, step, _minutes, earlier in rows:
        due.append(Due(kind, subject_id, customer_id, step, first=not earlier and (kind, subject_id) not in seen))
        seen.add((kind, subject_id))
    return due


def people(db: Session) -> list[Person]:
    rows = db.execute(
        select(User.id, User.name, User.email, Grant.role, Grant.scope)
        .join(Grant, Grant.user_id == User.id)
        .where(Grant.domain == "fleet", Grant.role.in_(WORKER_ROLES), User.is_active, User.email != "")
        .order_by(User.name, User.id)
    ).all()
    return [Person(*row) for row in rows]


@dataclass(frozen=True)
class Subject:
    title: str
    company: str
    place: str
    created_at: datetime
    assignee_id: int | None
    assignee: str | None
    url: str


def _subjects(db: Session, due: list[Due]) -> dict[tuple[str, int], Subject]:
    """One query each."""
    ids = {kind: {d.id for d in due if d.kind == kind} for kind in KINDS}
    found: dict[tuple[str, int], Subject] = {}
    alerts = with_places(
        Alert, Terminal.serial_number, ALERT_PLACE.label("place"), Customer.company_name, User.name.label("assignee")
    ).outerjoin(User, User.id == Alert.assignee_id)
    for row in db.execute(alerts.where(Alert.id.in_(ids["alert"]))):
        kind = labels.ALERT_TYPES.get(row.Alert.alert_type, row.Alert.alert_type)
        place = f"{labels.alert_place(row.Alert.alert_type, row.place, row.serial_number)}: {kind} {row.Alert.message}"
        found["alert", row.Alert.id] = _subject("alert", row.Alert, row.company_name, place, row.assignee)
    incidents = (
        select(Incident, Customer.company_name, User.name)
        .join(Customer, Customer.id == Incident.customer_id)
        .outerjoin(User, User.id == Incident.assignee_id)
    )
    for incident, company, assignee in db.execute(incidents.where(Incident.id.in_(ids["incident"]))):
        found["incident", incident.id] = _subject("incident", incident, company, incident.message, assignee)
    return found


def _subject(kind: str, record: Alert | Incident, company: str, place: str, assignee: str | None) -> Subject:
    url = links.alert_url(record.id) if kind == "alert" else links.incident_url(record.id)
    title = labels.ESCALATION_SUBJECTS[kind].format(id=record.id)
    return Subject(title, company, place, record.created_at, record.assignee_id, assignee, url)


def told(due: Due, subject: Subject, everyone: list[Person]) -> list[Person]:
    """The ladder: a record's first escalation to its assignee, or the step's team when it has none; any later one to
    the lead. Only people who can see the customer."""
    seeing = [p for p in everyone if p.sees(due.customer_id)]
    if due.first:
        assignee = [p for p in seeing if p.id == subject.assignee_id]
        rung = assignee or [p for p in seeing if p.role in STEP_TEAMS[due.step]]
        if rung:
            return rung
    return [p for p in seeing if p.role == LEAD_ROLE]


@dataclass(frozen=True)
class Escalated:
    id: int
    due: Due
    subject: Subject
    told: list[Person]

    def words(self) -> dict:
        step, minutes = STEP_WORDS[self.due.step]
        subject = self.subject
        return {
            "subject": subject.title,
            "step": step,
            "due": local_minute(subject.created_at + timedelta(minutes=minutes)),
            "minutes": minutes,
            "place": subject.place,
            "created": local_minute(subject.created_at),
            "assignee": subject.assignee or labels.NO_ASSIGNEE,
            "url": content.Link(url=subject.url),
            "told": "、".join(p.name for p in self.told) or labels.NO_ONE_TOLD,
        }

    def row(self) -> tuple[content.Inline, ...]:
        words = self.words()
        due = labels.ESCALATION_DUE.format(**words)
        record = content.Link(url=self.subject.url, label=words["subject"])
        return record, words["step"], due, words["place"], words["created"], words["assignee"]


def _claim(db: Session, due: Due, now: datetime) -> int | None:
    """None when another run wrote it first."""
    return db.scalar(
        insert(db, Escalation)
        .values({f"{due.kind}_id": due.id, "customer_id": due.customer_id, "step": due.step, "created_at": now})
        .on_conflict_do_nothing()
        .returning(Escalation.id)
    )


def _escalate(db: Session, due: Due, subject: Subject, people_told: list[Person], now: datetime) -> Escalated | None:
    """None when another run did."""
    escalation_id = _claim(db, due, now)
    if escalation_id is None:
        return None
    db.execute(update(Escalation).where(Escalation.id == escalation_id).values(recipient_count=len(people_told)))
    told_of = {f"{due.kind}_id": due.id, "step": due.step, "recipients": [p.email for p in people_told]}
    auditing.record(db, SYSTEM, "escalate", "escalation", escalation_id, audit.diff(None, told_of), at=now)
    return Escalated(escalation_id, due, subject, people_told)


def _digest(items: list[Escalated]) -> content.Document:
    blocks: list[content.Block] = [content.Paragraph(parts=(labels.ESCALATION_INTRO,))]
    ordered = sorted(items, key=lambda e: (e.subject.company, e.due.kind != "incident", e.due.id))
    for company, group in groupby(ordered, key=lambda e: e.subject.company):
        rows = tuple(item.row() for item in group)
        blocks += [content.Heading(text=company), content.Table(header=labels.ESCALATION_COLUMNS, rows=rows)]
    return tuple(blocks)


def _slack_post(sent: list[Escalated]) -> content.Document:
    head = labels.ESCALATION_SLACK.format(count=len(sent))
    lines = [content.fill(labels.ESCALATION_SLACK_LINE, **item.words()) for item in sent]
    return (content.Paragraph(parts=content.lines((head,), *lines)),)


def _send(db: Session, sent: list[Escalated]) -> None:
    first = sent[0].id  # names the run: its escalations are this run's alone
    by_person: dict[str, list[Escalated]] = defaultdict(list)
    for item in sent:
        for person in item.told:
            by_person[person.email].append(item)
    for email, items in by_person.items():
        enqueue(
            db,
            channel="email",
            recipient=email,
            subject=labels.ESCALATION_SUBJECT.format(count=len(items)),
            content=_digest(items),
            domain="fleet",
            ref_type="fleet_escalation",
            ref_id=first,
            dedupe_key=f"fleet-escalation:{first}:{email.lower()}",
        )
    enqueue(
        db,
        channel="slack",
        recipient=get_settings().fleet_escalation_slack_channel,
        content=_slack_post(sent),
        domain="fleet",
        ref_type="fleet_escalation",
        ref_id=first,
        dedupe_key=f"fleet-escalation:{first}:slack",
    )


def escalate_due(db: Session, *, now: datetime) -> int:
    return escalate(db, due_escalations(db, now=now), now=now)


def escalate(db: Session, due: list[Due], *, now: datetime) -> int:
    """A step another run escalated first is skipped."""
    if not due:
        return 0
    subjects = _subjects(db, due)
    everyone = people(db)
    sent = []
    for item in due:
        subject = subjects[item.kind, item.id]
        escalated = _escalate(db, item, subject, told(item, subject, everyone), now)
        if escalated is not None:
            sent.append(escalated)
    if sent:
        _send(db, sent)
    return len(sent)


def record_as_escalated(db: Session, *, at: datetime) -> None:
    """History loaded from elsewhere: only what goes past due later is sent."""
    rows = [
        {"alert_id": None, "incident_id": None, f"{d.kind}_id": d.id, "customer_id": d.customer_id, "step": d.step}
        | {"recipient_count": 0, "created_at": at}
        for d in due_escalations(db, now=at, limit=None, hold=False)
    ]
    insert_rows(db, Escalation, rows, ignore_conflicts=True)
