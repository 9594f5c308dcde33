"""Who may call, and the objects a path names within the caller's nursery (another nursery's id is a 404)."""

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Annotated, Literal, TypeVar

from fastapi import Depends, Path, Query
from fastapi.security import HTTPAuthorizationCredentials
from sqlalchemy.orm import InstrumentedAttribute, Session

from service.credentials import bearer
from service.database import Base
from service.deps import DbSession
from service.entry_logs import labels, station
from service.entry_logs.filters import LogFilter
from service.entry_logs.kinds import EntryType
from service.entry_logs.lookups import day_bounds, local_zone
from service.entry_logs.models import Child, Nursery, Parent
from service.entry_logs.station import StationClaims
from service.errors import NotFound, ValidationFailed
from service.identity.dependencies import Caller, require
from service.openapi import declares
from service.schemas import SingleLine
from service.tenancy import TenantScope, get_scoped, register_tenant_name

DOMAIN = "entry_logs"
StaffCaller = Annotated[Caller, Depends(require(DOMAIN))]
DomainAdmin = Annotated[Caller, Depends(require(DOMAIN, "admin"))]


def staff_scope(caller: StaffCaller) -> TenantScope:
    return caller.scope(DOMAIN)


StaffScope = Annotated[TenantScope, Depends(staff_scope)]
register_tenant_name(DOMAIN, Nursery.id, Nursery.name)
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def authorization(credentials: HTTPAuthorizationCredentials | None) -> str:
    return f"Bearer {credentials.credentials}" if credentials else ""


async def station_token(credentials: Credentials) -> StationClaims:
    return station.station_claims(authorization(credentials))


StationToken = Annotated[StationClaims, Depends(station_token)]


M = TypeVar("M", bound=Base)


def _in_scope(
    db: Session,
    model: type[M],
    object_id: int,
    scope: TenantScope,
    column: InstrumentedAttribute,
    message: str,
    code: str,
) -> M:
    try:
        return get_scoped(db, model, object_id, scope, column)
    except NotFound as exc:
        raise NotFound(message, code=code, details=exc.details) from exc


def nursery_by_id(db: Session, *, scope: TenantScope, nursery_id: int) -> Nursery:
    return _in_scope(db, Nursery, nursery_id, scope, Nursery.id, labels.NURSERY_NOT_FOUND, "nursery_not_found")


def nursery_in_scope(db: Session, *, scope: TenantScope, nursery_id: int | None) -> Nursery:
    """A scoped caller's own when none is named."""
    if nursery_id is None:
        if scope.value is None:
            raise ValidationFailed(labels.NURSERY_REQUIRED, details={"field": "nurseryId", "rule": "required"})
        nursery_id = int(scope.value)
    return nursery_by_id(db, scope=scope, nursery_id=nursery_id)


def parent_in_scope(db: Session, *, scope: TenantScope, parent_id: int) -> Parent:
    return _in_scope(db, Parent, parent_id, scope, Parent.nursery_id, labels.PARENT_NOT_FOUND, "parent_not_found")


def child_in_scope(db: Session, *, scope: TenantScope, child_id: int) -> Child:
    return _in_scope(db, Child, child_id, scope, Child.nursery_id, labels.CHILD_NOT_FOUND, "child_not_found")


@declares(404)
def nursery_param(
    db: DbSession, scope: StaffScope, nursery_id: Annotated[int | None, Query(alias="nurseryId", ge=1)] = None
) -> Nursery:
    """Defaults to a scoped caller's own nursery."""
    return nursery_in_scope(db, scope=scope, nursery_id=nursery_id)


def valid_nursery(db: DbSession, scope: StaffScope, nursery_id: Annotated[int, Path(ge=1)]) -> Nursery:
    return nursery_by_id(db, scope=scope, nursery_id=nursery_id)


def valid_parent(db: DbSession, scope: StaffScope, parent_id: Annotated[int, Path(ge=1)]) -> Parent:
    return parent_in_scope(db, scope=scope, parent_id=parent_id)


def valid_child(db: DbSession, scope: StaffScope, child_id: Annotated[int, Path(ge=1)]) -> Child:
    return child_in_scope(db, scope=scope, child_id=child_id)


QueryNursery = Annotated[Nursery, Depends(nursery_param)]
PathNursery = Annotated[Nursery, Depends(valid_nursery)]
PathParent = Annotated[Parent, Depends(valid_parent)]
PathChild = Annotated[Child, Depends(valid_child)]


def nursery_parent(db: DbSession, nursery: PathNursery, parent_id: Annotated[int, Path(ge=1)]) -> Parent:
    """For callers who may see both nurseries too."""
    scope = TenantScope(DOMAIN, "nursery", str(nursery.id))
    return parent_in_scope(db, scope=scope, parent_id=parent_id)


NurseryParent = Annotated[Parent, Depends(nursery_parent)]


def child_nursery_parent(db: DbSession, child: PathChild, parent_id: Annotated[int, Path(ge=1)]) -> Parent:
    """For callers who may see both nurseries too."""
    scope = TenantScope(DOMAIN, "nursery", str(child.nursery_id))
    return parent_in_scope(db, scope=scope, parent_id=parent_id)


ChildNurseryParent = Annotated[Parent, Depends(child_nursery_parent)]


def parse_bound(value: str | None, *, field: str, end: bool) -> datetime | None:
    """A date is a whole local day (`to` includes it); a datetime without a zone is local time."""
    if not value:
        return None
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return day_bounds(day)[1] if end else datetime.combine(day, time.min, tzinfo=local_zone())
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValidationFailed(
            f"{field} は YYYY-MM-DD または日時（ISO 8601）で指定してください",
            details={"field": field, "rule": "date_or_datetime"},
        ) from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=local_zone())


SORT_DESCRIPTION = "-timestamp: newest first (the default); timestamp: oldest first"


def oldest_first(
    sort: Annotated[Literal["-timestamp", "timestamp"], Query(description=SORT_DESCRIPTION)] = "-timestamp",
) -> bool:
    return sort == "timestamp"


OldestFirst = Annotated[bool, Depends(oldest_first)]


@dataclass(frozen=True)
class ListQuery:
    flt: LogFilter
    page: int
    page_size: int
    oldest_first: bool = False


@declares(404)  # a nurseryId outside the caller's scope
def log_filter(
    scope: StaffScope,
    db: DbSession,
    start: Annotated[str | None, Query(alias="from", max_length=40), SingleLine] = None,
    end: Annotated[str | None, Query(alias="to", max_length=40), SingleLine] = None,
    parent_name: Annotated[str | None, Query(alias="parentName", max_length=100), SingleLine] = None,
    entry_type: Annotated[EntryType | None, Query(alias="entryType")] = None,
    child_name: Annotated[str | None, Query(alias="childName", max_length=100), SingleLine] = None,
    only_nursery: Annotated[int | None, Query(alias="nurseryId", ge=1)] = None,
) -> LogFilter:
    if only_nursery is not None:
        nursery_by_id(db, scope=scope, nursery_id=only_nursery)
    return LogFilter(
        start=parse_bound(start, field="from", end=False),
        end=parse_bound(end, field="to", end=True),
        parent_name=parent_name or None,
        entry_type=entry_type,
        child_name=child_name or None,
        nursery_id=only_nursery,
    )


Filters = Annotated[LogFilter, Depends(log_filter)]


def list_query(
    flt: Filters,
    order: OldestFirst,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_size: Annotated[int, Query(alias="pageSize", ge=1, le=100)] = 50,
) -> ListQuery:
    return ListQuery(flt=flt, page=page, page_size=page_size, oldest_first=order)
