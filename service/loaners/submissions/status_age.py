"""Since when a device in custody has its 預かり機のステータス (`held_status_since`): the start of the unbroken run of
answers with that held status, whatever wrote them, computed in SQL. Stored on the device with its current state, so
lists and their order by age read an index, and a rotation archiving the run's first answers leaves it as it was."""

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, false, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from service.loaners.models import Device, Submission


def status_since() -> ColumnElement[datetime]:
    """Each of the two an indexed read of the device's newest submissions."""
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
    """None: every device in custody (a register loaded in bulk)."""
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
