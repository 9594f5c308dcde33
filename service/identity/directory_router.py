"""利用者管理's groups (members and the grants they give) and SCIM tokens: /api/admin/groups, /api/admin/scim-tokens."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from service.deps import DbSession
from service.identity import groups as group_rules
from service.identity import service as identity
from service.identity.dependencies import PlatformAdmin
from service.identity.models import Group, GroupGrant, ScimToken
from service.identity.router import with_name
from service.identity.schemas import GrantIn, GrantRead
from service.identity.scim import tokens
from service.schemas import SingleLine
from service.tenancy import scope_names

router = APIRouter(prefix="/admin", tags=["admin"])

GroupName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), SingleLine]
TokenName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), SingleLine]


class GroupMemberRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    login_id: str
    is_active: bool


class GroupRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    display_name: str
    from_directory: bool = Field(description="made by the company's directory (SCIM), which keeps its members")
    members: list[GroupMemberRead]
    grants: list[GrantRead]


class GroupIn(BaseModel):
    display_name: GroupName
    member_ids: list[int] | None = None


class ScimTokenRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    created_at: datetime
    created_by: str
    last_used_at: datetime | None
    revoked_at: datetime | None


class ScimTokenMade(ScimTokenRead):
    secret: str = Field(description="shown this once: only its SHA-256 is kept")


class ScimTokenIn(BaseModel):
    name: TokenName


def group_read(db: DbSession, group: Group) -> GroupRead:
    grants = [grant_read(g) for g in group.grants]
    names = scope_names(db, ((g.domain, g.scope) for g in grants))
    return GroupRead(
        id=group.id,
        display_name=group.display_name,
        from_directory=group.external_id is not None,
        members=[GroupMemberRead.model_validate(u) for u in group.members],
        grants=[with_name(g, names) for g in grants],
    )


def grant_read(grant: GroupGrant) -> GrantRead:
    return GrantRead(domain=grant.domain, role=grant.role, scope=grant.scope)


@router.get("/groups", response_model=list[GroupRead])
def list_groups(_: PlatformAdmin, db: DbSession) -> list[GroupRead]:
    return [group_read(db, g) for g in group_rules.list_groups(db)]


@router.post("/groups", response_model=GroupRead, status_code=201)
def create_group(body: GroupIn, caller: PlatformAdmin, db: DbSession) -> GroupRead:
    members = [identity.get_user(db, i) for i in body.member_ids or []]
    group = group_rules.create_group(db, display_name=body.display_name, members=members, actor=caller.actor)
    return group_read(db, group)


@router.patch("/groups/{group_id:int}", response_model=GroupRead)
def update_group(group_id: int, body: GroupIn, caller: PlatformAdmin, db: DbSession) -> GroupRead:
    members = None if body.member_ids is None else [identity.get_user(db, i) for i in body.member_ids]
    group = group_rules.get_group(db, group_id)
    group_rules.update_group(db, group=group, display_name=body.display_name, members=members, actor=caller.actor)
    return group_read(db, group)


@router.delete("/groups/{group_id:int}", status_code=204)
def delete_group(group_id: int, caller: PlatformAdmin, db: DbSession) -> None:
    group_rules.delete_group(db, group=group_rules.get_group(db, group_id), actor=caller.actor)


@router.put("/groups/{group_id:int}/grants/{domain}", response_model=GroupRead)
def set_group_grant(group_id: int, domain: str, body: GrantIn, caller: PlatformAdmin, db: DbSession) -> GroupRead:
    """Its members get it at once, except where a person has their own grant for the domain (groups.py)."""
    group = group_rules.get_group(db, group_id)
    group_rules.set_group_grant(db, group=group, domain=domain, role=body.role, scope=body.scope, actor=caller.actor)
    return group_read(db, group)


@router.delete("/groups/{group_id:int}/grants/{domain}", status_code=204)
def remove_group_grant(group_id: int, domain: str, caller: PlatformAdmin, db: DbSession) -> None:
    group_rules.remove_group_grant(db, group=group_rules.get_group(db, group_id), domain=domain, actor=caller.actor)


@router.get("/scim-tokens", response_model=list[ScimTokenRead])
def list_scim_tokens(_: PlatformAdmin, db: DbSession) -> list[ScimToken]:
    return tokens.list_tokens(db)


@router.post("/scim-tokens", response_model=ScimTokenMade, status_code=201)
def make_scim_token(body: ScimTokenIn, caller: PlatformAdmin, db: DbSession) -> ScimTokenMade:
    made = tokens.make_token(db, name=body.name, actor=caller.actor)
    return ScimTokenMade(**ScimTokenRead.model_validate(made.token).model_dump(), secret=made.secret)


@router.post("/scim-tokens/{token_id:int}/revoke", response_model=ScimTokenRead)
def revoke_scim_token(token_id: int, caller: PlatformAdmin, db: DbSession) -> ScimToken:
    return tokens.revoke_token(db, token_id=token_id, actor=caller.actor)
