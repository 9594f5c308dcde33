"""What a person has not read yet: comments for their side past their read mark, and (for the back office) a request
none of them has opened."""

from sqlalchemy import ColumnElement, Select, and_, false, func, select
from sqlalchemy.orm import Session

from service.crm.models import BACK_OFFICE, SALES_SIDE, Comment, Notification, ReadMark, Request

SALES_ROLE = "sales"


def side_of(role: str) -> str:
    return SALES_SIDE if role == SALES_ROLE else BACK_OFFICE


def never_opened(side: str) -> ColumnElement[bool]:
    """A request nobody of the back office has opened: 未読 to the back office (a list's or a count's condition)."""
    return Request.opened_at.is_(None) if side == BACK_OFFICE else false()


def is_never_opened(request: Request, side: str) -> bool:
    """`never_opened` of one request already read."""
    return side == BACK_OFFICE and request.opened_at is None


def unread(user_id: int, side: str, *kinds: str) -> Select:
    """Uncorrelated, so a list or a count reads them once (a hashed IN, `CaseView.unread`), not per row."""
    seen = and_(ReadMark.user_id == user_id, ReadMark.request_id == Comment.request_id)
    stmt = (
        select(Comment.request_id)
        .outerjoin(ReadMark, seen)
        .where(Comment.audience == side, Comment.id > func.coalesce(ReadMark.read_through, 0))
    )
    return stmt.where(Comment.type.in_(kinds)) if kinds else stmt


def unread_count(db: Session, user_id: int) -> int:
    return (
        db.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        )
        or 0
    )
