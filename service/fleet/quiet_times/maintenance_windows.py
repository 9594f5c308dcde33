"""Recurring maintenance windows (定期メンテナンス) of a customer's stores, and the digest of what each occurrence held
back, mailed when it ends. While one runs, a terminal of its stores that goes silent is marked offline without an
alert (schedules.held_condition); one still silent at its end raises its alert then."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from service import fields
from service.audit import service as audit
from service.audit.service import Actor
from service.errors import NotFound, ValidationFailed, unknown_reference
from service.fleet import auditing, labels, schedules
from service.fleet.alerting import monitoring
from service.fleet.models import Customer, MaintenanceWindow, Terminal
from service.fleet.quiet_times.schemas import MaintenanceWindowIn
from service.outbox import content
from service.outbox.service import enqueue
from service.tenancy import TenantScope, get_scoped, scoped

WINDOW_FIELDS = fields.audited(MaintenanceWindow)  # customer_id, store_name, …, reason


def list_windows(db: Session, *, scope: TenantScope, customer_id: int | None) -> list[MaintenanceWindow]:
    stmt = scoped(select(MaintenanceWindow), scope, MaintenanceWindow.customer_id)
    if customer_id is not None:
        stmt = stmt.where(MaintenanceWindow.customer_id == customer_id)
    return list(db.scalars(stmt.order_by(MaintenanceWindow.customer_id, MaintenanceWindow.id)).all())


def create_window(
    db: Session, *, data: MaintenanceWindowIn, scope: TenantScope, actor: Actor, now: datetime
) -> MaintenanceWindow:
    """A window recurs daily, or weekly on one weekday (required then, refused for a daily one), until a date not
    in the past."""
    try:
        get_scoped(db, Customer, data.customer_id, scope, Customer.id)
    except NotFound as exc:
        raise unknown_reference("顧客企業が見つかりません", "customer_id") from exc
    if (data.recurrence == "weekly") != (data.weekday is not None):
        raise ValidationFailed(
            "曜日は毎週の場合にだけ指定してください", details={"field": "weekday", "rule": "weekly_weekday"}
        )
    if data.until < schedules.local_now(now).date():
        raise ValidationFailed("終了日が過ぎています", details={"field": "until", "rule": "not_past"})
    window = MaintenanceWindow(**data.model_dump(), created_by=actor.label, created_at=now)
    db.add(window)
    db.flush()
    after = audit.snapshot(window, WINDOW_FIELDS)
    auditing.record(db, actor, "create_maintenance_window", "maintenance_window", window.id, audit.diff({}, after))
    return window


def delete_window(db: Session, *, window: MaintenanceWindow, actor: Actor) -> None:
    before = audit.snapshot(window, WINDOW_FIELDS)
    db.delete(window)
    db.flush()
    auditing.record(db, actor, "delete_maintenance_window", "maintenance_window", window.id, audit.diff(before, {}))


def send_window_digests(db: Session, *, now: datetime) -> int:
    """For every occurrence that ended since its window's last digest, mail what it held back; returns mails."""
    local = schedules.local_now(now)
    sent = 0
    for window in schedules.live_windows(db, local):
        for occurrence in schedules.recent_occurrences(window, local):
            done = window.digested_until is None or occurrence.ends_at > window.digested_until
            if occurrence.ends_at <= local and occurrence.ends_at > window.created_at and done:
                sent += _mail_digest(db, window, occurrence)
                window.digested_until = occurrence.ends_at
    db.flush()
    return sent


def _held_back(db: Session, occurrence: schedules.Occurrence) -> Sequence[Row[str, str, datetime | None, str]]:
    """The window's terminals that went offline while it ran (their alerts held back)."""
    stmt = select(Terminal.serial_number, Terminal.store_name, Terminal.offline_since, Terminal.status).where(
        Terminal.customer_id == occurrence.customer_id,
        Terminal.offline_since >= occurrence.starts_at,
        Terminal.offline_since < occurrence.ends_at,
        *schedules.window_place(occurrence.store_name),
    )
    return db.execute(stmt.order_by(Terminal.store_name, Terminal.serial_number)).all()


def _mail_digest(db: Session, window: MaintenanceWindow, occurrence: schedules.Occurrence) -> int:
    rows = _held_back(db, occurrence)
    if not rows:
        return 0
    company = db.scalar(select(Customer.company_name).where(Customer.id == window.customer_id))
    subject = labels.WINDOW_DIGEST_SUBJECT.format(
        customer=company, store=window.store_name or labels.ALL_STORES, count=len(rows)
    )
    head = labels.WINDOW_DIGEST_BODY.format(
        reason=window.reason,
        starts=schedules.local_minute(occurrence.starts_at),
        ends=schedules.local_minute(occurrence.ends_at),
    )
    held = tuple(
        (
            r.store_name,
            r.serial_number,
            schedules.local_minute(r.offline_since),
            labels.WINDOW_END_STATES[r.status == "offline"],
        )
        for r in rows
    )
    document = (content.Paragraph(parts=(head,)), content.Table(header=labels.WINDOW_DIGEST_COLUMNS, rows=held))
    sent = 0
    for person in monitoring.recipients(db):
        if person.customer_scope not in (None, str(window.customer_id)):
            continue
        enqueue(
            db,
            channel="email",
            recipient=person.email,
            subject=subject,
            content=document,
            domain="fleet",
            ref_type="fleet_maintenance_window",
            ref_id=window.id,
            dedupe_key=f"fleet-window:{window.id}:{occurrence.ends_at.isoformat()}:{person.email.lower()}",
        )
        sent += 1
    return sent
