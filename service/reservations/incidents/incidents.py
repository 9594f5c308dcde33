"""Incident records (§5.3.1) with each level's target response time and escalation (§5.1); audited.

An incident neither responded to nor recovered within its level's target (from occurred_at) is overdue, computed in SQL
on read. Escalation e-mails the executives and posts to #qrv-alerts: Critical at once, High and Medium when a person
reports it or by the sweeper at the level's deadline (2 hours, 24 hours); Low goes only in the weekly report."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from service import fields
from service.audit import service as audit
from service.audit.service import SYSTEM, Actor
from service.errors import Conflict, ValidationFailed
from service.identity.models import Grant, User
from service.outbox.service import enqueue
from service.reservations import auditing, labels, messages, page_state
from service.reservations.incidents.schemas import IncidentCreate, IncidentUpdate
from service.reservations.kinds import IncidentLevel
from service.reservations.messages import DOMAIN
from service.reservations.models import TEXT_MAX, Incident, Page, Reservation, as_dict

FIELDS = fields.audited(Incident)
SYSTEM_LABEL = SYSTEM.label
BATCH = 200
POLICIES = tuple((level.value, level.policy) for level in IncidentLevel)  # §5.1's minutes per level


def _check_times(incident: Incident) -> None:
    occurred = fields.facts(Incident.occurred_at).label
    for attribute in (Incident.responded_at, Incident.recovered_at):
        moment = getattr(incident, attribute.key)
        if moment is not None and moment < incident.occurred_at:
            raise ValidationFailed(
                f"{fields.facts(attribute).label}は{occurred}より後にしてください",
                details={"field": attribute.key, "rule": "after_occurred_at"},
            )


def overdue_condition(now: datetime):
    past_target = [
        and_(Incident.level == level, Incident.occurred_at < now - timedelta(minutes=policy.response_minutes))
        for level, policy in POLICIES
    ]
    return and_(Incident.responded_at.is_(None), Incident.recovered_at.is_(None), or_(*past_target))


def escalation_due_condition(now: datetime):
    due = [
        and_(Incident.level == level, Incident.occurred_at <= now - timedelta(minutes=policy.escalation_minutes))
        for level, policy in POLICIES
        if policy.escalation_minutes is not None
    ]
    return and_(Incident.escalated_at.is_(None), or_(*due))


def incident_read(incident: Incident, now: datetime, paging: dict | None = None) -> dict:
    policy = IncidentLevel.of(incident.level).policy
    response_due = incident.occurred_at + timedelta(minutes=policy.response_minutes)
    escalation_due = (
        None
        if policy.escalation_minutes is None
        else incident.occurred_at + timedelta(minutes=policy.escalation_minutes)
    )
    handled = incident.responded_at or incident.recovered_at
    return {
        **as_dict(incident),
        "level_label": labels.INCIDENT_LEVELS[incident.level],
        "target_label": policy.target,
        "escalation_label": policy.escalation,
        "response_due_at": response_due,
        "escalation_due_at": escalation_due,
        "overdue": handled is None and now > response_due,
        "responded_late": handled is not None and handled > response_due,
        "escalation_overdue": incident.escalated_at is None and escalation_due is not None and now > escalation_due,
        "paging": paging,
    }


@dataclass(frozen=True)
class IncidentFilter:
    level: str | None = None
    open_only: bool = False
    overdue: bool | None = None  # as overdue_condition


LIST_ORDER = (Incident.occurred_at.desc(), Incident.id.desc())


def _conditions(flt: IncidentFilter, now: datetime) -> list:
    conditions = []
    if flt.level:
        conditions.append(Incident.level == flt.level)
    if flt.open_only:
        conditions.append(Incident.recovered_at.is_(None))
    if flt.overdue is not None:
        conditions.append(overdue_condition(now) if flt.overdue else ~overdue_condition(now))
    return conditions


def incident_query(flt: IncidentFilter, now: datetime) -> Select:
    return page_state.joined(select(Incident), Page.incident_id == Incident.id).where(*_conditions(flt, now))


def list_incidents(db: Session, *, flt: IncidentFilter, now: datetime, offset: int, limit: int) -> tuple[list, int]:
    total = db.scalar(select(func.count()).select_from(Incident).where(*_conditions(flt, now))) or 0
    rows = db.execute(incident_query(flt, now).order_by(*LIST_ORDER).offset(offset).limit(limit))
    return [incident_read(row[0], now, page_state.paging(row)) for row in rows], total


def incident_of(db: Session, incident_id: int, now: datetime) -> dict:
    row = db.execute(incident_query(IncidentFilter(), now).where(Incident.id == incident_id)).one()
    return incident_read(row[0], now, page_state.paging(row))


def create_incident(db: Session, *, data: IncidentCreate, actor: Actor, now: datetime) -> Incident:
    """A Critical one is reported to the executives at once; a Critical or High one pages the person on duty at once."""
    incident = Incident(**data.model_dump(), created_by=actor.label, created_at=now, updated_at=now)
    _check_times(incident)
    db.add(incident)
    db.flush()
    auditing.record(
        db, actor, "create_incident", ("incident", incident.id), None, audit.snapshot(incident, FIELDS), now
    )
    _escalate_if_immediate(db, incident, now)
    _page_if_paged(db, incident)
    return incident


def update_incident(db: Session, *, incident: Incident, data: IncidentUpdate, actor: Actor, now: datetime) -> None:
    """responded_at and recovered_at may be set back to null. Raised to Critical, one not yet reported is reported at
    once."""
    clearable = ("responded_at", "recovered_at")
    changes = {k: v for k, v in data.model_dump(exclude_unset=True).items() if v is not None or k in clearable}
    auditing.update(
        db, incident, changes, FIELDS, actor=actor, action="update_incident", target=("incident", incident.id), now=now
    )
    _check_times(incident)
    _escalate_if_immediate(db, incident, now)
    if "level" in changes:
        _page_if_paged(db, incident)


def _page_if_paged(db: Session, incident: Incident) -> None:
    """paging.page_subject does nothing for one responded to, recovered or paged already."""
    if incident.level in page_state.PAGED_LEVELS:
        page_state.page_soon(db, "incident_id", incident.id)


def _escalate_if_immediate(db: Session, incident: Incident, now: datetime) -> None:
    if incident.escalated_at is None and IncidentLevel.of(incident.level).policy.escalation_minutes == 0:
        escalate(db, incident, by=SYSTEM_LABEL, now=now)


def report(db: Session, *, incident: Incident, actor: Actor, now: datetime) -> None:
    if incident.escalated_at is not None:
        raise Conflict(
            "このインシデントは経営陣に報告済みです",
            code="incident_escalated",
            details={"id": incident.id, "escalated_at": incident.escalated_at.isoformat()},
        )
    escalate(db, incident, by=actor.label, now=now)
    after = {"escalated_at": incident.escalated_at, "escalated_by": incident.escalated_by}
    auditing.record(db, actor, "escalate_incident", ("incident", incident.id), None, after, now)


def escalate(db: Session, incident: Incident, *, by: str, now: datetime) -> None:
    kind = IncidentLevel.of(incident.level)
    level, policy = kind.label, kind.policy
    subject = labels.EMAIL_INCIDENT_SUBJECT.format(level=level, title=incident.title)
    body = labels.EMAIL_INCIDENT_BODY.format(
        escalation=policy.escalation,
        id=incident.id,
        title=incident.title,
        level=level,
        definition=policy.definition,
        occurred=messages.when_text(incident.occurred_at),
        target=policy.target,
        impact=incident.impact or "-",
        cause=incident.cause or "-",
        response=incident.response or "-",
    )
    for user_id, address in executives(db):
        enqueue(
            db,
            channel="email",
            recipient=address,
            subject=subject,
            body=body,
            domain=DOMAIN,
            ref_type="incident",
            ref_id=incident.id,
            dedupe_key=f"qrv:incident:{incident.id}:executive:{user_id}",
        )
    slack = labels.SLACK_INCIDENT.format(
        level=level, id=incident.id, title=incident.title, escalation=policy.escalation
    )
    messages.notify_slack(db, kind="incident", message=slack, reservation=None, now=now)
    incident.escalated_at = now
    incident.escalated_by = by[:100]


def executives(db: Session) -> list[tuple[int, str]]:
    rows = db.execute(
        select(User.id, User.email)
        .join(Grant, Grant.user_id == User.id)
        .where(Grant.domain == DOMAIN, Grant.role == "executive", User.is_active, User.email != "")
        .order_by(User.id)
    ).all()
    return [(row.id, row.email) for row in rows]


def escalate_due(db: Session, *, now: datetime) -> int:
    due = list(db.scalars(select(Incident).where(escalation_due_condition(now)).order_by(Incident.id).limit(BATCH)))
    for incident in due:
        escalate(db, incident, by=SYSTEM_LABEL, now=now)
    return len(due)


def calls_down(db: Session, *, reservation: Reservation, shops: int, outcomes: str, now: datetime) -> Incident:
    """§5.2.2 High 「電話発信が全く動作しない」: a 全店NG in which not one call reached a shop's line. One open incident
    gathers the reservations it hit in its 影響範囲."""
    found = db.scalar(
        select(Incident)
        .where(Incident.title == labels.CALLS_DOWN_INCIDENT, Incident.recovered_at.is_(None))
        .order_by(Incident.id)
        .limit(1)
    )
    if found is not None:
        if reservation.code not in found.impact:
            found.impact = f"{found.impact}、{reservation.code}"[:TEXT_MAX]
            found.updated_at = now
        return found
    incident = Incident(
        title=labels.CALLS_DOWN_INCIDENT,
        level="high",
        occurred_at=now,
        impact=labels.CALLS_DOWN_IMPACT.format(codes=reservation.code),
        created_by=SYSTEM_LABEL,
        created_at=now,
        updated_at=now,
    )
    db.add(incident)
    db.flush()
    after = audit.snapshot(incident, FIELDS)
    auditing.record(db, SYSTEM, "create_incident", ("incident", incident.id), None, after, now)
    post = labels.SLACK_CALLS_DOWN.format(code=reservation.code, shops=shops, outcomes=outcomes, id=incident.id)
    messages.notify_slack(db, kind="calls_down", message=post, reservation=reservation, now=now)
    _page_if_paged(db, incident)
    return incident
