"""Pages (oncall/paging.py) as the rest of the domain sees them, outer-joined to a list's rows so a list reads them in
its one statement."""

from typing import Any

from sqlalchemy import ColumnElement, Select, and_
from sqlalchemy.orm import Session, aliased

from service import broker
from service.identity.models import User
from service.reservations.models import Page, PageStep

PAGED_PRIORITIES = ("urgent", "high")  # 緊急, 高
PAGED_LEVELS = ("critical", "high")
TASK = "reservations.page_on_call"  # on the critical queue as alerts

LAST_STEP = aliased(PageStep, name="last_page_step")
PAGED = aliased(User, name="paged_user")
COLUMNS = (
    Page.id.label("page_id"),
    Page.next_step.label("page_steps"),
    Page.acknowledged_at.label("page_acknowledged_at"),
    Page.acknowledged_by.label("page_acknowledged_by"),
    PAGED.name.label("paged_name"),
    LAST_STEP.paged_at.label("paged_at"),
    LAST_STEP.acknowledge_by.label("acknowledge_by"),
)


def joined(stmt: Select, subject: ColumnElement[bool]) -> Select:
    return (
        stmt.add_columns(*COLUMNS)
        .outerjoin(Page, subject)
        .outerjoin(LAST_STEP, and_(LAST_STEP.page_id == Page.id, LAST_STEP.step == Page.next_step - 1))
        .outerjoin(PAGED, PAGED.id == LAST_STEP.user_id)
    )


def paging(row: Any) -> dict | None:
    """None when it pages nobody."""
    if row.page_id is None:
        return None
    return {
        "steps": row.page_steps,
        "paged_name": row.paged_name,
        "paged_at": row.paged_at,
        "acknowledge_by": row.acknowledge_by,
        "acknowledged_at": row.page_acknowledged_at,
        "acknowledged_by": row.page_acknowledged_by,
    }


def page_soon(db: Session, subject: str, subject_id: int) -> None:
    """Once this transaction commits, instead of at the next sweep; a lost send leaves it to the sweep, and the two
    never page anyone twice (paging.py)."""
    broker.send_after_commit(db, TASK, subject, subject_id)
