"""The one mechanism that limits every tenant-data query to the caller's tenant.

A grant may name a tenant (customer, jurisdiction, agency, nursery). Every list, detail, export and
aggregate query passes its statement through `scoped()`; detail lookups use `get_scoped()`, so
another tenant's id is indistinguishable from an unknown one: 404.
"""

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, bindparam, false, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from service.deps import DbSession
from service.errors import NotFound

M = TypeVar("M")


@dataclass(frozen=True)
class TenantScope:
    domain: str
    kind: str | None
    value: str | None

    @property
    def unrestricted(self) -> bool:
        return self.value is None

    def allows(self, tenant_value: Any) -> bool:
        return self.value is None or str(tenant_value) == self.value


_tenant_names: dict[str, tuple[InstrumentedAttribute, InstrumentedAttribute]] = {}


def register_tenant_name(domain: str, id_column: InstrumentedAttribute, name_column: InstrumentedAttribute) -> None:
    """How a domain whose scope holds a tenant's id names that tenant (shown with the grant, e.g. in /auth/me)."""
    _tenant_names[domain] = (id_column, name_column)


def scope_name(db: Session, domain: str, scope: str | None) -> str | None:
    """The name of the tenant a grant's scope holds; None when unscoped, unknown, or the scope is a name already."""
    if scope is None or domain not in _tenant_names:
        return None
    id_column, name_column = _tenant_names[domain]
    try:
        return db.scalar(select(name_column).where(id_column == _coerced(id_column, scope)))
    except (TypeError, ValueError):
        return None


def _coerced(column: InstrumentedAttribute, value: str) -> Any:
    try:
        python_type = column.type.python_type
    except NotImplementedError:
        return value
    return python_type(value)


def scoped(stmt: Select, scope: TenantScope, column: InstrumentedAttribute) -> Select:
    """Limit a statement to the scope's tenant; an unrestricted scope leaves it as it is."""
    if scope.unrestricted:
        return stmt
    try:
        return stmt.where(column == _coerced(column, scope.value))
    except (TypeError, ValueError):
        return stmt.where(false())


TENANT_PARAMETER = "tenant"


def scoped_by_parameter(stmt: Select, column: InstrumentedAttribute) -> Select:
    """A statement built once and limited at each execution to the tenant passed as `tenant_parameter(scope)`.

    For hot paths whose callers always hold a tenant (a station token names its nursery): the statement, its
    compilation and its cache key are made once instead of per request.
    """
    return stmt.where(column == bindparam(TENANT_PARAMETER))


def tenant_parameter(scope: TenantScope, column: InstrumentedAttribute) -> dict[str, Any]:
    """The execution parameter for `scoped_by_parameter`: the scope's tenant (a restricted scope is required)."""
    if scope.unrestricted:
        raise ValueError("a statement scoped by parameter needs a restricted scope")
    return {TENANT_PARAMETER: _coerced(column, scope.value)}


def get_scoped(db: Session, model: type[M], object_id: Any, scope: TenantScope, column: InstrumentedAttribute) -> M:
    """Fetch one row by primary key within the scope, or raise NotFound."""
    pk = model.__mapper__.primary_key[0]  # type: ignore[attr-defined]
    try:
        object_id = _coerced(pk, str(object_id))
    except (TypeError, ValueError) as exc:
        raise _not_found(model, object_id) from exc
    row = db.scalar(scoped(select(model).where(pk == object_id), scope, column))
    if row is None:
        raise _not_found(model, object_id)
    return row


def scoped_lookup(
    model: type[M], tenant_column: InstrumentedAttribute, scope_dependency: Any, *, path_param: str, id_type: type = int
) -> Callable[..., M]:
    """A FastAPI dependency: the `model` row named by the path parameter `path_param`, in the caller's scope, else 404.

    Its signature is `(<path_param>: id_type, scope: scope_dependency, db: DbSession)`, so FastAPI reads the same
    path parameter (name, type) as a hand-written `def valid_x(x_id: int, scope: Scope, db: DbSession)`.
    """

    def lookup(**arguments: Any) -> M:
        return get_scoped(arguments["db"], model, arguments[path_param], arguments["scope"], tenant_column)

    keyword = inspect.Parameter.KEYWORD_ONLY
    lookup.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter(path_param, keyword, annotation=id_type),
            inspect.Parameter("scope", keyword, annotation=scope_dependency),
            inspect.Parameter("db", keyword, annotation=DbSession),
        ],
        return_annotation=model,
    )
    lookup.__name__ = lookup.__qualname__ = f"valid_{model.__tablename__}"  # type: ignore[attr-defined]
    return lookup


def _not_found(model: type, object_id: Any) -> NotFound:
    return NotFound("指定されたデータは見つかりません", details={"resource": model.__tablename__, "id": str(object_id)})
