"""地点 (§2.5, §3.2): the back office creates each site of a request and enters every 5page field."""

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.crm import auditing, labels, locking, masters, statuses
from service.crm.auditing import Actorship
from service.crm.models import Image, Request, Site
from service.crm.ocr import reviews
from service.crm.sites.schemas import SiteFields, SiteRead
from service.crm.sites.workflow import lock_request, refresh_status
from service.errors import Conflict, ValidationFailed

SITE_FIELDS = tuple(SiteFields.model_fields)
NULLABLE_FIELDS = ("latest_charges", "latest_power_usage", "moving_in_date")
CHOICE_FIELDS = masters.SITE_CHOICE_FIELDS
SERVICE_TYPES = dict(masters.CHOICES["service_type"])


def read(site: Site, image_ids: list[int]) -> SiteRead:
    return SiteRead.model_validate(site).model_copy(
        update={"status_label": labels.STATUS_LABELS[site.status], "image_ids": image_ids}
    )


def image_ids_by_site(db: Session, site_ids: list[int]) -> dict[int, list[int]]:
    linked: dict[int, list[int]] = defaultdict(list)
    if site_ids:
        for image_id, site_id in db.execute(
            select(Image.id, Image.site_id).where(Image.site_id.in_(site_ids)).order_by(Image.id)
        ):
            if site_id is not None:  # IN matched no NULL: this narrows the nullable column's type
                linked[site_id].append(image_id)
    return linked


def _apply(db: Session, site: Site, fields: dict[str, Any]) -> None:
    """None leaves a field (but clears the numbers and the date)."""
    stored = {f: getattr(site, f) for f in CHOICE_FIELDS}
    masters.check_choices(
        db, {f: (kind, fields[f]) for f, kind in CHOICE_FIELDS.items() if fields.get(f)}, stored=stored
    )
    if fields.get("option_plans"):
        masters.check_options(db, fields["option_plans"], stored=site.option_plans)
    for name, value in fields.items():
        if value is not None or name in NULLABLE_FIELDS:
            setattr(site, name, list(dict.fromkeys(value)) if name == "option_plans" else value)
    _service_type_from_pps(site, fields.get("service_type"))


def _service_type_from_pps(site: Site, sent: str | None) -> None:
    """§2.5 「PPS選択から判定」. A PPS番号 stored as free text before it was a choice keeps the service type given with
    it."""
    if site.pps_business_number not in SERVICE_TYPES:
        return
    if sent is not None and sent != site.pps_business_number:
        raise ValidationFailed(
            labels.SERVICE_TYPE_FROM_PPS, details={"field": "service_type", "rule": "service_type_from_pps"}
        )
    site.service_type = site.pps_business_number


def create_site(db: Session, *, request: Request, data: SiteFields, by: Actorship, now: datetime) -> Site:
    """A cancelled request takes no more sites."""
    request = lock_request(db, request)
    if request.cancelled_at is not None or request.status == statuses.CANCELLED:
        raise Conflict(labels.CLOSED_REQUEST, code="request_closed", details={"status": request.status})
    site = Site(
        request_id=request.id, corporation_id=request.corporation_id, agency_id=request.agency_id, option_plans=[]
    )
    _apply(db, site, data.model_dump())
    db.add(site)
    db.flush()
    auditing.record_change(
        db, by.actor, "create", "site", site.id, {}, auditing.snapshot(site, ("request_id", "status", *SITE_FIELDS))
    )
    refresh_status(db, request, by=by, now=now)
    return site


def update_site(db: Session, *, site: Site, data: Any, by: Actorship, now: datetime) -> Site:
    """投入済 and キャンセル sites are closed. With `ocr_image_id`, what the save did with each OCR proposal is
    recorded."""
    site, changes = locking.lock_edit(db, site, data)
    ocr_image_id = changes.pop("ocr_image_id", None)
    if site.status in statuses.CLOSED:
        raise Conflict(labels.CLOSED_SITE, code="site_closed", details={"status": site.status})
    before = auditing.snapshot(site, SITE_FIELDS)
    _apply(db, site, changes)
    db.flush()
    after = auditing.snapshot(site, SITE_FIELDS)
    if ocr_image_id is not None:
        reviewed = reviews.record_reviews(
            db, site=site, image_id=ocr_image_id, before=before, user_id=by.user_id, now=now
        )
        after |= {"ocr_review": reviewed} if reviewed else {}
    auditing.record_change(db, by.actor, "update", "site", site.id, before, after)
    return site


def delete_site(db: Session, *, site: Site, version: int, by: Actorship, now: datetime) -> None:
    """Only while 対応中; its images stay with the request, unlinked."""
    request = lock_request(db, db.get_one(Request, site.request_id))
    site = locking.lock_version(db, site, version)
    if site.status != statuses.IN_PROGRESS:
        raise Conflict(labels.SITE_NOT_DELETABLE, code="site_not_deletable", details={"status": site.status})
    before = auditing.snapshot(site, ("request_id", "status", *SITE_FIELDS))
    for image in db.scalars(select(Image).where(Image.site_id == site.id)):
        image.site_id = None
    db.delete(site)
    db.flush()
    auditing.record_change(db, by.actor, "delete", "site", site.id, before, {})
    refresh_status(db, request, by=by, now=now)
