"""Status changes of sites and requests (§4). Every change locks the request row first, so the request's status,
recomputed from its sites in the same transaction, is always that of the committed sites."""

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service import fields
from service.audit import service as audit
from service.crm import auditing, labels, locking, read_marks, statuses
from service.crm.auditing import Actorship
from service.crm.comments import service as comments
from service.crm.corporations import service as corporations
from service.crm.models import (
    BACK_OFFICE,
    CANCELLED,
    DEFICIENCY,
    DEFICIENT,
    IN_PROGRESS,
    RESUBMISSION,
    SALES_SIDE,
    SUBMITTED,
    Comment,
    Corporation,
    Image,
    Request,
    Site,
)
from service.crm.sites import completeness
from service.database import to_json
from service.errors import Conflict, Forbidden, ValidationFailed

ADMIN = "admin"
REQUEST_EDIT_FIELDS = fields.audited(Request)


def lock_request(db: Session, request: Request) -> Request:
    return locking.lock(db, request)


def assign(db: Session, request: Request, assignee: int | None, *, action: str, by: Actorship, now: datetime) -> None:
    before = request.assigned_to
    request.assigned_to = assignee
    request.assigned_at = now if assignee is not None else None
    db.flush()
    auditing.record(
        db, by.actor, action, "request", request.id, audit.diff({"assigned_to": before}, {"assigned_to": assignee})
    )


def refresh_status(db: Session, request: Request, *, by: Actorship, now: datetime) -> str:
    """§4.2; on 投入済/キャンセル the corporation's security code is purged."""
    site_statuses = db.scalars(select(Site.status).where(Site.request_id == request.id)).all()
    after = statuses.aggregate(
        site_statuses, whole_deficiency=request.whole_deficiency, cancelled=request.cancelled_at is not None
    )
    before = request.status
    if after == before:
        return after
    enter_status(request, after, now=now)
    request.version += 1
    db.flush()
    auditing.record(
        db, by.actor, "status_change", "request", request.id, audit.diff({"status": before}, {"status": after})
    )
    if after in statuses.CLOSED:
        corporation = db.get_one(Corporation, request.corporation_id, with_for_update=True)
        corporations.purge_security_code(db, corporation=corporation, request_id=request.id, actor=by.actor)
    if after in statuses.DONE:
        comments.notify_requester(
            db, request=request, kind=SUBMITTED, message=labels.submitted_notice(request.id), now=now
        )
    return after


def enter_status(request: Request, status: str, *, now: datetime) -> None:
    """The time it spent in 不備 is added to its wait on the agency."""
    if request.status == DEFICIENT:
        request.deficient_seconds += max(0, round((now - request.status_since).total_seconds()))
    request.status = status
    request.status_since = now
    request.closed_at = now if status in statuses.CLOSED else None


def _set_site_status(db: Session, site: Site, after: str, *, by: Actorship, now: datetime, reason: str = "") -> None:
    before = site.status
    site.status = after
    site.submitted_at = now if after == SUBMITTED else site.submitted_at
    db.flush()
    changes = audit.diff({"status": before}, {"status": after}) | ({"reason": reason} if reason else {})
    auditing.record(db, by.actor, "status_change", "site", site.id, changes)


def resubmission_state(db: Session, request: Request) -> dict[str, Any]:
    """In their JSON form, as the deficiency's snapshot stores them."""
    corporation = db.get_one(Corporation, request.corporation_id)
    images = dict(db.execute(select(Image.id, Image.file_name).where(Image.request_id == request.id)).tuples().all())
    return to_json(
        {
            "corporation": corporations.state(corporation),
            "request": auditing.snapshot(request, REQUEST_EDIT_FIELDS),
            "images": {str(k): v for k, v in images.items()},
        }
    )


def raise_deficiency(
    db: Session, *, request: Request, site: Site | None, message: str, version: int, by: Actorship, now: datetime
) -> Comment:
    if not message.strip():
        raise ValidationFailed(labels.REASON_REQUIRED, details={"field": "message", "rule": "required"})
    request = lock_request(db, request)
    if site is not None:
        if site.request_id != request.id:
            raise ValidationFailed("この地点は別の依頼のものです", details={"field": "site_id", "rule": "same_request"})
        site = locking.lock_version(db, site, version)
        if site.status not in statuses.OPEN:
            raise Conflict(
                labels.DEFICIENCY_NOT_ALLOWED, code="transition_not_allowed", details={"status": site.status}
            )
        if site.status != DEFICIENT:
            _set_site_status(db, site, DEFICIENT, by=by, now=now, reason=message)
    else:
        locking.check_version(request, version)
        if request.status not in statuses.OPEN:
            raise Conflict(
                labels.DEFICIENCY_NOT_ALLOWED, code="transition_not_allowed", details={"status": request.status}
            )
        request.whole_deficiency = True
        request.version += 1
    request.ever_deficient = True
    comment = comments.add_comment(
        db,
        request=request,
        author_id=by.user_id,
        type=DEFICIENCY,
        audience=SALES_SIDE,
        message=message,
        site_id=site.id if site else None,
        snapshot=resubmission_state(db, request),
        now=now,
    )
    comments.notify_requester(
        db,
        request=request,
        kind=DEFICIENCY,
        message=labels.deficiency_notice(request.id, message),
        comment=comment,
        now=now,
    )
    auditing.record(
        db,
        by.actor,
        "deficiency",
        "request",
        request.id,
        {"message": message, "site_id": site.id if site else None, "comment_id": comment.id},
    )
    refresh_status(db, request, by=by, now=now)
    return comment


def _baseline(db: Session, request: Request) -> dict[str, Any] | None:
    last_resubmission = db.scalar(
        select(Comment.id)
        .where(Comment.request_id == request.id, Comment.type == RESUBMISSION)
        .order_by(Comment.id.desc())
        .limit(1)
    )
    stmt = select(Comment.snapshot).where(Comment.request_id == request.id, Comment.type == DEFICIENCY)
    if last_resubmission is not None:
        stmt = stmt.where(Comment.id > last_resubmission)
    return db.scalar(stmt.order_by(Comment.id).limit(1))


def what_changed(baseline: dict[str, Any] | None, current: dict[str, Any]) -> dict[str, Any]:
    """Card data redacted."""
    if baseline is None:
        return {"corporation": {}, "request": {}, "images_added": [], "images_removed": []}
    before_images, after_images = baseline["images"], current["images"]
    return {
        "corporation": audit.diff(baseline["corporation"], current["corporation"]),
        "request": audit.diff(baseline["request"], current["request"]),
        "images_added": [{"id": int(k), "file_name": v} for k, v in after_images.items() if k not in before_images],
        "images_removed": [{"id": int(k), "file_name": v} for k, v in before_images.items() if k not in after_images],
    }


def resubmit(db: Session, *, request: Request, message: str, version: int, by: Actorship, now: datetime) -> Comment:
    """Back in the input team's queue unassigned (「次の依頼を担当」 takes resubmissions first)."""
    request = lock_request(db, request)
    locking.check_version(request, version)
    if request.status != DEFICIENT:
        raise Conflict(labels.NOT_DEFICIENT, code="not_deficient", details={"status": request.status})
    changes = what_changed(_baseline(db, request), resubmission_state(db, request))
    for site in db.scalars(
        select(Site).where(Site.request_id == request.id, Site.status == DEFICIENT).with_for_update()
    ):
        site.version += 1
        _set_site_status(db, site, IN_PROGRESS, by=by, now=now)
    request.whole_deficiency = False
    request.version += 1
    released = audit.diff({"assigned_to": request.assigned_to}, {"assigned_to": None})
    request.assigned_to, request.assigned_at = None, None
    comments.mark_read(db, request=request, user_id=by.user_id, side=read_marks.side_of(by.role), now=now)
    comment = comments.add_comment(
        db,
        request=request,
        author_id=by.user_id,
        type=RESUBMISSION,
        audience=BACK_OFFICE,
        message=message or "修正して再提出しました",
        changes=changes,
        now=now,
    )
    auditing.record(
        db, by.actor, "resubmit", "request", request.id, {"comment_id": comment.id, "changed": changes} | released
    )
    refresh_status(db, request, by=by, now=now)
    return comment


def change_site_status(
    db: Session, *, site: Site, status: str, version: int, reason: str, by: Actorship, now: datetime
) -> Site:
    """対応中 → 投入済 (once the carrier's required fields are filled), 対応中 ⇄ 不備 (needs a reason and notifies)."""
    request = db.get_one(Request, site.request_id)
    if status == CANCELLED:
        return cancel_site(db, site=site, version=version, by=by, now=now)
    statuses.check_transition(site.status, status)
    if status == DEFICIENT:
        raise_deficiency(db, request=request, site=site, message=reason, version=version, by=by, now=now)
        return site
    lock_request(db, request)
    site = locking.lock_version(db, site, version)
    statuses.check_transition(site.status, status)
    if status == SUBMITTED:
        _check_complete(site)
        if request.assigned_to is None:  # worked without 「次の依頼を担当」: the one who entered it is its 担当者
            assign(db, request, by.user_id, action="assign", by=by, now=now)
    _set_site_status(db, site, status, by=by, now=now, reason=reason)
    refresh_status(db, request, by=by, now=now)
    return site


def _check_complete(site: Site) -> None:
    missing = completeness.missing_fields(site)
    if missing:
        raise ValidationFailed(
            labels.incomplete_site(missing),
            code="site_incomplete",
            details={"field": missing[0], "rule": "required_for_submission", "missing": missing},
        )


def _check_canceller(request: Request, by: Actorship) -> None:
    if by.role != ADMIN and request.requested_by != by.user_id:
        raise Forbidden(labels.CANCEL_FORBIDDEN, code="not_requester")


def cancel_site(db: Session, *, site: Site, version: int, by: Actorship, now: datetime) -> Site:
    request = lock_request(db, db.get_one(Request, site.request_id))
    _check_canceller(request, by)
    site = locking.lock_version(db, site, version)
    if site.status not in statuses.CANCELLABLE:
        raise Conflict(labels.CANCEL_NOT_ALLOWED, code="not_cancellable", details={"status": site.status})
    _set_site_status(db, site, CANCELLED, by=by, now=now)
    auditing.record(db, by.actor, "cancel", "site", site.id, {"request_id": request.id})
    refresh_status(db, request, by=by, now=now)
    return site


def cancel_request(
    db: Session, *, request: Request, version: int, reason: str, by: Actorship, now: datetime
) -> Request:
    """投入済 sites stay as they are."""
    _check_canceller(request, by)
    request = lock_request(db, request)
    locking.check_version(request, version)
    if request.status not in statuses.CANCELLABLE:
        raise Conflict(labels.CANCEL_NOT_ALLOWED, code="not_cancellable", details={"status": request.status})
    for site in db.scalars(
        select(Site).where(Site.request_id == request.id, Site.status.in_(statuses.CANCELLABLE)).with_for_update()
    ):
        site.version += 1
        _set_site_status(db, site, CANCELLED, by=by, now=now)
    request.cancelled_at = now
    request.whole_deficiency = False
    request.version += 1
    auditing.record(db, by.actor, "cancel", "request", request.id, {"reason": reason} if reason else {})
    refresh_status(db, request, by=by, now=now)
    return request
