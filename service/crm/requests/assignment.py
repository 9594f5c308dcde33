"""The input team's queue without collisions (§3.2): 「次の依頼を担当」 takes the oldest unassigned 対応中 request
(resubmitted ones first) atomically, so two people pressing at once get two different requests (`dialect.claimable`).
Every assignment is audited."""

from datetime import datetime

from sqlalchemy import ColumnElement, Select, exists, or_, select, true
from sqlalchemy.orm import Session

from service.crm import labels, locking, statuses
from service.crm.auditing import Actorship
from service.crm.dependencies import ADMIN, DOMAIN, OPERATOR
from service.crm.models import IN_PROGRESS, RESUBMISSION, Comment, Request
from service.crm.sites.workflow import assign
from service.crm.visibility import CaseView
from service.dialect import claimable
from service.errors import Conflict, ValidationFailed
from service.identity.models import Grant, User
from service.roles import PLATFORM

RESUBMITTED = exists().where(Comment.request_id == Request.id, Comment.type == RESUBMISSION)
POOLS: tuple[ColumnElement[bool], ...] = (RESUBMITTED, true())


def unassigned(stmt: Select) -> Select:
    return stmt.where(Request.status == IN_PROGRESS, Request.assigned_to.is_(None))


def take_next(db: Session, *, view: CaseView, by: Actorship, now: datetime) -> Request | None:
    """None when the queue is empty."""
    for pool in POOLS:
        stmt = unassigned(view.requests(select(Request))).where(pool).order_by(Request.created_at, Request.id)
        request = db.scalar(claimable(db, stmt.limit(1)).execution_options(populate_existing=True))
        if request is not None:
            assign(db, request, by.user_id, action="assign", by=by, now=now)
            return request
    return None


def _is_back_office(db: Session, user_id: int) -> bool:
    role = or_(
        (Grant.domain == DOMAIN) & Grant.role.in_((OPERATOR, ADMIN)), (Grant.domain == PLATFORM) & (Grant.role == ADMIN)
    )
    return (
        db.scalar(
            select(Grant.id)
            .join(User, User.id == Grant.user_id)
            .where(Grant.user_id == user_id, role, User.is_active)
            .limit(1)
        )
        is not None
    )


def reassign(db: Session, *, request: Request, assignee: int | None, by: Actorship, now: datetime) -> Request:
    request = locking.lock(db, request)
    if request.status in statuses.CLOSED:
        raise Conflict(labels.CLOSED_REQUEST, code="request_closed", details={"status": request.status})
    if assignee is not None and not _is_back_office(db, assignee):
        raise ValidationFailed(labels.NOT_BACK_OFFICE, details={"field": "assigned_to", "rule": "back_office_only"})
    if assignee != request.assigned_to:
        assign(db, request, assignee, action="reassign", by=by, now=now)
    return request
