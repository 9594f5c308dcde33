"""Pick-up safety: who may collect each child, the adults' photos, and the alerts of an exit by someone who may not.

Who may collect: the child's guardians, less those restricted (a court order, the family's request), plus 「本日のみ」
people on their pass's one date. A 「本日のみ」 person is a Parent row of its own, so their barcode, phone page and logs
work as a parent's do. Every change is audited.

At the door an exit is never refused: `refused_children` is the scan's one extra lookup, made only for adults with
rules; it makes the station's red warning and a `PickupAlert` staff see at once."""

import hashlib
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, bindparam, delete, exists, insert, select
from sqlalchemy.orm import QueryableAttribute, Session

from service import fields
from service.audit import service as audit
from service.audit.service import Actor
from service.config import get_settings
from service.entry_logs import labels
from service.entry_logs.lookups import absent_on, local_today
from service.entry_logs.models import (
    ONE_DAY,
    RESTRICTED,
    Attendance,
    Child,
    Nursery,
    Parent,
    ParentPhoto,
    PickupAlert,
    PickupRule,
)
from service.errors import NotFound, ValidationFailed
from service.pictures import headers
from service.tenancy import TenantScope, get_scoped

DOMAIN = "entry_logs"
ALERTS_SHOWN = 50


def absent_on_day(child_id: QueryableAttribute[int]) -> ColumnElement[bool]:
    """`day`: a scan's local day."""
    return absent_on(child_id, bindparam("day", type_=Attendance.__table__.c.attendance_date.type))


def warning(children: tuple[str, ...]) -> str | None:
    """None for nobody."""
    if not children:
        return None
    return labels.PICKUP_WARNING.format(children="、".join(labels.CHILD_NAME.format(name=name) for name in children))


# At the door --------------------------------------------------------------------------------------------------------

# None for a parent, or a pass revoked
_RULES = (
    select(Child.name.label("child_name"), PickupRule.kind, Parent.pass_date)
    .join(Child, Child.id == PickupRule.child_id)
    .join(Parent, Parent.id == PickupRule.parent_id)
    .outerjoin(Attendance, absent_on_day(Child.id))
    .where(PickupRule.parent_id == bindparam("parent_id"), Attendance.id.is_(None))
    .order_by(Child.id)
)
_ALERT = insert(PickupAlert).values(
    nursery_id=bindparam("nursery_id"),
    log_id=bindparam("log_id"),
    parent_id=bindparam("parent_id"),
    child_names=bindparam("child_names"),
    created_at=bindparam("created_at"),
)


@dataclass(frozen=True)
class DoorExit:
    """None: a repeat."""

    parent_id: int
    nursery_id: int
    day: date
    log_id: int | None
    now: datetime


def refused_children(db: Session, scan: DoorExit) -> tuple[str, ...]:
    """Restricted, or a pass of another day. One indexed lookup (and the alert's insert)."""
    rows = db.execute(_RULES, {"parent_id": scan.parent_id, "day": scan.day})
    refused = tuple(row.child_name for row in rows if row.kind == RESTRICTED or row.pass_date != scan.day)
    if refused and scan.log_id is not None:
        alert = {
            "nursery_id": scan.nursery_id,
            "log_id": scan.log_id,
            "parent_id": scan.parent_id,
            "child_names": "、".join(refused)[:500],
            "created_at": scan.now,
        }
        db.execute(_ALERT, alert)
    return refused


# Who may collect ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Collector:
    parent_id: int
    name: str
    relation: str
    kind: str
    pass_date: date | None
    note: str
    has_photo: bool


def _refresh_check(db: Session, parent: Parent) -> None:
    db.flush()
    parent.pickup_check = bool(db.scalar(select(exists().where(PickupRule.parent_id == parent.id))))


def collectors(db: Session, *, child: Child) -> list[Collector]:
    """Guardians first."""
    rules = {rule.parent_id: rule for rule in db.scalars(select(PickupRule).where(PickupRule.child_id == child.id))}
    found = [
        Collector(
            parent.id,
            parent.name,
            parent.relation,
            RESTRICTED if parent.id in rules else "guardian",
            None,
            rules[parent.id].note if parent.id in rules else "",
            parent.photo_version > 0,
        )
        for parent in child.parents
    ]
    passes = db.scalars(
        select(Parent)
        .join(PickupRule, PickupRule.parent_id == Parent.id)
        .where(PickupRule.child_id == child.id, PickupRule.kind == ONE_DAY)
        .order_by(Parent.pass_date.desc(), Parent.id)
    )
    found += [
        Collector(p.id, p.name, p.relation, ONE_DAY, p.pass_date, rules[p.id].note, p.photo_version > 0) for p in passes
    ]
    return found


def _audit(db: Session, *, actor: Actor, action: str, target_type: str, target_id: int, changes: dict) -> None:
    audit.record(
        db, actor=actor, action=action, domain=DOMAIN, target_type=target_type, target_id=target_id, changes=changes
    )


def restrict(db: Session, *, child: Child, parent: Parent, note: str, actor: Actor) -> None:
    """Their exit scans are warned."""
    if parent.is_pass:
        raise ValidationFailed(labels.NOT_A_GUARDIAN, details={"field": "parentId", "rule": "guardian"})
    rule = db.get(PickupRule, (child.id, parent.id))
    before = {"restricted_parent_id": parent.id, "note": rule.note} if rule else {}
    if rule is None:
        rule = PickupRule(child_id=child.id, parent_id=parent.id, nursery_id=child.nursery_id, kind=RESTRICTED)
        db.add(rule)
    rule.note = note
    _refresh_check(db, parent)
    changes = audit.diff(before, {"restricted_parent_id": parent.id, "note": note})
    if changes:
        _audit(db, actor=actor, action="restrict_pickup", target_type="child", target_id=child.id, changes=changes)


def lift_restriction(db: Session, *, child: Child, parent: Parent, actor: Actor) -> None:
    rule = db.get(PickupRule, (child.id, parent.id))
    if rule is None or rule.kind != RESTRICTED:
        return
    before = {"restricted_parent_id": parent.id, "note": rule.note}
    db.delete(rule)
    _refresh_check(db, parent)
    changes = audit.diff(before, {})
    _audit(db, actor=actor, action="lift_pickup_restriction", target_type="child", target_id=child.id, changes=changes)


def _children_of_nursery(db: Session, nursery: Nursery, child_ids: list[int]) -> list[Child]:
    wanted = sorted(set(child_ids))
    if not wanted:
        raise ValidationFailed(labels.PASS_NEEDS_CHILDREN, details={"field": "childIds", "rule": "required"})
    found = list(db.scalars(select(Child).where(Child.id.in_(wanted), Child.nursery_id == nursery.id)))
    if len(found) != len(wanted):
        missing = sorted(set(wanted) - {c.id for c in found})
        raise NotFound(
            labels.CHILDREN_OF_OTHER_NURSERY, code="child_not_found", details={"field": "childIds", "ids": missing}
        )
    return sorted(found, key=lambda child: child.id)


PASS_FIELDS = ("name", "name_kana", *fields.audited(Parent, "pass"))


def create_pass(
    db: Session,
    *,
    nursery: Nursery,
    name: str,
    relation: str,
    day: date,
    child_ids: list[int],
    actor: Actor,
    now: datetime,
    name_kana: str = "",
) -> Parent:
    """Today or later."""
    children = _children_of_nursery(db, nursery, child_ids)
    if day < local_today(now):
        raise ValidationFailed(labels.PASS_DATE_PAST, details={"field": "date", "rule": "today_or_later"})
    person = Parent(
        nursery_id=nursery.id, name=name, name_kana=name_kana, relation=relation, pass_date=day, is_pass=True
    )
    person.pickup_check = True
    db.add(person)
    db.flush()
    db.add_all(
        PickupRule(child_id=child.id, parent_id=person.id, nursery_id=nursery.id, kind=ONE_DAY) for child in children
    )
    db.flush()
    after = audit.snapshot(person, PASS_FIELDS) | {"child_ids": [child.id for child in children]}
    _audit(
        db,
        actor=actor,
        action="create_pickup_pass",
        target_type="parent",
        target_id=person.id,
        changes=audit.diff({}, after),
    )
    return person


def pass_of(db: Session, *, nursery: Nursery, parent_id: int) -> Parent:
    """Another nursery's, or a parent, is a 404."""
    person = db.get(Parent, parent_id)
    if person is None or person.nursery_id != nursery.id or not person.is_pass:
        raise NotFound(labels.PASS_NOT_FOUND, code="pass_not_found", details={"parentId": parent_id})
    return person


def revoke_pass(db: Session, *, person: Parent, actor: Actor) -> None:
    """Their exit scans are warned; their logs stay."""
    if person.pass_date is None:
        return
    before = {"pass_date": person.pass_date.isoformat()}
    person.pass_date = None
    db.flush()
    changes = audit.diff(before, {"pass_date": None})
    _audit(db, actor=actor, action="revoke_pickup_pass", target_type="parent", target_id=person.id, changes=changes)


def passes(db: Session, *, nursery: Nursery, since: date) -> list[tuple[Parent, list[str]]]:
    """Soonest first."""
    people = list(
        db.scalars(
            select(Parent)
            .where(Parent.nursery_id == nursery.id, Parent.is_pass, Parent.pass_date >= since)
            .order_by(Parent.pass_date, Parent.id)
        )
    )
    return [(person, pass_children(db, person)) for person in people]


def pass_children(db: Session, person: Parent) -> list[str]:
    return list(
        db.scalars(
            select(Child.name)
            .join(PickupRule, PickupRule.child_id == Child.id)
            .where(PickupRule.parent_id == person.id)
            .order_by(Child.id)
        )
    )


# Photos -------------------------------------------------------------------------------------------------------------


def _reject(rule: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, details={"field": "file", "rule": rule})


def checked_photo(data: bytes) -> bytes:
    """Bounded in bytes and in pixels from its header, then decoded whole in a child process (service/pictures)."""
    settings = get_settings()
    if not data:
        raise _reject("image_empty", "ファイルが空です")
    if len(data) > settings.entry_logs_photo_max_bytes:
        raise _reject("image_max_bytes", f"写真は{settings.entry_logs_photo_max_bytes / (1024 * 1024):g}MBまでです")
    kind = headers.picture_kind(data)
    if kind is None:
        raise _reject("image_type", f"{labels.PHOTO_TYPES}のいずれかを選んでください")
    try:
        width, height = headers.picture_size(data, kind[2])
    except headers.NotItsFormat as exc:
        raise _reject("image_type", "ファイルの中身が拡張子と一致しません") from exc
    except headers.UnreadableHeader as exc:
        raise _reject("image_corrupt", "画像が壊れているか読み取れません") from exc
    if width * height > settings.entry_logs_photo_max_pixels:
        raise _reject("image_max_pixels", "画像の画素数が大きすぎます")
    from service.pictures import decoding  # with Pillow: imported by the first upload, not with the app

    [(thumbnail, _)] = decoding.decode_in_child([data], size=settings.entry_logs_photo_px)
    if thumbnail is None:
        raise _reject("image_corrupt", "画像が壊れているか読み取れません")
    return thumbnail


def set_photo(db: Session, *, parent: Parent, data: bytes, actor: Actor, now: datetime) -> Parent:
    """Audited without the picture."""
    image = checked_photo(data)
    photo = db.get(ParentPhoto, parent.id)
    before = {"photo": "set" if photo else None, "photo_version": parent.photo_version}
    if photo is None:
        photo = ParentPhoto(parent_id=parent.id, nursery_id=parent.nursery_id)
        db.add(photo)
    photo.image, photo.sha256, photo.uploaded_at = image, hashlib.sha256(image).hexdigest(), now
    parent.photo_version += 1
    db.flush()
    changes = audit.diff(before, {"photo": "set", "photo_version": parent.photo_version})
    _audit(db, actor=actor, action="set_guardian_photo", target_type="parent", target_id=parent.id, changes=changes)
    return parent


def remove_photo(db: Session, *, parent: Parent, actor: Actor) -> None:
    if parent.photo_version == 0:
        return
    db.execute(delete(ParentPhoto).where(ParentPhoto.parent_id == parent.id))
    before = {"photo": "set", "photo_version": parent.photo_version}
    parent.photo_version = 0
    db.flush()
    changes = audit.diff(before, {"photo": None, "photo_version": 0})
    _audit(db, actor=actor, action="remove_guardian_photo", target_type="parent", target_id=parent.id, changes=changes)


def photo_of(db: Session, *, scope: TenantScope, parent_id: int) -> bytes:
    """Another nursery's adult, or one without a photo, is a 404."""
    try:
        photo = get_scoped(db, ParentPhoto, parent_id, scope, ParentPhoto.nursery_id)
    except NotFound as exc:
        raise NotFound(labels.PHOTO_NOT_FOUND, code="photo_not_found", details={"parentId": parent_id}) from exc
    return photo.image


# Alerts -------------------------------------------------------------------------------------------------------------


def open_alerts(db: Session, *, nursery: Nursery) -> list[tuple[PickupAlert, str]]:
    rows = db.execute(
        select(PickupAlert, Parent.name)
        .join(Parent, Parent.id == PickupAlert.parent_id)
        .where(PickupAlert.nursery_id == nursery.id, PickupAlert.acknowledged_at.is_(None))
        .order_by(PickupAlert.id.desc())
        .limit(ALERTS_SHOWN)
    )
    return [(alert, name) for alert, name in rows.tuples()]


def alert_of(db: Session, *, nursery: Nursery, alert_id: int) -> PickupAlert:
    alert = db.get(PickupAlert, alert_id)
    if alert is None or alert.nursery_id != nursery.id:
        raise NotFound(labels.ALERT_NOT_FOUND, code="alert_not_found", details={"alertId": alert_id})
    return alert


def acknowledge(db: Session, *, alert: PickupAlert, actor: Actor, now: datetime) -> PickupAlert:
    if alert.acknowledged_at is not None:
        return alert
    alert.acknowledged_at, alert.acknowledged_by = now, actor.label[:100]
    db.flush()
    changes = audit.diff({}, {"acknowledged_at": now.isoformat(), "acknowledged_by": alert.acknowledged_by})
    _audit(
        db,
        actor=actor,
        action="acknowledge_pickup_alert",
        target_type="pickup_alert",
        target_id=alert.id,
        changes=changes,
    )
    return alert
