"""The masters' API: the fixed categories, 管轄, locations, models and data types (changes are admin's). Thin
handlers, every query limited to the caller's 管轄; the rules live in masters.py."""

from fastapi import APIRouter

from service.deps import DbSession
from service.loaners.dependencies import Admin, Jurisdiction, Scope, ScopedLocation, Staff, Text50
from service.loaners.kinds import Category, LocationStatus
from service.loaners.masters import masters
from service.loaners.masters.schemas import (
    CategoryRead,
    DataTypeCreate,
    DataTypeRead,
    DataTypeUpdate,
    LocationCreate,
    LocationRead,
    LocationUpdate,
    ModelCreate,
    ModelRead,
    ModelUpdate,
)

router = APIRouter(prefix="/loaners", tags=["loaners"])


def _model_read(model) -> ModelRead:
    category = Category.of(model.category)
    return ModelRead.model_validate(model).model_copy(update={"category_label": category.label, "kind": category.kind})


@router.get("/categories", response_model=list[CategoryRead])
def list_categories(_: Staff) -> list[CategoryRead]:
    """The 8 fixed categories (§2.2.3) with their number section, kind and summary device type."""
    return [
        CategoryRead(
            category=category,
            label=category.label,
            number_section=category.section,
            kind=category.kind,
            kind_label=category.kind.label,
            device_type=category.device_type,
        )
        for category in Category
    ]


@router.get("/jurisdictions", response_model=list[str])
def list_jurisdictions(_: Staff, scope: Scope, db: DbSession) -> list[str]:
    return masters.jurisdictions(db, scope=scope)


@router.get("/locations", response_model=list[LocationRead])
def list_locations(
    _: Staff,
    scope: Scope,
    db: DbSession,
    jurisdiction: Jurisdiction,
    status: LocationStatus | None = None,
) -> list:
    return masters.list_locations(db, scope=scope, jurisdiction=jurisdiction, status=status)


@router.post("/locations", response_model=LocationRead, status_code=201)
def create_location(body: LocationCreate, caller: Admin, db: DbSession) -> object:
    return masters.create_location(db, data=body, actor=caller.actor)


@router.get("/locations/{location_id}", response_model=LocationRead)
def get_location(_: Staff, location: ScopedLocation) -> object:
    return location


@router.patch("/locations/{location_id}", response_model=LocationRead)
def update_location(body: LocationUpdate, caller: Admin, location: ScopedLocation, db: DbSession) -> object:
    return masters.update_location(db, location=location, data=body, actor=caller.actor)


@router.delete("/locations/{location_id}", status_code=204)
def delete_location(caller: Admin, location: ScopedLocation, db: DbSession) -> None:
    masters.delete_location(db, location=location, actor=caller.actor)


@router.get("/models", response_model=list[ModelRead])
def list_models(_: Staff, db: DbSession, category: Text50 = None) -> list:
    return [_model_read(m) for m in masters.list_models(db, category=category)]


@router.post("/models", response_model=ModelRead, status_code=201)
def create_model(body: ModelCreate, caller: Admin, db: DbSession) -> ModelRead:
    return _model_read(masters.create_model(db, data=body, actor=caller.actor))


@router.get("/models/{model_id}", response_model=ModelRead)
def get_model(model_id: str, _: Staff, db: DbSession) -> ModelRead:
    return _model_read(masters.get_model(db, model_id))


@router.patch("/models/{model_id}", response_model=ModelRead)
def update_model(model_id: str, body: ModelUpdate, caller: Admin, db: DbSession) -> ModelRead:
    model = masters.get_model(db, model_id)
    return _model_read(masters.update_model(db, model=model, data=body, actor=caller.actor))


@router.delete("/models/{model_id}", status_code=204)
def delete_model(model_id: str, caller: Admin, db: DbSession) -> None:
    masters.delete_model(db, model=masters.get_model(db, model_id), actor=caller.actor)


@router.get("/data-types", response_model=list[DataTypeRead])
def list_data_types(_: Staff, db: DbSession, include_inactive: bool = False) -> list:
    """The view modes for the page's dropdown, in display order (active ones unless asked)."""
    return masters.list_data_types(db, include_inactive=include_inactive)


@router.post("/data-types", response_model=DataTypeRead, status_code=201)
def create_data_type(body: DataTypeCreate, caller: Admin, db: DbSession) -> object:
    return masters.create_data_type(db, data=body, actor=caller.actor)


@router.get("/data-types/{data_type_id}", response_model=DataTypeRead)
def get_data_type(data_type_id: str, _: Staff, db: DbSession) -> object:
    return masters.get_data_type(db, data_type_id)


@router.patch("/data-types/{data_type_id}", response_model=DataTypeRead)
def update_data_type(data_type_id: str, body: DataTypeUpdate, caller: Admin, db: DbSession) -> object:
    data_type = masters.get_data_type(db, data_type_id)
    return masters.update_data_type(db, data_type=data_type, data=body, actor=caller.actor)


@router.delete("/data-types/{data_type_id}", status_code=204)
def delete_data_type(data_type_id: str, caller: Admin, db: DbSession) -> None:
    masters.delete_data_type(db, data_type=masters.get_data_type(db, data_type_id), actor=caller.actor)
