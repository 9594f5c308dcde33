"""マスタ管理 (admin, §8–9): every option and editable choice with its uses; add, edit, deactivate, delete."""

from typing import Annotated

from fastapi import Query

from service.crm import masters
from service.crm.dependencies import Admin
from service.crm.labels import CHOICE_KIND_LABELS
from service.crm.master_upkeep import service as upkeep
from service.crm.master_upkeep.schemas import (
    ChoiceFields,
    ChoiceUpdate,
    MasterChoiceRead,
    MasterOptionRead,
    MastersManageRead,
    OptionFields,
    OptionUpdate,
)
from service.crm.routing import feature_router
from service.deps import DbSession

router = feature_router()


@router.get("/masters/manage", response_model=MastersManageRead)
def manage_masters(_: Admin, db: DbSession) -> MastersManageRead:
    """Every option and editable choice, inactive ones too, each with how many rows use it."""
    option_uses, choice_uses = upkeep.option_use_counts(db), upkeep.choice_use_counts(db)
    grouped = masters.choices(db)
    return MastersManageRead(
        options=[
            MasterOptionRead.model_validate(o).model_copy(update={"in_use": option_uses.get(o.code, 0)})
            for o in masters.options(db)
        ],
        choices={
            kind: [
                MasterChoiceRead.model_validate(c).model_copy(update={"in_use": choice_uses.get((kind, c.code), 0)})
                for c in grouped.get(kind, [])
            ]
            for kind in upkeep.EDITABLE_KINDS
        },
        kind_labels=CHOICE_KIND_LABELS,
    )


def _option_read(db: DbSession, option) -> MasterOptionRead:
    return MasterOptionRead.model_validate(option).model_copy(
        update={"in_use": upkeep.option_use_count(db, option.code)}
    )


def _choice_read(db: DbSession, choice) -> MasterChoiceRead:
    uses = upkeep.choice_use_counts(db).get((choice.kind, choice.code), 0)
    return MasterChoiceRead.model_validate(choice).model_copy(update={"in_use": uses})


@router.post("/masters/options", response_model=MasterOptionRead, status_code=201)
def create_option(body: OptionFields, caller: Admin, db: DbSession) -> MasterOptionRead:
    return _option_read(db, upkeep.create_option(db, fields=body.model_dump(), actor=caller.actor))


@router.patch("/masters/options/{code}", response_model=MasterOptionRead)
def update_option(code: str, body: OptionUpdate, caller: Admin, db: DbSession) -> MasterOptionRead:
    """編集 / 無効化 (is_active=false)."""
    fields = body.model_dump(exclude_unset=True, exclude={"version"})
    return _option_read(
        db, upkeep.update_option(db, code=code, fields=fields, version=body.version, actor=caller.actor)
    )


@router.delete("/masters/options/{code}", status_code=204)
def delete_option(code: str, caller: Admin, db: DbSession, version: Annotated[int, Query(ge=1)]) -> None:
    """Only an option no site lists; one in use is 409 `in_use` (deactivate it instead)."""
    upkeep.delete_option(db, code=code, version=version, actor=caller.actor)


@router.post("/masters/choices/{kind}", response_model=MasterChoiceRead, status_code=201)
def create_choice(kind: str, body: ChoiceFields, caller: Admin, db: DbSession) -> MasterChoiceRead:
    return _choice_read(db, upkeep.create_choice(db, kind=kind, fields=body.model_dump(), actor=caller.actor))


@router.patch("/masters/choices/{kind}/{code}", response_model=MasterChoiceRead)
def update_choice(kind: str, code: str, body: ChoiceUpdate, caller: Admin, db: DbSession) -> MasterChoiceRead:
    """編集 / 無効化 (is_active=false)."""
    fields = body.model_dump(exclude_unset=True, exclude={"version"})
    choice = upkeep.update_choice(db, kind=kind, code=code, fields=fields, version=body.version, actor=caller.actor)
    return _choice_read(db, choice)


@router.delete("/masters/choices/{kind}/{code}", status_code=204)
def delete_choice(kind: str, code: str, caller: Admin, db: DbSession, version: Annotated[int, Query(ge=1)]) -> None:
    """Only a choice nothing stores; one in use is 409 `in_use` (deactivate it instead)."""
    upkeep.delete_choice(db, kind=kind, code=code, version=version, actor=caller.actor)
