"""ユーザー管理: the CRM profile of users, kept in step with their crm grant. Passwords and the active flag are set here
only for users whose sole grant is crm, so a CRM admin cannot take over (or lock out) another domain's account."""

from collections.abc import Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from sqlalchemy import Row, Select, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from service import fields
from service.audit.service import Actor
from service.crm import auditing, locking
from service.crm.dependencies import DOMAIN, SALES
from service.crm.models import Agency, Profile
from service.crm.users.schemas import CrmUserCreate, CrmUserUpdate
from service.errors import Forbidden, NotFound, ValidationFailed, unknown_reference
from service.exports import ListExport, field, yes_no
from service.identity import service as identity
from service.identity.models import Grant, User
from service.identity.schemas import UserCreate, UserUpdate
from service.roles import role_label
from service.search import contains
from service.sheets import Column

PROFILE_FIELDS = fields.audited(Profile)


@dataclass(frozen=True)
class CrmUser:
    user: User
    grant: Grant | None
    profile: Profile | None
    agency: Agency | None


def editable_values(row: CrmUser) -> dict[str, Any]:
    """Wherever each is kept."""
    return {
        "name": row.user.name,
        "is_active": row.user.is_active,
        "role": row.grant.role if row.grant else None,
        "agency_id": row.agency.id if row.agency else None,
        "sales_staff_code": row.profile.sales_staff_code if row.profile else "",
        "l_code": row.profile.l_code if row.profile else "",
        "is_sales_manager": bool(row.profile and row.profile.is_sales_manager),
    }


def _grant(user: User) -> Grant | None:
    return next((g for g in user.grants if g.domain == DOMAIN), None)


def _row(db: Session, user: User, profile: Profile | None) -> CrmUser:
    grant = _grant(user)
    agency_id = (
        profile.agency_id if profile and profile.agency_id else (int(grant.scope) if grant and grant.scope else None)
    )
    return CrmUser(user, grant, profile, db.get(Agency, agency_id) if agency_id else None)


USER_ORDER = (User.login_id,)


def user_query(*, role: str | None, agency_id: int | None, q: str | None) -> Select:
    stmt = (
        select(User, Profile)
        .join(Grant, (Grant.user_id == User.id) & (Grant.domain == DOMAIN))
        .outerjoin(Profile, Profile.user_id == User.id)
    )
    if role:
        stmt = stmt.where(Grant.role == role)
    if agency_id is not None:
        stmt = stmt.where(or_(Profile.agency_id == agency_id, Grant.scope == str(agency_id)))
    if q:
        stmt = stmt.where(contains(q, User.login_id, User.name, Profile.sales_staff_code))
    return stmt


def crm_users(db: Session, rows: Sequence[Row]) -> list[CrmUser]:
    return [_row(db, user, profile) for user, profile, *_ in rows]


def count_users(db: Session, *, role: str | None, agency_id: int | None, q: str | None) -> int:
    stmt = user_query(role=role, agency_id=agency_id, q=q)
    return db.scalar(select(func.count()).select_from(stmt.subquery())) or 0


def list_users(
    db: Session, *, role: str | None, agency_id: int | None, q: str | None, offset: int, limit: int
) -> tuple[list[CrmUser], int]:
    stmt = user_query(role=role, agency_id=agency_id, q=q)
    total = count_users(db, role=role, agency_id=agency_id, q=q)
    return crm_users(db, db.execute(stmt.order_by(*USER_ORDER).offset(offset).limit(limit)).all()), total


def get_user(db: Session, user_id: int) -> CrmUser:
    """Anyone else is not the CRM's to show (404)."""
    user = db.get(User, user_id)
    profile = db.get(Profile, user_id)
    if user is None or (_grant(user) is None and profile is None):
        raise NotFound("CRMのユーザーが見つかりません", details={"resource": "crm_user", "id": user_id})
    return _row(db, user, profile)


def _check_manager(role: str | None, is_sales_manager: bool) -> None:
    if is_sales_manager and role != SALES:
        raise ValidationFailed(
            "営業マネージャーは営業担当者にのみ設定できます",
            details={"field": "is_sales_manager", "rule": "sales_only"},
        )


def _check_agency(db: Session, role: str | None, agency_id: int | None) -> None:
    if role == SALES and agency_id is None:
        raise ValidationFailed(
            "営業担当者には代理店の指定が必要です", details={"field": "agency_id", "rule": "required_for_sales"}
        )
    if agency_id is not None and db.get(Agency, agency_id) is None:
        raise unknown_reference("代理店が見つかりません", "agency_id")


def _set_grant(db: Session, user: User, role: str, agency_id: int | None, actor: Actor) -> None:
    scope = str(agency_id) if role == SALES else None
    identity.set_grant(db, user=user, domain=DOMAIN, role=role, scope=scope, actor=actor)


def create_user(db: Session, *, data: CrmUserCreate, actor: Actor) -> CrmUser:
    _check_agency(db, data.role, data.agency_id)
    _check_manager(data.role, data.is_sales_manager)
    user = identity.create_user(
        db,
        data=UserCreate(login_id=data.login_id, name=data.name, email=data.email, password=data.password),
        actor=actor,
    )
    _set_grant(db, user, data.role, data.agency_id, actor)
    profile = Profile(
        user_id=user.id,
        agency_id=data.agency_id,
        sales_staff_code=data.sales_staff_code,
        l_code=data.l_code,
        is_sales_manager=data.is_sales_manager,
    )
    db.add(profile)
    db.flush()
    auditing.record_change(db, actor, "create", "profile", user.id, {}, auditing.snapshot(profile, PROFILE_FIELDS))
    return _row(db, user, profile)


def ensure_profile(
    db: Session,
    *,
    user: User,
    agency_id: int | None,
    sales_staff_code: str,
    l_code: str,
    actor: Actor,
    is_sales_manager: bool = False,
) -> Profile:
    profile = db.get(Profile, user.id)
    if profile is None:
        profile = Profile(
            user_id=user.id,
            agency_id=agency_id,
            sales_staff_code=sales_staff_code,
            l_code=l_code,
            is_sales_manager=is_sales_manager,
        )
        db.add(profile)
        db.flush()
        auditing.record_change(db, actor, "create", "profile", user.id, {}, auditing.snapshot(profile, PROFILE_FIELDS))
    return profile


def _locked_for_edit(db: Session, crm_user: CrmUser, data: CrmUserUpdate, actor: Actor) -> tuple[Profile, bool]:
    """Merged three ways with its base; also whether the edit takes the agency away."""
    profile = crm_user.profile or ensure_profile(
        db, user=crm_user.user, agency_id=None, sales_staff_code="", l_code="", actor=actor
    )
    profile = locking.lock(db, profile)
    changes = data.model_dump(exclude_unset=True, exclude={"version", "base", "clear_agency"})
    if data.clear_agency:
        changes["agency_id"] = None
    locking.check_edit(profile, data, changes, lambda: editable_values(_row(db, crm_user.user, profile)))
    profile.version += 1
    return profile, "agency_id" in changes and changes["agency_id"] is None


def update_user(db: Session, *, crm_user: CrmUser, data: CrmUserUpdate, actor: Actor) -> CrmUser:
    user, grant = crm_user.user, crm_user.grant
    profile, clears_agency = _locked_for_edit(db, crm_user, data, actor)
    role = data.role or (grant.role if grant else None)
    current_agency = crm_user.agency.id if crm_user.agency else None
    agency_id = None if clears_agency else (data.agency_id or current_agency)
    is_sales_manager = profile.is_sales_manager if data.is_sales_manager is None else data.is_sales_manager
    _check_agency(db, role, agency_id)
    _check_manager(role, bool(data.is_sales_manager))
    if (data.password or data.is_active is not None) and any(g.domain != DOMAIN for g in user.grants):
        raise Forbidden(
            "他の業務の権限を持つユーザーのパスワード・有効/無効はここでは変更できません", code="foreign_account"
        )
    identity.update_user(
        db, user=user, data=UserUpdate(name=data.name, is_active=data.is_active, password=data.password), actor=actor
    )
    if role and (grant is None or grant.role != role or grant.scope != (str(agency_id) if role == SALES else None)):
        _set_grant(db, user, role, agency_id, actor)
    before = auditing.snapshot(profile, PROFILE_FIELDS)
    profile.agency_id = agency_id
    profile.is_sales_manager = is_sales_manager and role == SALES  # a role change away from sales drops it
    for name in ("sales_staff_code", "l_code"):
        if getattr(data, name) is not None:
            setattr(profile, name, getattr(data, name))
    db.flush()
    auditing.record_change(db, actor, "update", "profile", user.id, before, auditing.snapshot(profile, PROFILE_FIELDS))
    return _row(db, user, profile)


def remove_user(db: Session, *, crm_user: CrmUser, actor: Actor) -> None:
    """The platform account stays."""
    if crm_user.grant is not None:
        identity.remove_grant(db, user=crm_user.user, domain=DOMAIN, actor=actor)
    if crm_user.profile is not None:
        before = auditing.snapshot(crm_user.profile, PROFILE_FIELDS)
        db.delete(crm_user.profile)
        db.flush()
        auditing.record_change(db, actor, "delete", "profile", crm_user.user.id, before, {})


def user_names(db: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(db.execute(select(User.id, User.name).where(User.id.in_(ids))).tuples().all())


def profile_code(attribute: InstrumentedAttribute) -> Column:
    """ "" for a user without a profile."""
    name = attribute.key
    return Column(fields.facts(attribute).label, lambda row: getattr(row.profile, name) if row.profile else "")


USER_COLUMNS = (
    field("ID", "user.id"),
    field("ログインID", "user.login_id"),
    field("氏名", "user.name"),
    Column("役割", lambda row: role_label(DOMAIN, row.grant.role) if row.grant else ""),
    Column(fields.facts(Profile.agency_id).label, lambda row: row.agency.name if row.agency else ""),
    profile_code(Profile.sales_staff_code),
    profile_code(Profile.l_code),
    yes_no(
        fields.facts(Profile.is_sales_manager).label,
        Profile.is_sales_manager,
        lambda row: row.profile.is_sales_manager if row.profile else None,
    ),
    yes_no("状態", User.is_active, attrgetter("user.is_active")),
    field("最終ログイン", "user.last_login_at"),
)


def user_export(*, role: str | None, agency_id: int | None, q: str | None) -> ListExport:
    return ListExport(user_query(role=role, agency_id=agency_id, q=q), USER_ORDER, USER_COLUMNS, crm_users)
