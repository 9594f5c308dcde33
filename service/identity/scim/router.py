"""Provisioning by the company's directory: SCIM 2.0 (RFC 7643/7644) at /api/scim/v2, read and written with
scim2-models, its answers `application/scim+json`, its errors SCIM's own (errors.py), called with a SCIM token
(tokens.py) and audited as 「SCIM（<token name>）」."""

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar, Union

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.security import HTTPAuthorizationCredentials
from scim2_models import (
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    Context,
    ETag,
    Filter,
    Group,
    InvalidFilterException,
    ListResponse,
    Meta,
    NotFoundException,
    Patch,
    PatchOp,
    ResourceType,
    ResponseParameters,
    Schema,
    ScimFilter,
    SearchRequest,
    ServiceProviderConfig,
    Sort,
    UnauthorizedException,
    UniquenessException,
    User,
)
from scim2_models import Resource as ScimResource
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session
from starlette.convertors import StringConvertor, register_url_convertor

from service.audit.service import Actor
from service.credentials import bearer
from service.database import utcnow
from service.deps import DbSession, client_address, current_request_id
from service.errors import Conflict
from service.identity import groups as group_rules
from service.identity import service as identity
from service.identity.models import Group as GroupRow
from service.identity.models import User as UserRow
from service.identity.scim import resources, tokens
from service.identity.scim.errors import MEDIA_TYPE, RESPONSES, ScimJSONResponse, ScimRoute, scim_error
from service.schemas import SingleLine


class ResourceId(StringConvertor):
    """A resource's id in a path: never a dot's path of SCIM's own (/Users/.search), which it would shadow."""

    regex = r"[^/.][^/]*"


register_url_convertor("scim_id", ResourceId())
router = APIRouter(
    prefix="/scim/v2",
    tags=["scim"],
    route_class=ScimRoute,
    default_response_class=ScimJSONResponse,
    responses=RESPONSES,
)
PAGE_LIMIT = 200  # a page's most resources (ServiceProviderConfig's filter.maxResults)
R = TypeVar("R", bound=ScimResource)
QueryText = Annotated[str | None, Query(max_length=2000), SingleLine]  # a filter or attribute list, on one line


def scim_actor(
    request: Request, db: DbSession, sent: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Actor:
    token = tokens.token_for(db, sent.credentials, now=utcnow()) if sent else None
    if token is None:
        raise UnauthorizedException()
    origin = Actor(type="anonymous", client_address=client_address(request), request_id=current_request_id())
    return tokens.actor_of(token, origin)


ScimActor = Annotated[Actor, Depends(scim_actor)]


def answer(
    resource: Any,
    status: int = 200,
    context: Context = Context.RESOURCE_QUERY_RESPONSE,
    shown: ResponseParameters | None = None,
) -> Response:
    meta = getattr(resource, "meta", None)
    headers = {"Location": meta.location, "ETag": meta.version} if meta and meta.version else None
    body = json.dumps(resource.model_dump(scim_ctx=context, response_parameters=shown), ensure_ascii=False)
    return Response(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def shown_of(model: Any) -> Callable[..., ResponseParameters]:
    """RFC 7644 §3.9's attributes and excludedAttributes, as the query names them."""

    def dependency(
        attributes: QueryText = None,
        excludedAttributes: QueryText = None,  # noqa: N803 (SCIM's own names)
    ) -> ResponseParameters:
        return ResponseParameters[model](attributes=attributes, excluded_attributes=excludedAttributes)

    return dependency


def list_query_of(model: Any) -> Callable[..., SearchRequest]:
    """RFC 7644 §3.4.2's query: filter, startIndex, count, attributes and excludedAttributes, as a search's body
    holds them."""

    def dependency(
        filter: QueryText = None,
        startIndex: int | None = None,  # noqa: N803 (SCIM's own names)
        count: int | None = None,
        attributes: QueryText = None,
        excludedAttributes: QueryText = None,  # noqa: N803
    ) -> SearchRequest:
        return SearchRequest[model](
            filter=filter,
            start_index=startIndex,
            count=count,
            attributes=attributes,
            excluded_attributes=excludedAttributes,
        )

    return dependency


async def body_of(request: Request, model: type[R] | Any, context: Context) -> Any:
    return model.model_validate_json(await request.body(), scim_ctx=context)


def _page_bounds(start_index: int | None, count: int | None) -> tuple[int, int]:
    """RFC 7644 §3.4.2.4: startIndex below 1 is 1, a negative count 0."""
    start = min(max(start_index or 1, 1), resources.LARGEST_ID)
    return start, min(max(count if count is not None else PAGE_LIMIT, 0), PAGE_LIMIT)


@dataclass(frozen=True)
class Kind:
    """One resource type as its routes read and write it: its list and searches (RFC 7644 §3.4.2, §3.4.3), one
    resource by id, its replacement and its PATCH (§3.4.1, §3.5)."""

    model: Any  # scim2-models' User or Group
    endpoint: str  # Users, Groups
    rows: Callable[[], Select]  # every resource of the type, in order
    columns: dict[str, Any]  # the attributes an `eq` filter finds in SQL
    to_resource: Callable[[Any], ScimResource]
    row: Callable[[Session, str], Any]  # the row a resource id names (SCIM's 404 otherwise)
    write: Callable[[Session, Any, Any, Actor], Any]  # a resource written back to its row


@dataclass(frozen=True)
class Found:
    """What a filter finds of one kind: how many, and a page of them from an offset."""

    total: int
    page: Callable[[int, int], list[ScimResource]]


def parsed_filter(model: Any, filter_text: str) -> ScimFilter:
    try:
        return ScimFilter[model](filter_text)
    except Exception as exc:
        raise InvalidFilterException(filter=filter_text) from exc


def found_in(db: Session, kind: Kind, filter_text: str | None) -> Found:
    """`eq` on an attribute we keep in SQL; any other filter scim2-models parses evaluated on each resource (one
    company's people and groups)."""
    stmt = kind.rows()
    if filter_text:
        filter_ = parsed_filter(kind.model, filter_text)
        condition = resources.sql_condition(filter_, kind.columns)
        if condition is None:
            every = [r for r in map(kind.to_resource, db.scalars(stmt)) if filter_.match(r)]
            return Found(len(every), lambda offset, size: every[offset : offset + size])
        stmt = stmt.where(condition)
    total = db.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    return Found(total, lambda offset, size: [kind.to_resource(r) for r in db.scalars(stmt.offset(offset).limit(size))])


def listing(db: Session, kinds: Sequence[Kind], query: SearchRequest) -> Response:
    """The kinds' resources the query's filter finds, one kind after another, paged by its startIndex and count over
    them all."""
    start, size = _page_bounds(query.start_index, query.count)
    founds = [found_in(db, kind, query.filter) for kind in kinds]
    page: list[ScimResource] = []
    offset = start - 1
    for found in founds:
        if offset < found.total and len(page) < size:
            page += found.page(offset, size - len(page))
        offset = max(offset - found.total, 0)
    model: Any = Union[tuple(kind.model for kind in kinds)]  # noqa: UP007 (a union of the kinds listed)
    return _list_answer(page, sum(found.total for found in founds), start, model, query)


def _list_answer(
    found: Sequence[ScimResource], total: int, start: int, model: Any, shown: ResponseParameters | None = None
) -> Response:
    page = ListResponse[model](total_results=total, start_index=start, items_per_page=len(found), resources=list(found))
    body = json.dumps(page.model_dump(scim_ctx=Context.SEARCH_RESPONSE, response_parameters=shown), ensure_ascii=False)
    return Response(body, media_type=MEDIA_TYPE)


# ---- Users


def live_users() -> Select:
    return select(UserRow).where(UserRow.removed_at.is_(None)).order_by(UserRow.id)


def user_row(db: Session, user_id: str) -> UserRow:
    user = db.get(UserRow, int(user_id)) if resources.is_row_id(user_id) else None
    if user is None or user.removed_at is not None:
        raise NotFoundException(detail=f"ユーザー「{user_id}」は見つかりません")
    return user


def ensure_external_id_free(db: Session, external_id: str | None, user: UserRow | None = None) -> None:
    if external_id is None:
        return
    taken = db.scalar(select(UserRow.id).where(UserRow.external_id == external_id))
    if taken is not None and (user is None or taken != user.id):
        raise UniquenessException(detail="この externalId は既に別のユーザーのものです")


def write_user(db: Session, user: UserRow, resource: User, actor: Actor) -> UserRow:
    values = resources.user_values(resource)
    ensure_external_id_free(db, values["external_id"], user)
    if values["login_id"].lower() != user.login_id.lower() and identity.find_user_by_login(db, values["login_id"]):
        raise UniquenessException(detail="この userName は既に別のユーザーのログインIDです")
    changed = {name: value for name, value in values.items() if getattr(user, name) != value}
    identity.change_user(db, user=user, values=changed, actor=actor)
    return user


@router.post("/Users", status_code=201)
async def create_user(request: Request, actor: ScimActor, db: DbSession) -> Response:
    resource = await body_of(request, User, Context.RESOURCE_CREATION_REQUEST)
    values = resources.user_values(resource)
    ensure_external_id_free(db, values["external_id"])
    user = UserRow(**values, source=resources.DIRECTORY, password_hash=None)
    try:
        identity.add_user(db, user, actor=actor)
    except Conflict as exc:
        raise UniquenessException(detail="この userName は既に別のユーザーのログインIDです") from exc
    return answer(resources.user_resource(user), 201, Context.RESOURCE_CREATION_RESPONSE)


@router.delete("/Users/{user_id:scim_id}", status_code=204)
def delete_user(user_id: str, actor: ScimActor, db: DbSession) -> Response:
    """The person is deactivated (their sessions end) and no longer a SCIM resource; the account stays, as the
    records they made name them, and keeps its login id."""
    user = user_row(db, user_id)
    identity.change_user(db, user=user, values={"is_active": False, "external_id": None}, actor=actor)
    user.removed_at = utcnow()
    group_rules.leave_all_groups(db, user, actor=actor)
    return Response(status_code=204)


# ---- Groups


def group_row(db: Session, group_id: str) -> GroupRow:
    group = db.get(GroupRow, int(group_id)) if resources.is_row_id(group_id) else None
    if group is None:
        raise NotFoundException(detail=f"グループ「{group_id}」は見つかりません")
    return group


def members_of(db: Session, resource: Group) -> list[UserRow]:
    ids = [m.value for m in resource.members or [] if m.value]
    users = [user_row(db, str(i)) for i in dict.fromkeys(ids)]
    return users


def write_group(db: Session, group: GroupRow, resource: Group, actor: Actor) -> GroupRow:
    group_rules.update_group(
        db,
        group=group,
        display_name=resources.group_name_of(resource),
        external_id=resource.external_id or None,
        members=members_of(db, resource),
        actor=actor,
    )
    return group


def live_groups() -> Select:
    return select(GroupRow).order_by(GroupRow.id)


@router.post("/Groups", status_code=201)
async def create_group(request: Request, actor: ScimActor, db: DbSession) -> Response:
    resource = await body_of(request, Group, Context.RESOURCE_CREATION_REQUEST)
    try:
        group = group_rules.create_group(
            db,
            display_name=resources.group_name_of(resource),
            external_id=resource.external_id,
            members=members_of(db, resource),
            actor=actor,
        )
    except Conflict as exc:
        raise UniquenessException(detail="この displayName のグループは既にあります") from exc
    return answer(resources.group_resource(group), 201, Context.RESOURCE_CREATION_RESPONSE)


@router.delete("/Groups/{group_id:scim_id}", status_code=204)
def delete_group(group_id: str, actor: ScimActor, db: DbSession) -> Response:
    group_rules.delete_group(db, group=group_row(db, group_id), actor=actor)
    return Response(status_code=204)


# ---- Lists and searches (RFC 7644 §3.4.2, §3.4.3)

USERS = Kind(User, "Users", live_users, resources.USER_COLUMNS, resources.user_resource, user_row, write_user)
GROUPS = Kind(Group, "Groups", live_groups, resources.GROUP_COLUMNS, resources.group_resource, group_row, write_group)
KINDS = (USERS, GROUPS)


def resource_routes(kind: Kind) -> None:
    """GET /<kind> with the query in its parameters, POST /<kind>/.search with it in the body; GET, PUT and PATCH
    /<kind>/<id>."""
    Query = Annotated[SearchRequest, Depends(list_query_of(kind.model))]  # noqa: N806 (a type)
    search: Any = SearchRequest  # scim2-models' generics, of the kind's model (known at run time)
    patch_op: Any = PatchOp
    Shown = Annotated[ResponseParameters, Depends(shown_of(kind.model))]  # noqa: N806
    name, one = kind.endpoint.lower(), kind.endpoint.lower().removesuffix("s")
    at = f"/{kind.endpoint}/{{{one}_id:scim_id}}"
    ResourceId = Annotated[str, Path(alias=f"{one}_id")]  # noqa: N806 (a type): user_id, group_id

    @router.get(f"/{kind.endpoint}", name=f"list_{name}")
    def list_resources(_: ScimActor, db: DbSession, query: Query) -> Response:
        return listing(db, [kind], query)

    @router.post(f"/{kind.endpoint}/.search", name=f"search_{name}")
    async def search_resources(request: Request, _: ScimActor, db: DbSession) -> Response:
        return listing(db, [kind], await body_of(request, search[kind.model], Context.SEARCH_REQUEST))

    @router.get(at, name=f"get_{one}")
    def get_resource(resource_id: ResourceId, _: ScimActor, db: DbSession, shown: Shown) -> Response:
        return answer(kind.to_resource(kind.row(db, resource_id)), shown=shown)

    @router.put(at, name=f"replace_{one}")
    async def replace_resource(resource_id: ResourceId, request: Request, actor: ScimActor, db: DbSession) -> Response:
        row = kind.row(db, resource_id)
        resource = await body_of(request, kind.model, Context.RESOURCE_REPLACEMENT_REQUEST)
        kind.write(db, row, resource, actor)
        return answer(kind.to_resource(row), 200, Context.RESOURCE_REPLACEMENT_RESPONSE)

    @router.patch(at, name=f"patch_{one}")
    async def patch_resource(resource_id: ResourceId, request: Request, actor: ScimActor, db: DbSession) -> Response:
        """Entra ID's and Okta's add/replace/remove (a person's `active` among them), applied by scim2-models to the
        resource as it is, then written back as a replacement."""
        row = kind.row(db, resource_id)
        patch = await body_of(request, patch_op[kind.model], Context.RESOURCE_PATCH_REQUEST)
        resource = kind.to_resource(row)
        if patch.patch(resource):
            kind.write(db, row, resource, actor)
        return answer(kind.to_resource(row), 200, Context.RESOURCE_PATCH_RESPONSE)


for listed in KINDS:
    resource_routes(listed)


@router.post("/.search")
async def search_everything(request: Request, _: ScimActor, db: DbSession) -> Response:
    """RFC 7644 §3.4.3 at the root: people, then groups, the filter applied to each (a type without the attribute it
    names finds none), startIndex and count over them all."""
    return listing(db, KINDS, await body_of(request, SearchRequest, Context.SEARCH_REQUEST))


# ---- What the service is (RFC 7644 §4)

RESOURCE_TYPES = {kind.model.__name__: ResourceType.from_resource(kind.model) for kind in KINDS}
# What we keep of each: the Schemas endpoint publishes these attributes alone (RFC 7643 §7), so a client knows that
# nickName, phoneNumbers, addresses and the like are not stored
KEPT = {
    "User": {
        "userName": None,
        "displayName": None,
        "active": None,
        "emails": {"value", "type", "primary"},
        "groups": None,
    },
    "Group": {"displayName": None, "members": {"value", "$ref", "type"}},
}


def published(model: type[User] | type[Group]) -> Schema:
    schema = model.to_schema()
    kept = KEPT[str(schema.name)]
    schema.attributes = [a for a in schema.attributes or [] if a.name in kept]
    for attribute in schema.attributes:
        subs = kept[str(attribute.name)]
        if subs is not None:
            attribute.sub_attributes = [s for s in attribute.sub_attributes or [] if s.name in subs]
    return schema


SCHEMAS = {str(schema.id): schema for schema in (published(User), published(Group))}


def described(resource: R, kind: str, resource_id: str) -> R:
    resource.meta = Meta(resource_type=kind, location=resources.location(f"{kind}s", resource_id))
    return resource


def config() -> ServiceProviderConfig:
    return ServiceProviderConfig(
        documentation_uri=None,
        patch=Patch(supported=True),
        bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
        filter=Filter(supported=True, max_results=PAGE_LIMIT),
        change_password=ChangePassword(supported=False),
        sort=Sort(supported=False),
        etag=ETag(supported=False),
        authentication_schemes=[
            AuthenticationScheme(
                type="oauthbearertoken",
                name="SCIMトークン",
                description=(
                    "利用者管理 › SCIMトークン、または「python -m service.cli scim token --name NAME」で作るトークン"
                ),
                primary=True,
            )
        ],
        meta=Meta(resource_type="ServiceProviderConfig", location=resources.location("ServiceProviderConfig")),
    )


@router.get("/ServiceProviderConfig")
def service_provider_config(_: ScimActor) -> Response:
    return answer(config())


@router.get("/ResourceTypes")
def resource_types(_: ScimActor) -> Response:
    found = [described(t.model_copy(), "ResourceType", name) for name, t in RESOURCE_TYPES.items()]
    return _list_answer(found, len(found), 1, ResourceType)


@router.get("/ResourceTypes/{name}")
def resource_type(name: str, _: ScimActor) -> Response:
    if name not in RESOURCE_TYPES:
        raise NotFoundException(detail=f"リソースの種類「{name}」はありません")
    return answer(described(RESOURCE_TYPES[name].model_copy(), "ResourceType", name))


@router.get("/Schemas")
def schemas(_: ScimActor) -> Response:
    found = [described(s.model_copy(), "Schema", urn) for urn, s in SCHEMAS.items()]
    return _list_answer(found, len(found), 1, Schema)


@router.get("/Schemas/{urn}")
def schema(urn: str, _: ScimActor) -> Response:
    if urn not in SCHEMAS:
        raise NotFoundException(detail=f"スキーマ「{urn}」はありません")
    return answer(described(SCHEMAS[urn].model_copy(), "Schema", urn))


def nothing_here(request: Request) -> Response:
    """Any other path under /api/scim/v2 is SCIM's 404, not the common one (service/errors.py answers it)."""
    anything = request.scope["path"].partition(router.prefix)[2].lstrip("/")
    return scim_error(404, f"「{anything}」はありません")
