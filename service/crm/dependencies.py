"""Who may do what in the CRM (spec §5), and path lookups that turn another agency's id into a 404."""

from typing import Annotated

from fastapi import Depends
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from service.crm.models import Agency, Corporation, Image, Notification, Profile, Request, Site
from service.deps import DbSession
from service.errors import NotFound
from service.identity.dependencies import Caller, CurrentCaller, require
from service.identity.models import Grant
from service.openapi import declares
from service.tenancy import TenantScope, get_scoped, register_tenant_name, scoped_lookup

DOMAIN = "crm"
SALES, OPERATOR, ADMIN = "sales", "operator", "admin"

AnyRole = Annotated[Caller, Depends(require(DOMAIN, SALES, OPERATOR, ADMIN))]
SalesSide = Annotated[Caller, Depends(require(DOMAIN, SALES, ADMIN))]
BackOffice = Annotated[Caller, Depends(require(DOMAIN, OPERATOR, ADMIN))]
Admin = Annotated[Caller, Depends(require(DOMAIN, ADMIN))]


def crm_role(caller: Caller) -> str:
    """A platform admin acts as a CRM admin."""
    return ADMIN if caller.is_platform_admin else caller.role(DOMAIN) or ""


def crm_scope(caller: CurrentCaller) -> TenantScope:
    return caller.scope(DOMAIN)


Scope = Annotated[TenantScope, Depends(crm_scope)]
register_tenant_name(DOMAIN, Agency.id, Agency.name)


valid_request = scoped_lookup(Request, Request.agency_id, Scope, path_param="request_id")
valid_corporation = scoped_lookup(Corporation, Corporation.agency_id, Scope, path_param="corporation_id")
valid_site = scoped_lookup(Site, Site.agency_id, Scope, path_param="site_id")
valid_image = scoped_lookup(Image, Image.agency_id, Scope, path_param="image_id")
valid_agency = scoped_lookup(Agency, Agency.id, Scope, path_param="agency_id")


def own_notification(notification_id: int, caller: AnyRole, db: DbSession) -> Notification:
    """Anyone else's id is a 404."""
    notification = db.get(Notification, notification_id)
    if notification is None or notification.user_id != caller.user_id:
        raise NotFound("通知が見つかりません", details={"resource": "crm_notification", "id": notification_id})
    return notification


@declares(404)
def agency_filter(scope: Scope, db: DbSession, agency_id: int | None = None) -> int | None:
    if agency_id is not None:
        get_scoped(db, Agency, agency_id, scope, Agency.id)
    return agency_id


ScopedRequest = Annotated[Request, Depends(valid_request)]
ScopedCorporation = Annotated[Corporation, Depends(valid_corporation)]
ScopedSite = Annotated[Site, Depends(valid_site)]
ScopedImage = Annotated[Image, Depends(valid_image)]
ScopedAgency = Annotated[Agency, Depends(valid_agency)]
OwnNotification = Annotated[Notification, Depends(own_notification)]
AgencyFilter = Annotated[int | None, Depends(agency_filter)]


def scoped_site_or_none(db: Session, scope: TenantScope, site_id: int | None) -> Site | None:
    return None if site_id is None else get_scoped(db, Site, site_id, scope, Site.agency_id)


@declares(404)
def scoped_corporation_id(scope: Scope, db: DbSession, corporation_id: int | None = None) -> int | None:
    if corporation_id is not None:
        get_scoped(db, Corporation, corporation_id, scope, Corporation.agency_id)
    return corporation_id


def sales_person_filter(scope: Scope, db: DbSession, requested_by: int | None = None) -> int | None:
    """For a sales caller, someone of their own agency."""
    if requested_by is None or scope.unrestricted:
        return requested_by
    member = db.scalar(
        select(Grant.user_id)
        .outerjoin(Profile, Profile.user_id == Grant.user_id)
        .where(Grant.user_id == requested_by, Grant.domain == DOMAIN)
        .where(or_(Grant.scope == scope.value, Profile.agency_id == _as_int(scope.value)))
    )
    if member is None:
        raise NotFound("営業担当者が見つかりません", details={"resource": "crm_user", "id": requested_by})
    return requested_by


def _as_int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


CorporationIdFilter = Annotated[int | None, Depends(scoped_corporation_id)]
SalesPersonFilter = Annotated[int | None, Depends(sales_person_filter)]
