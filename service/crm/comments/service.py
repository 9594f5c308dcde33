"""不備・コメント (§2.7) and in-app notifications. What is read is each person's own (`ReadMark`), so a colleague
opening a case leaves its owner's 未読 as it was; only a new request is the back office's together: 未読 to them all
until one of them opens it (`Request.opened_at`)."""

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from service.crm import labels, read_marks
from service.crm.comments.schemas import CommentRead
from service.crm.models import BACK_OFFICE, COMMENT, SALES_SIDE, Comment, Notification, ReadMark, Request
from service.crm.users.service import user_names
from service.database import affected_rows
from service.dialect import insert


def add_comment(
    db: Session,
    *,
    request: Request,
    author_id: int | None,
    type: str,
    audience: str,
    message: str,
    site_id: int | None = None,
    snapshot: dict | None = None,
    changes: dict | None = None,
    now: datetime,
) -> Comment:
    comment = Comment(
        request_id=request.id,
        site_id=site_id,
        agency_id=request.agency_id,
        author_id=author_id,
        type=type,
        audience=audience,
        message=message,
        snapshot=snapshot,
        changes=changes,
        created_at=now,
    )
    db.add(comment)
    db.flush()
    return comment


def notify_requester(
    db: Session, *, request: Request, kind: str, message: str, comment: Comment | None = None, now: datetime
) -> None:
    db.add(
        Notification(
            user_id=request.requested_by,
            request_id=request.id,
            comment_id=comment.id if comment else None,
            kind=kind,
            message=message,
            created_at=now,
        )
    )
    db.flush()


def post_comment(
    db: Session, *, request: Request, author_id: int, role: str, message: str, site_id: int | None, now: datetime
) -> Comment:
    """The back office's reach the request's sales person as a notification."""
    audience = BACK_OFFICE if read_marks.side_of(role) == SALES_SIDE else SALES_SIDE
    comment = add_comment(
        db,
        request=request,
        author_id=author_id,
        type=COMMENT,
        audience=audience,
        message=message,
        site_id=site_id,
        now=now,
    )
    if audience == SALES_SIDE and request.requested_by != author_id:
        notify_requester(
            db,
            request=request,
            kind=COMMENT,
            message=labels.comment_notice(request.id, message),
            comment=comment,
            now=now,
        )
    return comment


def mark_read(db: Session, *, request: Request, user_id: int, side: str, now: datetime) -> None:
    """Nobody else's marks move; the back office's first opening makes a new request no longer new."""
    if side == BACK_OFFICE:
        db.execute(update(Request).where(Request.id == request.id, Request.opened_at.is_(None)).values(opened_at=now))
    latest = db.scalar(select(func.max(Comment.id)).where(Comment.request_id == request.id))
    if latest is not None:
        stmt = insert(db, ReadMark).values(user_id=user_id, request_id=request.id, read_through=latest, read_at=now)
        db.execute(
            stmt.on_conflict_do_update(
                index_elements=[ReadMark.user_id, ReadMark.request_id],
                set_={"read_through": stmt.excluded.read_through, "read_at": stmt.excluded.read_at},
                where=ReadMark.read_through < stmt.excluded.read_through,
            )
        )
    db.execute(
        update(Notification)
        .where(Notification.request_id == request.id, Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=now)
    )


def comments_of(db: Session, request_id: int, *, user_id: int) -> list[CommentRead]:
    rows = list(
        db.scalars(select(Comment).where(Comment.request_id == request_id).order_by(Comment.created_at, Comment.id))
    )
    seen = db.scalar(
        select(ReadMark.read_through).where(ReadMark.user_id == user_id, ReadMark.request_id == request_id)
    )
    names = user_names(db, {c.author_id for c in rows if c.author_id})
    return [
        CommentRead(
            id=c.id,
            request_id=c.request_id,
            site_id=c.site_id,
            author_id=c.author_id,
            author_name=names.get(c.author_id, "") if c.author_id else "",
            type=c.type,
            type_label=labels.COMMENT_TYPE_LABELS[c.type],
            audience=c.audience,
            message=c.message,
            is_read=c.author_id == user_id or c.id <= (seen or 0),
            changes=c.changes,
            created_at=c.created_at,
        )
        for c in rows
    ]


def comment_read(db: Session, request_id: int, comment_id: int, *, user_id: int) -> CommentRead:
    """One comment of the request as `user_id` reads it in the timeline."""
    return next(c for c in comments_of(db, request_id, user_id=user_id) if c.id == comment_id)


def notifications(
    db: Session, *, user_id: int, unread_only: bool, offset: int, limit: int
) -> tuple[list[Notification], int]:
    stmt = select(Notification).where(Notification.user_id == user_id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    total = db.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = db.scalars(stmt.order_by(Notification.created_at.desc(), Notification.id.desc()).offset(offset).limit(limit))
    return list(rows), total


def read_notification(db: Session, *, notification: Notification, now: datetime) -> Notification:
    if notification.read_at is None:
        notification.read_at = now
        db.flush()
    return notification


def read_all(db: Session, *, user_id: int, now: datetime) -> int:
    return affected_rows(
        db.execute(
            update(Notification)
            .where(Notification.user_id == user_id, Notification.read_at.is_(None))
            .values(read_at=now)
        )
    )
