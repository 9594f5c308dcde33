"""Paging the person on duty (§2.3.2, §5.2.1; Grafana OnCall's escalation chains): a new 緊急 or 高 manual operation or
a Critical or High incident pages them by SMS, voice call and a #qrv-alerts mention; while nobody acknowledges, the next
person of the chain is paged when the step's target passes.

A step's target follows `handover.due_time` (緊急 30 minutes round the clock, 高 an hour of the team's hours, so a 高
raised at night escalates in the morning); an incident's is its level's response time (§5.1). Paging stops on
acknowledgement (the button, or ACKNOWLEDGE_KEY pressed during the call), when the subject is taken or responded to, or
when the chain has paged everyone.

It runs in the worker only. Step rows are unique per page and number and their messages keyed by it, so a repeated or
overlapping run pages nobody twice."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, exists, select, true
from sqlalchemy.orm import Session

from service import dialect
from service.audit.service import Actor
from service.errors import Conflict
from service.identity.models import User
from service.identity.service import actor_for
from service.links import api_page, dashboard_page
from service.outbox import content
from service.outbox.providers.voice import GATHER_ACTION
from service.outbox.service import enqueue
from service.reservations import auditing, handover, labels, messages
from service.reservations.kinds import IncidentLevel
from service.reservations.messages import DOMAIN
from service.reservations.models import Incident, ManualOperation, OnCallMember, Page, PageStep, Reservation
from service.reservations.oncall import oncall
from service.reservations.page_state import PAGED_LEVELS, PAGED_PRIORITIES

QUEUE_PAGE = "reservations-queue"
KEY_PATH = "/api/reservations/pages/{page_id}/steps/{step}/keypress"
ACKNOWLEDGE_KEY = "1"  # labels.VOICE_PAGE says it
INCIDENT_PAGE = "reservations-incidents"
BATCH = 100


@dataclass(frozen=True)
class Subject:
    waiting: bool
    urgency: str
    text: str
    first_due: datetime
    due_from: Callable[[datetime], datetime]
    link: str
    reservation: Reservation | None


# Subjects waiting for a person without a page yet
UNPAGED = {
    "operation_id": select(ManualOperation.id).where(
        ManualOperation.priority.in_(PAGED_PRIORITIES),
        ManualOperation.status == "open",
        ~exists().where(Page.operation_id == ManualOperation.id),
    ),
    "incident_id": select(Incident.id).where(
        Incident.level.in_(PAGED_LEVELS),
        Incident.responded_at.is_(None),
        Incident.recovered_at.is_(None),
        ~exists().where(Page.incident_id == Incident.id),
    ),
}
SUBJECT_IDS = {"operation_id": ManualOperation.id, "incident_id": Incident.id}


def open_pages(db: Session, *, now: datetime) -> int:
    opened = 0
    for column, unpaged in UNPAGED.items():
        for subject_id in db.scalars(unpaged.limit(BATCH)).all():
            _insert_page(db, {column: subject_id}, next_step_at=now, now=now)
            opened += 1
    return opened


def page_subject(db: Session, *, subject: str, subject_id: int, now: datetime) -> int:
    """Asked for at an operation's or incident's creation (page_state.page_soon): the sweep's work for this subject at
    once. Returns how many people were paged (0 when the sweep got there first)."""
    if db.scalar(UNPAGED[subject].where(SUBJECT_IDS[subject] == subject_id)) is not None:
        _insert_page(db, {subject: subject_id}, next_step_at=now, now=now)
        db.flush()
    return _take_due(db, getattr(Page, subject) == subject_id, now)


def _insert_page(db: Session, subject: dict[str, int], *, next_step_at: datetime | None, now: datetime) -> None:
    """A sweep and an acknowledgement may come at once."""
    row = {**subject, "next_step": 0, "next_step_at": next_step_at, "acknowledged_by": "", "created_at": now}
    db.execute(dialect.insert(db, Page.__table__).values(**row).on_conflict_do_nothing())


def take_steps(db: Session, *, now: datetime) -> int:
    return _take_due(db, true(), now)


def _take_due(db: Session, which: ColumnElement[bool], now: datetime) -> int:
    """A page another transaction is claiming is passed over."""
    due = dialect.claimable(
        db,
        select(Page)
        .where(which, Page.next_step_at <= now, Page.acknowledged_at.is_(None))
        .order_by(Page.next_step_at, Page.id)
        .limit(BATCH),
    )
    return sum(_take_step(db, page, now) for page in db.scalars(due).all())


def sweep(db: Session, *, now: datetime) -> int:
    open_pages(db, now=now)
    db.flush()
    return take_steps(db, now=now)


def _take_step(db: Session, page: Page, now: datetime) -> int:
    subject = _subject(db, page)
    if not subject.waiting:
        page.next_step_at = None
        return 0
    chain = _chain(db, page, now)
    if not chain:
        _nobody_to_page(db, page, subject, now)
        return 0
    step = page.next_step
    if step >= len(chain):
        page.next_step_at = None
        return 0
    member = chain[step]
    due = subject.first_due if step == 0 else subject.due_from(now)
    db.add(PageStep(page_id=page.id, step=step, user_id=member.user_id, paged_at=now, acknowledge_by=due))
    db.flush()  # unique (page, step): a step taken twice fails here, before anything is sent
    _send(db, page, step, member, subject, due, now)
    page.next_step = step + 1
    page.next_step_at = due if step + 1 < len(chain) else None
    return 1


def _chain(db: Session, page: Page, now: datetime) -> list[OnCallMember]:
    """From the person its first step paged (the person on duty then)."""
    first = db.scalar(select(PageStep.user_id).where(PageStep.page_id == page.id, PageStep.step == 0))
    if first is None:
        duty = oncall.on_duty(db, now)
        if duty is None:
            return []
        first = duty.member.user_id
    return oncall.chain(db, first)


def _subject(db: Session, page: Page) -> Subject:
    if page.operation_id is not None:
        return _operation_subject(db, db.get_one(ManualOperation, page.operation_id))
    return _incident_subject(db.get_one(Incident, page.incident_id))


def _operation_subject(db: Session, operation: ManualOperation) -> Subject:
    reservation = db.get_one(Reservation, operation.reservation_id)
    return Subject(
        waiting=operation.status == "open",
        urgency=labels.PRIORITIES[operation.priority],
        text=handover.slack_message(reservation, operation.op_type),
        first_due=operation.due_at,
        due_from=lambda start: handover.due_time(operation.priority, start),
        link=dashboard_page(QUEUE_PAGE),
        reservation=reservation,
    )


def _incident_subject(incident: Incident) -> Subject:
    minutes = timedelta(minutes=IncidentLevel.of(incident.level).policy.response_minutes)
    return Subject(
        waiting=incident.responded_at is None and incident.recovered_at is None,
        urgency=labels.INCIDENT_LEVELS[incident.level],
        text=labels.PAGE_SUBJECT_INCIDENT.format(id=incident.id, title=incident.title),
        first_due=incident.occurred_at + minutes,
        due_from=lambda start: start + minutes,
        link=dashboard_page(INCIDENT_PAGE),
        reservation=None,
    )


def key_url(page_id: int, step: int) -> str:
    """Twilio's <Gather> action."""
    return api_page(KEY_PATH.format(page_id=page_id, step=step))


def step_label(step: int) -> str:
    return labels.PAGE_FIRST_STEP if step == 0 else labels.PAGE_STEP_NTH.format(n=step)


def _send(
    db: Session, page: Page, step: int, member: OnCallMember, subject: Subject, due: datetime, now: datetime
) -> None:
    """Each keyed by the page and step."""
    key = f"qrv:page:{page.id}:{step}"
    words = {"priority": subject.urgency, "subject": subject.text, "due": messages.when_text(due)}
    for channel, body, payload in (
        ("sms", labels.SMS_PAGE.format(**words, url=subject.link), None),
        ("voice", labels.VOICE_PAGE.format(**words, key=ACKNOWLEDGE_KEY), {GATHER_ACTION: key_url(page.id, step)}),
    ):
        enqueue(
            db,
            channel=channel,
            recipient=member.phone,
            body=body,
            payload=payload,
            domain=DOMAIN,
            ref_type="page",
            ref_id=page.id,
            dedupe_key=f"{key}:{channel}",
        )
    mention = content.Mention(name=member.user.name, member_id=member.slack_user_id)
    post = content.fill(labels.SLACK_PAGE, mention=mention, step=step_label(step), **words)
    document = (content.Paragraph(parts=post), content.Paragraph(parts=(content.Link(url=subject.link),)))
    messages.notify_slack(
        db,
        kind="oncall_page",
        message=content.plain(post),
        reservation=subject.reservation,
        now=now,
        dedupe_key=f"{key}:slack",
        document=document,
    )


def _nobody_to_page(db: Session, page: Page, subject: Subject, now: datetime) -> None:
    """#qrv-alerts hears that nobody could be paged, once, and the page ends."""
    text = labels.SLACK_PAGE_NOBODY.format(subject=subject.text, priority=subject.urgency)
    messages.notify_slack(
        db,
        kind="oncall_page",
        message=text,
        reservation=subject.reservation,
        now=now,
        dedupe_key=f"qrv:page:{page.id}:nobody",
    )
    page.next_step_at = None


# --- reading and acknowledging -----------------------------------------------------------------------


def page_of(db: Session, *, operation_id: int | None = None, incident_id: int | None = None) -> Page | None:
    if operation_id is not None:
        return db.scalar(select(Page).where(Page.operation_id == operation_id))
    return db.scalar(select(Page).where(Page.incident_id == incident_id))


def acknowledge_operation(db: Session, *, operation: ManualOperation, actor: Actor, now: datetime) -> None:
    pageable = operation.priority in PAGED_PRIORITIES and operation.status == "open"
    page = page_of(db, operation_id=operation.id) or _unopened(db, pageable, operation_id=operation.id, now=now)
    _acknowledge(db, page, ("manual_operation", operation.id), actor, now)


def acknowledge_incident(db: Session, *, incident: Incident, actor: Actor, now: datetime) -> None:
    pageable = incident.level in PAGED_LEVELS and incident.responded_at is None and incident.recovered_at is None
    page = page_of(db, incident_id=incident.id) or _unopened(db, pageable, incident_id=incident.id, now=now)
    _acknowledge(db, page, ("incident", incident.id), actor, now)


def acknowledge_by_key(db: Session, *, paged: PageStep, origin: Actor, now: datetime) -> str:
    """Acknowledged in their name, exactly as by the button. Returns what the call says back: taken now, or before (a
    second press, Twilio's retry, the button)."""
    page = db.get_one(Page, paged.page_id, with_for_update=True)
    if page.acknowledged_at is not None:
        return labels.VOICE_ACKNOWLEDGED_BEFORE
    _acknowledge(db, page, _target(page), actor_for(db.get_one(User, paged.user_id), origin), now)
    return labels.VOICE_ACKNOWLEDGED


def _target(page: Page) -> tuple[str, int]:
    if page.operation_id is not None:
        return "manual_operation", page.operation_id
    assert page.incident_id is not None  # a page is an operation's or an incident's
    return "incident", page.incident_id


def _unopened(db: Session, pageable: bool, *, now: datetime, **subject: int) -> Page | None:
    """Acknowledged at once, it pages nobody."""
    if not pageable:
        return None
    _insert_page(db, subject, next_step_at=None, now=now)
    return page_of(db, **subject)


def _acknowledge(db: Session, page: Page | None, target: tuple[str, int], actor: Actor, now: datetime) -> None:
    """409 when it pages nobody (not 緊急/高, not Critical/High) or was acknowledged already."""
    if page is None:
        raise Conflict(labels.NOT_PAGED, code="not_paged", details={"target": target[0], "id": target[1]})
    if page.acknowledged_at is not None:
        raise Conflict(
            labels.PAGE_ACKNOWLEDGED,
            code="page_acknowledged",
            details={"acknowledged_at": page.acknowledged_at.isoformat(), "acknowledged_by": page.acknowledged_by},
        )
    page.acknowledged_at, page.acknowledged_by, page.next_step_at = now, actor.label[:100], None
    db.flush()
    after = {"acknowledged_at": now, "acknowledged_by": page.acknowledged_by}
    auditing.record(db, actor, "acknowledge_page", target, None, after, now)
