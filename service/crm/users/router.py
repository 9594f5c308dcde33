"""The caller's own CRM profile (`/me`) and ユーザー管理: logins with a crm role and their CRM profile (admin), and the
営業担当者 choices of the back office's filters."""

from fastapi.responses import Response

from service import exports
from service.crm import read_marks
from service.crm.agencies import service as agencies
from service.crm.dependencies import DOMAIN, Admin, AgencyFilter, AnyRole, BackOffice, crm_role
from service.crm.models import Profile
from service.crm.routing import feature_router
from service.crm.users import service as users
from service.crm.users.schemas import CrmUserCreate, CrmUserRead, CrmUserUpdate, MeRead, Role
from service.deps import DbSession
from service.identity.dependencies import renew_own_session
from service.pagination import Page, Paging, page_of
from service.roles import role_label
from service.schemas import QueryText

router = feature_router()
HOME = {"sales": "マイ依頼一覧", "operator": "投入案件一覧", "admin": "ダッシュボード"}


@router.get("/me", response_model=MeRead)
def me(caller: AnyRole, db: DbSession) -> MeRead:
    """The caller's CRM role, agency and codes, the unread badge, and the page to open first."""
    role = crm_role(caller)
    profile = db.get(Profile, caller.user_id)
    scope_value = caller.scope(DOMAIN).value
    agency_id = profile.agency_id if profile and profile.agency_id else (int(scope_value) if scope_value else None)
    return MeRead(
        user_id=caller.user_id,
        login_id=caller.login_id,
        name=caller.name,
        role=role,
        role_label=role_label(DOMAIN, role),
        agency_id=agency_id,
        agency_name=agencies.agency_names(db, {agency_id}).get(agency_id, "") if agency_id else "",
        sales_staff_code=profile.sales_staff_code if profile else "",
        l_code=profile.l_code if profile else "",
        is_sales_manager=bool(profile and profile.is_sales_manager),
        unread_notifications=read_marks.unread_count(db, caller.user_id),
        home=HOME[role],
    )


def _user(row: users.CrmUser) -> CrmUserRead:
    values = users.editable_values(row)
    return CrmUserRead(
        **values,
        user_id=row.user.id,
        login_id=row.user.login_id,
        role_label=role_label(DOMAIN, values["role"]) if values["role"] else "",
        agency_name=row.agency.name if row.agency else "",
        version=row.profile.version if row.profile else 1,
        last_login_at=row.user.last_login_at,
    )


@router.get("/sales-staff", response_model=Page[CrmUserRead])
def list_sales_staff(
    _: BackOffice, db: DbSession, paging: Paging, agency_id: AgencyFilter, q: QueryText = None
) -> Page:
    """The 営業担当者 choices of the 投入案件一覧 filter."""
    rows, total = users.list_users(
        db, role="sales", agency_id=agency_id, q=q, offset=paging.offset, limit=paging.page_size
    )
    return page_of([_user(r) for r in rows], total, paging)


@router.get("/users", response_model=Page[CrmUserRead])
def list_users(
    _: Admin,
    db: DbSession,
    paging: Paging,
    agency_id: AgencyFilter,
    role: Role | None = None,
    q: QueryText = None,
) -> Page:
    rows, total = users.list_users(
        db, role=role, agency_id=agency_id, q=q, offset=paging.offset, limit=paging.page_size
    )
    return page_of([_user(r) for r in rows], total, paging)


@router.get("/users/export", **exports.DOWNLOAD)
def export_users(
    _: Admin,
    agency_id: AgencyFilter,
    role: Role | None = None,
    q: QueryText = None,
) -> exports.Download:
    """The users the list's filters select, by login id, as the CSV download."""
    return exports.download(users.user_export(role=role, agency_id=agency_id, q=q), "crm_users", "ユーザー一覧")


@router.post("/users", response_model=CrmUserRead, status_code=201)
def create_user(body: CrmUserCreate, caller: Admin, db: DbSession) -> CrmUserRead:
    """A login with a crm role; sales users are bound to their agency."""
    return _user(users.create_user(db, data=body, actor=caller.actor))


@router.get("/users/{user_id:int}", response_model=CrmUserRead)
def get_user(user_id: int, _: Admin, db: DbSession) -> CrmUserRead:
    return _user(users.get_user(db, user_id))


@router.patch("/users/{user_id:int}", response_model=CrmUserRead)
def update_user(user_id: int, body: CrmUserUpdate, caller: Admin, db: DbSession, response: Response) -> CrmUserRead:
    """A new password ends the user's sessions; admins changing their own get a fresh token in X-Renewed-Token."""
    crm_user = users.update_user(db, crm_user=users.get_user(db, user_id), data=body, actor=caller.actor)
    renew_own_session(response, caller, crm_user.user, password_changed=bool(body.password))
    return _user(crm_user)


@router.delete("/users/{user_id:int}", status_code=204)
def remove_user(user_id: int, caller: Admin, db: DbSession) -> None:
    """Take away the crm role and profile (the login itself stays)."""
    users.remove_user(db, crm_user=users.get_user(db, user_id), actor=caller.actor)
