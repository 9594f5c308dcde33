"""不備・コメント (§2.7) and notifications: a comment on a request, the request marked read by the caller, and the
caller's notifications (each person's own)."""

from service.crm import read_marks
from service.crm.comments import service as comments
from service.crm.comments.schemas import CommentIn, CommentRead, CrmNotificationRead, UnreadCount
from service.crm.dependencies import AnyRole, OwnNotification, Scope, ScopedRequest, crm_role, scoped_site_or_none
from service.crm.routing import feature_router
from service.database import utcnow
from service.deps import DbSession
from service.errors import ValidationFailed
from service.pagination import Page, Paging, page_of

router = feature_router()


@router.get("/notifications", response_model=Page[CrmNotificationRead])
def list_notifications(caller: AnyRole, db: DbSession, paging: Paging, unread: bool = False) -> Page:
    rows, total = comments.notifications(
        db, user_id=caller.user_id, unread_only=unread, offset=paging.offset, limit=paging.page_size
    )
    return page_of([CrmNotificationRead.model_validate(n) for n in rows], total, paging)


@router.get("/notifications/unread-count", response_model=UnreadCount)
def unread_notifications(caller: AnyRole, db: DbSession) -> UnreadCount:
    return UnreadCount(unread=read_marks.unread_count(db, caller.user_id))


@router.post("/notifications/{notification_id}/read", response_model=CrmNotificationRead)
def read_notification(notification: OwnNotification, db: DbSession) -> CrmNotificationRead:
    return CrmNotificationRead.model_validate(comments.read_notification(db, notification=notification, now=utcnow()))


@router.post("/notifications/read-all", response_model=UnreadCount)
def read_all_notifications(caller: AnyRole, db: DbSession) -> UnreadCount:
    comments.read_all(db, user_id=caller.user_id, now=utcnow())
    return UnreadCount(unread=0)


@router.post("/requests/{request_id}/comments", response_model=CommentRead, status_code=201)
def post_comment(body: CommentIn, caller: AnyRole, scope: Scope, request: ScopedRequest, db: DbSession) -> CommentRead:
    site = scoped_site_or_none(db, scope, body.site_id)
    if site is not None and site.request_id != request.id:
        raise ValidationFailed("この地点は別の依頼のものです", details={"field": "site_id", "rule": "same_request"})
    comment = comments.post_comment(
        db,
        request=request,
        author_id=caller.user_id,
        role=crm_role(caller),
        message=body.message,
        site_id=body.site_id,
        now=utcnow(),
    )
    return comments.comment_read(db, request.id, comment.id, user_id=caller.user_id)


@router.post("/requests/{request_id}/read", response_model=UnreadCount)
def mark_request_read(caller: AnyRole, request: ScopedRequest, db: DbSession) -> UnreadCount:
    """The caller has seen the request: comments for their side and their notifications on it are read."""
    side = read_marks.side_of(crm_role(caller))
    comments.mark_read(db, request=request, user_id=caller.user_id, side=side, now=utcnow())
    return UnreadCount(unread=read_marks.unread_count(db, caller.user_id))
