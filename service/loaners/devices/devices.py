"""The device register (端末/プリンタ/その他マスタ)."""

from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from service import fields
from service.audit.service import Actor
from service.errors import Conflict, ValidationFailed
from service.links import dashboard_page
from service.loaners import labels, numbering, search_text
from service.loaners.devices.schemas import CurrentState, DeviceCreate, DeviceDetail, DeviceRead, DeviceUpdate
from service.loaners.kinds import Category
from service.loaners.masters.masters import created, deleted, updated
from service.loaners.models import Device, Location, Model, Submission
from service.tenancy import TenantScope, scoped

DEVICE_FIELDS = fields.audited(Device)
DAY_SECONDS = 86_400
DUPLICATES_NAMED = 10


def kind_of(category: str) -> str:
    return Category.of(category).kind


def device_type_of(category: str) -> str:
    return Category.of(category).device_type


def form_url(device_id: int) -> str:
    return dashboard_page("loaners_status_form", device=device_id)


def held_days(held_since: datetime | None, now: datetime) -> int | None:
    return None if held_since is None else max(0, int((now - held_since).total_seconds() // DAY_SECONDS))


def with_places(stmt: Select, scope: TenantScope) -> Select:
    stmt = stmt.join(Location, Location.id == Device.location_id).join(Model, Model.id == Device.model_id)
    return scoped(stmt, scope, Location.jurisdiction)


def device_read(device: Device, location: Location, model: Model, now: datetime) -> DeviceRead:
    return DeviceRead(
        id=device.id,
        management_number=device.management_number,
        location_id=location.id,
        location_name=location.name,
        jurisdiction=location.jurisdiction,
        model_id=model.id,
        model_name=model.name,
        maker=model.maker,
        category=model.category,
        kind=device.kind,
        kind_label=labels.KINDS[device.kind],
        device_type=device_type_of(model.category),
        serial_number=device.serial_number,
        asset_number=device.asset_number,
        software=device.software,
        os=device.os,
        status=device.status,
        held_status=device.held_status,
        held_since=device.held_since,
        held_days=held_days(device.held_since, now),
        last_submitted_at=device.last_submitted_at,
        form_url=form_url(device.id),
        created_at=device.created_at,
        updated_at=device.updated_at,
    )


def current_state(submission: Submission | None) -> CurrentState | None:
    if submission is None:
        return None
    return CurrentState(
        submission_id=submission.id,
        submitted_at=submission.submitted_at,
        submitter_email=submission.submitter_email,
        answers=submission.answers,
    )


def device_detail(db: Session, *, device: Device, now: datetime) -> DeviceDetail:
    """One query."""
    row = db.execute(
        select(Device, Location, Model, Submission)
        .join(Location, Location.id == Device.location_id)
        .join(Model, Model.id == Device.model_id)
        .outerjoin(Submission, Submission.id == Device.current_submission_id)
        .where(Device.id == device.id)
    ).one()
    read = device_read(row[0], row[1], row[2], now)
    since = row[0].held_status_since
    return DeviceDetail(
        **read.model_dump(),
        current=current_state(row[3]),
        held_status_since=since,
        held_status_days=held_days(since, now),
    )


def usable_location(db: Session, location_id: str, scope: TenantScope) -> Location:
    """Known, within the caller's 管轄 and active, else 422."""
    location = db.scalar(scoped(select(Location).where(Location.id == location_id), scope, Location.jurisdiction))
    if location is None:
        raise ValidationFailed(labels.UNKNOWN_LOCATION, details={"field": "location_id", "rule": "unknown_location"})
    if location.status != "active":
        raise ValidationFailed(labels.INACTIVE_LOCATION, details={"field": "location_id", "rule": "inactive_location"})
    return location


def known_model(db: Session, model_id: str) -> Model:
    model = db.get(Model, model_id)
    if model is None:
        raise ValidationFailed(labels.UNKNOWN_MODEL, details={"field": "model_id", "rule": "unknown_model"})
    return model


def assign_number(db: Session, *, location: Location, model: Model, serial_number: str, given: str | None) -> str:
    """A given number must pass §4 and name this device's sections."""
    if not given:
        return numbering.generate_number(db, location=location, model=model, serial_number=serial_number)
    parsed = numbering.parse(given)
    numbering.check_matches(parsed, location=location, model=model, serial_number=serial_number)
    numbering.ensure_unused(db, given)
    numbering.claim_sequence(db, parsed.prefix, parsed.sequence)
    return given


def ensure_asset_number(kind: str, asset_number: str | None) -> None:
    """§2.4."""
    if kind == "terminal" and not asset_number:
        raise ValidationFailed(
            labels.ASSET_NUMBER_REQUIRED, details={"field": "asset_number", "rule": "asset_number_required"}
        )


def same_serial(db: Session, model: Model, serial_number: str, scope: TenantScope) -> list[dict[str, object]]:
    rows = db.execute(
        with_places(select(Device.id, Device.management_number, Location.name), scope)
        .where(Device.serial_number == serial_number, Device.model_id == model.id)
        .order_by(Device.id)
        .limit(DUPLICATES_NAMED)
    )
    return [{"id": id_, "management_number": number, "location_name": place} for id_, number, place in rows]


def ensure_new_serial(db: Session, model: Model, serial_number: str, scope: TenantScope) -> None:
    """409 unless confirmed: a second device of the model's 製造番号 (…_002) is said before it is made."""
    existing = same_serial(db, model, serial_number, scope)
    if existing:
        numbers = "、".join(str(device["management_number"]) for device in existing)
        raise Conflict(
            labels.DUPLICATE_SERIAL.format(serial=serial_number, numbers=numbers),
            code="duplicate_serial",
            details={"field": "serial_number", "rule": "duplicate_serial", "devices": existing},
        )


def create_device(db: Session, *, data: DeviceCreate, scope: TenantScope, actor: Actor) -> Device:
    location = usable_location(db, data.location_id, scope)
    model = known_model(db, data.model_id)
    ensure_asset_number(kind_of(model.category), data.asset_number)
    number = assign_number(
        db, location=location, model=model, serial_number=data.serial_number, given=data.management_number
    )
    if not data.confirm:
        ensure_new_serial(db, model, data.serial_number, scope)
    device = Device(
        management_number=number,
        kind=kind_of(model.category),
        **data.model_dump(exclude={"management_number", "confirm"}),
    )
    created(db, device, DEVICE_FIELDS, actor)
    search_text.refresh(db, [device.id])
    return device


def update_device(db: Session, *, device: Device, data: DeviceUpdate, actor: Actor) -> Device:
    """The sections of the management number never change."""
    values = {k: v for k, v in data.model_dump(exclude_unset=True).items() if v is not None}
    ensure_asset_number(device.kind, values.get("asset_number", device.asset_number))
    updated(db, device, values, DEVICE_FIELDS, actor)
    search_text.refresh(db, [device.id])
    return device


def delete_device(db: Session, *, device: Device, actor: Actor) -> None:
    """Only a device registered by mistake: one with answers keeps them (the collection is append-only)."""
    if device.current_submission_id is not None:
        raise Conflict(labels.DEVICE_HAS_HISTORY, code="device_has_history")
    deleted(db, device, DEVICE_FIELDS, actor)
