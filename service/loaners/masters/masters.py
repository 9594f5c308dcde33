"""Masters: 拠点, 機種 and データタイプ; every change audited with before/after."""

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service import fields
from service.audit import service as audit
from service.audit.service import Actor
from service.errors import Conflict, NotFound, ValidationFailed
from service.loaners import labels, numbering, view_settings
from service.loaners.masters.schemas import (
    DataTypeCreate,
    DataTypeUpdate,
    LocationCreate,
    LocationUpdate,
    ModelCreate,
    ModelUpdate,
)
from service.loaners.models import DataType, Device, Location, Model
from service.tenancy import TenantScope, scoped

LOCATION_FIELDS = fields.audited(Location)
MODEL_FIELDS = fields.audited(Model)
DATA_TYPE_FIELDS = fields.audited(DataType)
BUILT_IN_DATA_TYPES = ("NORMAL", "AUDIT", "SUMMARY")


# --- audited changes, shared by every register of the domain ----------------------------------------


def record(db: Session, actor: Actor, action: str, obj: Any, changes: dict[str, Any]) -> None:
    target_type = obj.__tablename__.removeprefix("loaners_")
    target_id = obj.__mapper__.primary_key_from_instance(obj)[0]
    audit.record(
        db,
        actor=actor,
        action=action,
        domain=labels.DOMAIN,
        target_type=target_type,
        target_id=target_id,
        changes=changes,
    )


def created(db: Session, obj: Any, fields: Iterable[str], actor: Actor) -> Any:
    db.add(obj)
    db.flush()
    record(db, actor, "create", obj, audit.diff({}, audit.snapshot(obj, fields)))
    return obj


def updated(db: Session, obj: Any, values: dict[str, Any], fields: Iterable[str], actor: Actor) -> Any:
    before = audit.snapshot(obj, fields)
    for name, value in values.items():
        setattr(obj, name, value)
    db.flush()
    changes = audit.diff(before, audit.snapshot(obj, fields))
    if changes:
        record(db, actor, "update", obj, changes)
    return obj


def deleted(db: Session, obj: Any, fields: Iterable[str], actor: Actor) -> None:
    before = audit.snapshot(obj, fields)
    db.delete(obj)
    db.flush()
    record(db, actor, "delete", obj, audit.diff(before, {}))


def ensure_free(db: Session, column: Any, value: Any, *, field: str, keep: Any = None) -> None:
    stmt = select(column).where(column == value)
    pk = column.class_.__mapper__.primary_key[0]
    if keep is not None:
        stmt = stmt.where(pk != keep)
    if db.scalar(stmt.limit(1)) is not None:
        raise Conflict(labels.UNIQUE_TAKEN.format(field=field), details={"field": field, "rule": "unique"})


def _has_devices(db: Session, column: Any, value: str) -> bool:
    return db.scalar(select(Device.id).where(column == value).limit(1)) is not None


def _changes(data: Any) -> dict[str, Any]:
    return {k: v for k, v in data.model_dump(exclude_unset=True).items() if v is not None}


# --- locations ---------------------------------------------------------------------------------------


def list_locations(db: Session, *, scope: TenantScope, jurisdiction: str | None, status: str | None) -> list[Location]:
    stmt = scoped(select(Location), scope, Location.jurisdiction)
    if jurisdiction:
        stmt = stmt.where(Location.jurisdiction == jurisdiction)
    if status:
        stmt = stmt.where(Location.status == status)
    return list(db.scalars(stmt.order_by(Location.jurisdiction, Location.id)))


def jurisdictions(db: Session, *, scope: TenantScope) -> list[str]:
    stmt = scoped(select(Location.jurisdiction).distinct(), scope, Location.jurisdiction)
    return list(db.scalars(stmt.order_by(Location.jurisdiction)))


def create_location(db: Session, *, data: LocationCreate, actor: Actor) -> Location:
    ensure_free(db, Location.id, data.id, field="id")
    ensure_free(db, Location.code, data.code, field="code")
    return created(db, Location(**data.model_dump()), LOCATION_FIELDS, actor)


def update_location(db: Session, *, location: Location, data: LocationUpdate, actor: Actor) -> Location:
    values = _changes(data)
    if values.get("code", location.code) != location.code:
        ensure_free(db, Location.code, values["code"], field="code", keep=location.id)
        if _has_devices(db, Device.location_id, location.id):
            raise Conflict(labels.LOCATION_CODE_FIXED, details={"field": "code", "rule": "code_in_numbers"})
    return updated(db, location, values, LOCATION_FIELDS, actor)


def delete_location(db: Session, *, location: Location, actor: Actor) -> None:
    if _has_devices(db, Device.location_id, location.id):
        raise Conflict(labels.LOCATION_HAS_DEVICES, code="location_has_devices")
    deleted(db, location, LOCATION_FIELDS, actor)


# --- models ------------------------------------------------------------------------------------------


def list_models(db: Session, *, category: str | None = None) -> list[Model]:
    stmt = select(Model)
    if category:
        stmt = stmt.where(Model.category == category)
    return list(db.scalars(stmt.order_by(Model.id)))


def get_model(db: Session, model_id: str) -> Model:
    model = db.get(Model, model_id)
    if model is None:
        raise NotFound(labels.NOT_FOUND, details={"resource": "loaners_model", "id": model_id})
    return model


def _number_section(db: Session, name: str, *, keep: str | None = None) -> str:
    """Imports must tell models apart."""
    section = numbering.model_section(name)
    if not section:
        raise ValidationFailed(labels.MODEL_SECTION_EMPTY, details={"field": "name", "rule": "model_section_empty"})
    other = db.scalar(select(Model).where(Model.number_section == section, Model.id != keep))
    if other is not None:
        raise ValidationFailed(
            labels.MODEL_SECTION_TAKEN.format(section=section, name=other.name),
            details={"field": "name", "rule": "model_section_unique"},
        )
    return section


def create_model(db: Session, *, data: ModelCreate, actor: Actor) -> Model:
    ensure_free(db, Model.name, data.name, field="name")
    section = _number_section(db, data.name)
    model = Model(id=numbering.next_model_id(db), number_section=section, **data.model_dump())
    return created(db, model, MODEL_FIELDS, actor)


def update_model(db: Session, *, model: Model, data: ModelUpdate, actor: Actor) -> Model:
    values = _changes(data)
    renamed = values.get("name", model.name) != model.name
    if (renamed or values.get("category", model.category) != model.category) and _has_devices(
        db, Device.model_id, model.id
    ):
        raise Conflict(labels.MODEL_FIXED, details={"field": "name", "rule": "model_in_numbers"})
    if renamed:
        ensure_free(db, Model.name, values["name"], field="name", keep=model.id)
        values["number_section"] = _number_section(db, values["name"], keep=model.id)
    return updated(db, model, values, MODEL_FIELDS, actor)


def delete_model(db: Session, *, model: Model, actor: Actor) -> None:
    if _has_devices(db, Device.model_id, model.id):
        raise Conflict(labels.MODEL_HAS_DEVICES, code="model_has_devices")
    deleted(db, model, MODEL_FIELDS, actor)


# --- data types --------------------------------------------------------------------------------------


def list_data_types(db: Session, *, include_inactive: bool) -> list[DataType]:
    stmt = select(DataType)
    if not include_inactive:
        stmt = stmt.where(DataType.status == "active")
    return list(db.scalars(stmt.order_by(DataType.display_order)))


def get_data_type(db: Session, data_type_id: str) -> DataType:
    data_type = db.get(DataType, data_type_id)
    if data_type is None:
        raise NotFound(labels.NOT_FOUND, details={"resource": "loaners_data_type", "id": data_type_id})
    return data_type


def active_data_type(db: Session, data_type_id: str) -> DataType:
    """§2.3.3 ステータス."""
    data_type = get_data_type(db, data_type_id)
    if data_type.status != "active":
        raise NotFound(labels.DATA_TYPE_INACTIVE, code="data_type_inactive", details={"id": data_type_id})
    return data_type


def create_data_type(db: Session, *, data: DataTypeCreate, actor: Actor) -> DataType:
    ensure_free(db, DataType.id, data.id, field="id")
    ensure_free(db, DataType.display_order, data.display_order, field="display_order")
    data_type = DataType(**data.model_dump())
    view_settings.check(db, data_type)
    return created(db, data_type, DATA_TYPE_FIELDS, actor)


def update_data_type(db: Session, *, data_type: DataType, data: DataTypeUpdate, actor: Actor) -> DataType:
    values = _changes(data)
    if "display_order" in values:
        ensure_free(db, DataType.display_order, values["display_order"], field="display_order", keep=data_type.id)
    view_settings.check(db, DataType(**{name: getattr(data_type, name) for name in DATA_TYPE_FIELDS} | values))
    return updated(db, data_type, values, DATA_TYPE_FIELDS, actor)


def delete_data_type(db: Session, *, data_type: DataType, actor: Actor) -> None:
    if data_type.id in BUILT_IN_DATA_TYPES:
        raise Conflict(labels.DATA_TYPE_BUILT_IN, code="built_in_data_type")
    deleted(db, data_type, DATA_TYPE_FIELDS, actor)
