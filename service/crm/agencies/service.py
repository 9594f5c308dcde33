"""代理店管理 (§3.5): register, edit and deactivate agencies; the agency list with its sales staff count."""

from collections.abc import Sequence

from sqlalchemy import Row, Select, func, select
from sqlalchemy.orm import Session

from service.audit.service import Actor
from service.crm import auditing, locking
from service.crm.agencies.schemas import AgencyFields, AgencyRead
from service.crm.models import Agency
from service.errors import Conflict
from service.exports import ListExport, declared, entities, field, yes_no
from service.identity.models import Grant
from service.search import contains
from service.tenancy import TenantScope, scoped

AGENCY_FIELDS = tuple(AgencyFields.model_fields)


def _ensure_unique_code(db: Session, code: str, exclude_id: int | None = None) -> None:
    stmt = select(Agency.id).where(func.lower(Agency.code) == code.lower())
    if exclude_id is not None:
        stmt = stmt.where(Agency.id != exclude_id)
    if db.scalar(stmt) is not None:
        raise Conflict("この代理店コードは既に使われています", details={"field": "code", "rule": "unique"})


def sales_counts(db: Session, agency_ids: list[int]) -> dict[int, int]:
    """How many sales grants name each agency."""
    if not agency_ids:
        return {}
    rows = db.execute(
        select(Grant.scope, func.count())
        .where(Grant.domain == "crm", Grant.role == "sales", Grant.scope.in_([str(i) for i in agency_ids]))
        .group_by(Grant.scope)
    ).tuples()
    return {int(scope): count for scope, count in rows if scope is not None}  # IN matched no NULL: narrows the type


AGENCY_ORDER = (Agency.code,)


def agency_query(*, scope: TenantScope, q: str | None, active: bool | None) -> Select:
    """The agencies of the list (name or code containing q, active or not), listed by code (`AGENCY_ORDER`)."""
    stmt = scoped(select(Agency), scope, Agency.id)
    if q:
        stmt = stmt.where(contains(q, Agency.name, Agency.code))
    if active is not None:
        stmt = stmt.where(Agency.is_active.is_(active))
    return stmt


def count_agencies(db: Session, *, scope: TenantScope, q: str | None, active: bool | None) -> int:
    """The list's total: the agencies its filters select."""
    return db.scalar(select(func.count()).select_from(agency_query(scope=scope, q=q, active=active).subquery())) or 0


def list_agencies(
    db: Session, *, scope: TenantScope, q: str | None, active: bool | None, offset: int, limit: int
) -> tuple[list[Agency], int]:
    stmt = agency_query(scope=scope, q=q, active=active)
    total = count_agencies(db, scope=scope, q=q, active=active)
    return list(db.scalars(stmt.order_by(*AGENCY_ORDER).offset(offset).limit(limit))), total


def create_agency(db: Session, *, data: AgencyFields, actor: Actor) -> Agency:
    _ensure_unique_code(db, data.code)
    agency = Agency(**data.model_dump())
    db.add(agency)
    db.flush()
    auditing.record_change(db, actor, "create", "agency", agency.id, {}, auditing.snapshot(agency, AGENCY_FIELDS))
    return agency


def update_agency(db: Session, *, agency: Agency, data, actor: Actor) -> Agency:
    """Apply the fields sent (None leaves a field as it is) under the version the editor read."""
    agency, sent = locking.lock_edit(db, agency, data)
    fields = {k: v for k, v in sent.items() if v is not None}
    if "code" in fields:
        _ensure_unique_code(db, fields["code"], exclude_id=agency.id)
    before = auditing.snapshot(agency, AGENCY_FIELDS)
    for name, value in fields.items():
        setattr(agency, name, value)
    db.flush()
    auditing.record_change(db, actor, "update", "agency", agency.id, before, auditing.snapshot(agency, AGENCY_FIELDS))
    return agency


def agency_names(db: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(db.execute(select(Agency.id, Agency.name).where(Agency.id.in_(ids))).tuples().all())


AGENCY_COLUMNS = (
    field("ID", "id"),
    declared(Agency.name),
    declared(Agency.code),
    declared(Agency.contact_name),
    field("所属営業担当数", "sales_count"),
    yes_no("ステータス", Agency.is_active),
    declared(Agency.referral_shop_code),
    declared(Agency.referral_shop_name),
    declared(Agency.phone),
    declared(Agency.mail_address),
)


def _agencies(db: Session, rows: Sequence[Row]) -> list[AgencyRead]:
    """One count query per batch."""
    found = entities(db, rows)
    counts = sales_counts(db, [agency.id for agency in found])
    return [
        AgencyRead.model_validate(agency).model_copy(update={"sales_count": counts.get(agency.id, 0)})
        for agency in found
    ]


def agency_export(*, scope: TenantScope, q: str | None, active: bool | None) -> ListExport:
    return ListExport(agency_query(scope=scope, q=q, active=active), AGENCY_ORDER, AGENCY_COLUMNS, _agencies)
