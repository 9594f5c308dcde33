"""The one mechanism that limits every tenant-data query to the caller's tenant: `scoped()` for statements,
`get_scoped()` for details, so another tenant's id is indistinguishable from an unknown one (404)."""

import importlib
import inspect
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, bindparam, false, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from service.database import Base
from service.deps import DbSession
from service.errors import NotFound
from service.openapi import declares

M = TypeVar("M", bound=Base)


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


_tenant_names: dict[str, tuple[InstrumentedAttribute, InstrumentedAttribute | None]] = {}


def register_tenant_name(
    domain: str, id_column: InstrumentedAttribute, name_column: InstrumentedAttribute | None
) -> None:
    """None: the scope is the name. Each scoped domain registers in its `service.<domain>.dependencies`."""
    _tenant_names[domain] = (id_column, name_column)


def _tenant_columns(domain: str) -> tuple[InstrumentedAttribute, InstrumentedAttribute | None] | None:
    """Loads the dependencies module first when nothing imported it yet (the CLI)."""
    if domain not in _tenant_names:
        with suppress(ModuleNotFoundError):
            importlib.import_module(f"service.{domain}.dependencies")
    return _tenant_names.get(domain)


def tenant_exists(db: Session, domain: str, scope: str) -> bool:
    columns = _tenant_columns(domain)
    if columns is None:
        return False
    try:
        value = _coerced(columns[0], scope)
    except (TypeError, ValueError):
        return False
    return db.scalar(select(columns[0]).where(columns[0] == value).limit(1)) is not None


def scope_names(db: Session, grants: Iterable[tuple[str, str | None]]) -> dict[tuple[str, str], str]:
    """One query per domain; a scope that is a name already has none."""
    wanted: dict[str, set[str]] = {}
    for domain, scope in grants:
        if scope is not None:
            wanted.setdefault(domain, set()).add(scope)
    names: dict[tuple[str, str], str] = {}
    for domain, scopes in wanted.items():
        columns = _tenant_columns(domain)
        if columns is None:
            continue
        id_column, name_column = columns
        if name_column is None:
            continue
        values = {_coerced(id_column, s): s for s in scopes if _coercible(id_column, s)}
        for tenant_id, name in db.execute(select(id_column, name_column).where(id_column.in_(values))).tuples():
            names[(domain, values[tenant_id])] = name
    return names


def tenants(db: Session, domain: str) -> list[tuple[str, str]]:
    """What a grant's scope is picked from."""
    columns = _tenant_columns(domain)
    if columns is None:
        return []
    id_column, name_column = columns
    name = id_column if name_column is None else name_column
    rows = db.execute(select(id_column, name).distinct().order_by(name, id_column)).tuples()
    return [(str(scope), shown) for scope, shown in rows]


def _coercible(column: InstrumentedAttribute, value: str) -> bool:
    try:
        _coerced(column, value)
    except (TypeError, ValueError):
        return False
    return True


def _coerced(column: ColumnElement[Any] | InstrumentedAttribute[Any], value: str) -> Any:
    python_type = _python_type(column)
    return value if python_type is None else python_type(value)


@cache
def _python_type(column: ColumnElement[Any] | InstrumentedAttribute[Any]) -> type | None:
    """Looked up once: an attribute's `type` goes through SQLAlchemy's proxy fallbacks, which raise and format several
    AttributeErrors per access (a scan paid six)."""
    try:
        return column.type.python_type
    except NotImplementedError:
        return None


def scoped(stmt: Select, scope: TenantScope, column: InstrumentedAttribute) -> Select:
    if scope.value is None:
        return stmt
    try:
        return stmt.where(column == _coerced(column, scope.value))
    except (TypeError, ValueError):
        return stmt.where(false())


TENANT_PARAMETER = "tenant"


def scoped_by_parameter(stmt: Select, column: InstrumentedAttribute) -> Select:
    """For hot paths whose callers always hold a tenant (a station token names its nursery): the statement, its
    compilation and its cache key are made once instead of per request."""
    return stmt.where(column == bindparam(TENANT_PARAMETER))


def tenant_parameter(scope: TenantScope, column: InstrumentedAttribute) -> dict[str, Any]:
    if scope.value is None:
        raise ValueError("a statement scoped by parameter needs a restricted scope")
    return {TENANT_PARAMETER: _coerced(column, scope.value)}


def get_scoped(db: Session, model: type[M], object_id: Any, scope: TenantScope, column: InstrumentedAttribute) -> M:
    pk = model.__mapper__.primary_key[0]
    try:
        object_id = _coerced(pk, str(object_id))
    except (TypeError, ValueError) as exc:
        raise _not_found(model, object_id) from exc
    row = db.scalar(scoped(select(model).where(pk == object_id), scope, column))
    if row is None:
        raise _not_found(model, object_id)
    return row


def get_all_scoped(
    db: Session, model: type[M], object_ids: Iterable[int], scope: TenantScope, column: InstrumentedAttribute
) -> list[M]:
    """In id order and locked for update (two bulk changes never wait on each other crosswise); one id of another tenant
    refuses the whole request, as that record's own route would."""
    pk = model.__mapper__.primary_key[0]
    wanted = sorted(set(object_ids))
    stmt = scoped(select(model).where(pk.in_(wanted)), scope, column).order_by(pk).with_for_update()
    rows = list(db.scalars(stmt))
    found = {getattr(row, pk.name) for row in rows}
    missing = [i for i in wanted if i not in found]
    if missing:
        raise _not_found(model, missing[0])
    return rows


def scoped_lookup(
    model: type[M], tenant_column: InstrumentedAttribute, scope_dependency: Any, *, path_param: str, id_type: type = int
) -> Callable[..., M]:
    """Its signature is `(<path_param>: id_type, scope: scope_dependency, db: DbSession)`, so FastAPI reads the path
    parameter as for a hand-written lookup."""

    @declares(404)
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
    lookup.__name__ = lookup.__qualname__ = f"valid_{model.__tablename__}"
    return lookup


def scoped_filter(
    model: type[M], tenant_column: InstrumentedAttribute, scope_dependency: Any, *, query_param: str, annotation: Any
) -> Callable[..., Any]:
    """An optional ?<query_param>= filter of a list (and its export) naming a `model` row in the caller's scope, else
    404."""

    @declares(404)
    def check(**arguments: Any) -> Any:
        value = arguments[query_param]
        if value is not None:
            get_scoped(arguments["db"], model, value, arguments["scope"], tenant_column)
        return value

    keyword = inspect.Parameter.KEYWORD_ONLY
    check.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter(query_param, keyword, annotation=annotation, default=None),
            inspect.Parameter("scope", keyword, annotation=scope_dependency),
            inspect.Parameter("db", keyword, annotation=DbSession),
        ],
    )
    check.__name__ = check.__qualname__ = f"{model.__tablename__}_filter"
    return check


def _not_found(model: type[Base], object_id: Any) -> NotFound:
    return NotFound("指定されたデータは見つかりません", details={"resource": model.__tablename__, "id": str(object_id)})
