"""Since when a device in custody has its 預かり機のステータス (`held_status_since`): computed in SQL from its
submissions, the start of the unbroken run, up to its current submission, of answers in custody with the same held
status, whatever wrote them (a form, a bulk change, an import). It is written on the device in the transaction that
moves the device's current state (submissions.py), so lists, counts and their order by age read an index, and a
rotation that archives the run's first answers leaves it as it was. Read by the register's views, a device's page and
返却待ち (returns.py)."""

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, false, func, or_, select, update
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


def refresh(db: Session, device_ids: Iterable[int] | None) -> None:
    """Write these devices' `held_status_since` from their submissions (None unless in custody with a held status),
    after their current state moved; None: every device in custody (a register loaded in bulk)."""
    aged = and_(Device.held_since.is_not(None), Device.held_status.is_not(None))
    if device_ids is None:
        chosen, value = aged, status_since()
    else:
        ids = sorted(set(device_ids))
        if not ids:
            return
        chosen, value = Device.id.in_(ids), case((aged, status_since()), else_=None)
    db.execute(
        update(Device).where(chosen).values(held_status_since=value).execution_options(synchronize_session="fetch")
    )
