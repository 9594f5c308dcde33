"""明細画像 (§2.6): upload to a request, link to a site, remove; the files live in storage.py's folder."""

from datetime import datetime

from sqlalchemy.orm import Session

from service.crm import auditing, labels, statuses, storage
from service.crm.auditing import Actorship
from service.crm.models import Image, Request, Site
from service.crm.ocr import reading
from service.crm.storage import CheckedUpload
from service.errors import Conflict, ValidationFailed
from service.tenancy import TenantScope, get_scoped

SALES = "sales"
IMAGE_FIELDS = ("request_id", "site_id", "file_name", "content_type", "size_bytes", "sha256")


def check_count(count: int, *, limit: int) -> None:
    if count > limit:
        raise ValidationFailed(
            f"一度にアップロードできる画像は{limit}枚までです",
            details={"field": "images", "rule": "max_count", "limit": limit},
        )


def _ensure_open_for_sales(request: Request, by: Actorship) -> None:
    if by.role == SALES and request.status in statuses.CLOSED:
        raise Conflict(labels.CLOSED_REQUEST, code="request_closed", details={"status": request.status})


def add_images(
    db: Session, *, request: Request, uploads: list[CheckedUpload], by: Actorship, now: datetime
) -> list[Image]:
    """Store checked uploads (files first, rows after; a rollback removes the files again)."""
    _ensure_open_for_sales(request, by)
    added = []
    for upload in uploads:
        stored, thumbnail = storage.store(
            db, upload, agency_id=request.agency_id, request_id=request.id, thumbnail=upload.thumbnail
        )
        image = Image(
            request_id=request.id,
            agency_id=request.agency_id,
            file_name=upload.file_name,
            stored_path=stored,
            thumbnail_path=thumbnail,
            content_type=upload.content_type,
            size_bytes=len(upload.data),
            width=upload.width,
            height=upload.height,
            sha256=upload.sha256,
            uploaded_by=by.user_id,
            uploaded_at=now,
        )
        db.add(image)
        db.flush()
        auditing.record_change(db, by.actor, "create", "image", image.id, {}, auditing.snapshot(image, IMAGE_FIELDS))
        added.append(image)
    reading.queue(db, added, now=now)  # after the files: the readers' lock is held from here to the commit
    return added


def link_image(db: Session, *, image: Image, site_id: int | None, scope: TenantScope, by: Actorship) -> Image:
    """明細画像と地点を紐づけ: the site must be of the image's request (None unlinks)."""
    if site_id is not None:
        site = get_scoped(db, Site, site_id, scope, Site.agency_id)
        if site.request_id != image.request_id:
            raise ValidationFailed(
                "画像と同じ依頼の地点を選んでください", details={"field": "site_id", "rule": "same_request"}
            )
    before = {"site_id": image.site_id}
    image.site_id = site_id
    db.flush()
    auditing.record_change(db, by.actor, "link", "image", image.id, before, {"site_id": site_id})
    return image


def delete_image(db: Session, *, image: Image, by: Actorship) -> None:
    _ensure_open_for_sales(db.get_one(Request, image.request_id), by)
    before = auditing.snapshot(image, IMAGE_FIELDS)
    storage.remove_after_commit(db, image.stored_path, image.thumbnail_path, *filter(None, [image.ocr_page_path]))
    db.delete(image)
    db.flush()
    auditing.record_change(db, by.actor, "delete", "image", image.id, before, {})
