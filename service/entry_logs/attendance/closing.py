"""Closing time: staff recording a forgotten exit by hand, and the once-a-day e-mail telling the admins who is still
inside."""

from datetime import date, datetime

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.orm import Session

from service.audit.service import Actor
from service.database import affected_rows
from service.entry_logs import insights, labels
from service.entry_logs.logs import corrections
from service.entry_logs.lookups import closing_passed, local_today, local_zone
from service.entry_logs.models import EXIT, EntryLog, Nursery, Parent
from service.errors import Conflict, ValidationFailed
from service.identity.models import Grant, User
from service.links import dashboard_page
from service.outbox import content
from service.outbox.service import enqueue

DOMAIN = "entry_logs"
ADMIN_ROLE = "admin"
PRESENT_PAGE = "entry-logs-present"
NOTICE_REF = "entry_logs_closing_notice"


def record_exit(
    db: Session,
    *,
    nursery: Nursery,
    parent: Parent,
    actor: Actor,
    now: datetime,
    at: datetime | None = None,
    reason: str | None = None,
) -> EntryLog:
    """Default now (today, not before their entry); counted as a scan is, and audited."""
    at = now if at is None else corrections.checked_time(at, now)
    if local_today(at) != local_today(now):
        raise ValidationFailed(labels.EXIT_NOT_TODAY, details={"field": "occurredAt", "rule": "today"})
    corrections.lock_parent(db, parent)
    entered = insights.entered_at(db, nursery=nursery, parent_id=parent.id, now=now)
    if entered is None:
        raise Conflict(labels.PARENT_NOT_INSIDE, code="parent_not_inside", details={"parentId": parent.id})
    if at < entered:
        message = labels.EXIT_BEFORE_ENTRY.format(entered=entered.astimezone(local_zone()).strftime("%H:%M:%S"))
        raise ValidationFailed(message, details={"field": "occurredAt", "rule": "after_entry"})
    return corrections.write_by_hand(
        db,
        nursery=nursery,
        parent=parent,
        entry_type=EXIT,
        at=at,
        reason=reason,
        actor=actor,
        action="record_exit",
        now=now,
    )


def admins(db: Session, *, nursery: Nursery) -> list[User]:
    return list(
        db.scalars(
            select(User)
            .join(Grant, Grant.user_id == User.id)
            .where(
                Grant.domain == DOMAIN,
                Grant.role == ADMIN_ROLE,
                or_(Grant.scope.is_(None), Grant.scope == str(nursery.id)),
                User.is_active,
                User.email != "",
            )
            .order_by(User.id)
        )
    )


def _not_told(today: date) -> ColumnElement[bool]:
    return or_(Nursery.closing_notice_date.is_(None), Nursery.closing_notice_date < today)


def _due(db: Session, *, now: datetime) -> list[Nursery]:
    candidates = db.scalars(
        select(Nursery).where(Nursery.closing_time.is_not(None), _not_told(local_today(now))).order_by(Nursery.id)
    )
    return [nursery for nursery in candidates if closing_passed(nursery.closing_time, now)]


def _claim_day(db: Session, *, nursery: Nursery, today: date) -> bool:
    """One run wins each day: a concurrent UPDATE waits for the row and then finds today's date there (PostgreSQL
    re-checks the WHERE on the committed row; SQLite has one writer at a time)."""
    claimed = db.execute(
        update(Nursery)
        .where(Nursery.id == nursery.id, _not_told(today))
        .values(closing_notice_date=today, updated_at=Nursery.updated_at)  # bookkeeping, not an edit of the nursery
        .execution_options(synchronize_session=False)
    )
    return affected_rows(claimed) == 1


def _notice(nursery: Nursery, parents: list[insights.PresentParent]) -> tuple[str, content.Document]:
    assert nursery.closing_time is not None
    closing = nursery.closing_time.strftime("%H:%M")
    rows = tuple(
        (
            parent.parent_name,
            parent.entered_at.astimezone(local_zone()).strftime("%H:%M"),
            "、".join(parent.child_names) or "-",
        )
        for parent in parents
    )
    document: content.Document = (
        *content.paragraphs(labels.CLOSING_NOTICE_INTRO, nursery=nursery.name, closing=closing),
        content.Table(header=labels.CLOSING_NOTICE_COLUMNS, rows=rows),
        *content.paragraphs(labels.CLOSING_NOTICE_LINK, url=content.Link(url=dashboard_page(PRESENT_PAGE))),
    )
    subject = labels.CLOSING_NOTICE_SUBJECT.format(nursery=nursery.name, closing=closing, count=len(parents))
    return subject, document


def _tell_admins(db: Session, *, nursery: Nursery, today: date, now: datetime) -> int:
    parents = insights.present_parents(db, nursery=nursery, now=now)
    if not parents:
        return 0
    subject, document = _notice(nursery, parents)
    recipients = admins(db, nursery=nursery)
    for admin in recipients:
        enqueue(
            db,
            channel="email",
            recipient=admin.email,
            subject=subject,
            content=document,
            domain=DOMAIN,
            ref_type=NOTICE_REF,
            ref_id=nursery.id,
            dedupe_key=f"{NOTICE_REF}:{nursery.id}:{today.isoformat()}:{admin.id}",
        )
    return len(recipients)


def send_closing_notices(db: Session, *, now: datetime) -> int:
    """Returns the e-mails queued."""
    today = local_today(now)
    queued = 0
    for nursery in _due(db, now=now):
        if _claim_day(db, nursery=nursery, today=today):
            queued += _tell_admins(db, nursery=nursery, today=today, now=now)
    return queued
