"""How long a device in custody has had its 預かり機のステータス, computed in SQL from its submissions: the start of
the unbroken run, up to its current submission, of answers in custody with the same held status, whatever wrote them
(a form, a bulk change, an import). Read by the register's views, a device's page and 返却待ち (returns.py)."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, false, func, or_, select
from sqlalchemy.orm import Session, aliased

from service.loaners.models import Device, Submission


def status_since() -> ColumnElement[datetime]:
    """When the device's current held status began: the first submission after the last one that was not in custody
    with that held status (each of the two an indexed read of the device's newest submissions)."""
    broke, run = aliased(Submission), aliased(Submission)
    last_break = (
        select(func.max(broke.submitted_at))
        .where(
            broke.device_id == Device.id,
            or_(broke.in_custody == false(), broke.held_status.is_(None), broke.held_status != Device.held_status),
        )
        .correlate(Device)
        .scalar_subquery()
    )
    return (
        select(func.min(run.submitted_at))
        .where(run.device_id == Device.id, or_(last_break.is_(None), run.submitted_at > last_break))
        .correlate(Device)
        .scalar_subquery()
    )


def status_starts(db: Session, device_ids: Sequence[int]) -> dict[int, datetime]:
    """When the current held status of each of these devices that has one began (a page's rows)."""
    if not device_ids:
        return {}
    rows = db.execute(
        select(Device.id, status_since().label("since")).where(
            Device.id.in_(device_ids), Device.held_since.is_not(None), Device.held_status.is_not(None)
        )
    ).all()
    return {row.id: row.since for row in rows if row.since is not None}
