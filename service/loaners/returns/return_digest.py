"""The weekly 返却待ち digest: each location with devices past the threshold in a followed held status is told by e-mail
(its group address and the loaners admins of its 管轄). A location's week is claimed (`ReturnDigest`) in the transaction
queuing its e-mails, so overlapping or repeated runs queue them once."""

from datetime import date, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from service.config import get_settings
from service.dialect import insert
from service.figures import local
from service.identity.models import Grant, User
from service.links import dashboard_page
from service.loaners import labels
from service.loaners.models import Location, ReturnDigest
from service.loaners.returns.returns import ReturnFilter, due_locations, returns_page
from service.outbox import content
from service.outbox.service import enqueue
from service.tenancy import TenantScope

RETURNS_PAGE = "loaners-returns"  # the 返却待ち page's address in the dashboards (dashboards/sections.py)
DIGEST_REF = "loaners_return_digest"
LISTED_PER_STATUS = 100  # a longer list says how many more
EVERYWHERE = TenantScope(labels.DOMAIN, "jurisdiction", None)


def week_start(now: datetime) -> date:
    """Japan time."""
    today = local(now).date()
    return today - timedelta(days=today.weekday())


def admin_emails(db: Session, location: Location) -> list[str]:
    return list(
        db.scalars(
            select(User.email)
            .join(Grant, Grant.user_id == User.id)
            .where(
                Grant.domain == labels.DOMAIN,
                Grant.role == "admin",
                or_(Grant.scope.is_(None), Grant.scope == location.jurisdiction),
                User.is_active,
                User.email != "",
            )
            .order_by(User.email)
        )
    )


def _claim(db: Session, location: Location, week: date, devices: int, now: datetime) -> bool:
    """One run wins each week: a concurrent insert waits for the other's commit, then finds the row."""
    claimed = db.scalar(
        insert(db, ReturnDigest.__table__)
        .values(location_id=location.id, week_start=week, devices=devices, sent_at=now)
        .on_conflict_do_nothing()
        .returning(ReturnDigest.location_id)
    )
    return claimed is not None


def _section(entries: list[dict], total: int, held_status: str) -> list[content.Block]:
    title = labels.DIGEST_SECTION.format(category=labels.HELD_STATUSES[held_status], count=total)
    rows = tuple(
        (
            entry["management_number"],
            entry["model_name"],
            entry["customer"] or labels.NO_VALUE,
            labels.DIGEST_DAYS.format(days=entry["status_days"]),
        )
        for entry in entries
    )
    blocks: list[content.Block] = [content.Heading(text=title), content.Table(header=labels.DIGEST_COLUMNS, rows=rows)]
    if total > len(entries):
        blocks.append(content.Paragraph(parts=(labels.DIGEST_MORE.format(count=total - len(entries)),)))
    return blocks


def _sections(db: Session, location: Location, threshold: int, now: datetime) -> tuple[int, list[content.Block]]:
    listed, blocks = 0, []
    for held_status in labels.RETURN_STATUSES:
        flt = ReturnFilter(location_id=location.id, held_status=held_status, min_days=threshold)
        entries, total = returns_page(db, scope=EVERYWHERE, flt=flt, offset=0, limit=LISTED_PER_STATUS, now=now)
        if total:
            listed += total
            blocks += _section(entries, total, held_status)
    return listed, blocks


def _tell(db: Session, location: Location, week: date, threshold: int, now: datetime) -> int:
    listed, sections = _sections(db, location, threshold, now)
    if not listed or not _claim(db, location, week, listed, now):
        return 0
    values = {"location": location.name, "days": threshold, "count": listed}
    link = content.Link(url=dashboard_page(RETURNS_PAGE, location_id=location.id, min_days=threshold))
    document = (
        *content.paragraphs(labels.DIGEST_INTRO, **values),
        *sections,
        *content.paragraphs(labels.DIGEST_LINK, url=link),
    )
    recipients = list(dict.fromkeys([location.group_email, *admin_emails(db, location)]))
    for address in recipients:
        enqueue(
            db,
            channel="email",
            recipient=address,
            subject=labels.DIGEST_SUBJECT.format(**values),
            content=document,
            domain=labels.DOMAIN,
            ref_type=DIGEST_REF,
            ref_id=location.id,
            dedupe_key=f"{DIGEST_REF}:{location.id}:{week.isoformat()}:{address.lower()}",
        )
    return len(recipients)


def send_digests(db: Session, *, now: datetime) -> int:
    threshold, week = get_settings().loaners_return_due_days, week_start(now)
    told = set(db.scalars(select(ReturnDigest.location_id).where(ReturnDigest.week_start == week)))
    queued = 0
    for location_id in due_locations(db, scope=EVERYWHERE, min_days=threshold, now=now):
        location = db.get(Location, location_id)
        if location is not None and location_id not in told:
            queued += _tell(db, location, week, threshold, now)
    return queued
