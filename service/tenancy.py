"""The one mechanism that limits every tenant-data query to the caller's tenant.

A grant may name a tenant (customer, jurisdiction, agency, nursery). Every list, detail, export and
aggregate query passes its statement through `scoped()`; detail lookups use `get_scoped()`, so
another tenant's id is indistinguishable from an unknown one: 404.
"""

from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, false, select
from sqlalchemy.orm import InstrumentedAttribute, Session

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


def _not_found(model: type, object_id: Any) -> NotFound:
    return NotFound("指定されたデータは見つかりません", details={"resource": model.__tablename__, "id": str(object_id)})
