"""ユーザー管理 bodies (a login with a crm grant and its CRM profile) and the caller's own (`/me`)."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from service.crm.models import Profile
from service.crm.schemas import Version, text
from service.fields import rules
from service.identity.schemas import Email, LoginId, Password
from service.roles import DOMAINS
from service.schemas import OneOf

Role = Annotated[str, OneOf(tuple(DOMAINS["crm"].roles))]  # the role catalogue's (service/roles.py)


SalesStaffCode = Annotated[str, rules(Profile.sales_staff_code)]
LCode = Annotated[str, rules(Profile.l_code)]


class CrmUserCreate(BaseModel):
    """A new platform user with a crm grant and profile (ユーザー管理)."""

    model_config = ConfigDict(extra="forbid")

    login_id: LoginId
    name: Annotated[str, text(100, min_length=1)]
    email: Email | None = None
    password: Password
    role: Role
    agency_id: int | None = Field(default=None, ge=1)
    sales_staff_code: SalesStaffCode = ""
    l_code: LCode = ""
    is_sales_manager: StrictBool = False


class CrmUserFields(BaseModel):
    """A user's fields as ユーザー管理 edits them, each optional: a PATCH's and the `base` of a stale one's three-way
    merge (the password is never read back, so never in a base)."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, text(100, min_length=1)] | None = None
    is_active: StrictBool | None = None
    role: Role | None = None
    agency_id: int | None = Field(default=None, ge=1)
    sales_staff_code: SalesStaffCode | None = None
    l_code: LCode | None = None
    is_sales_manager: StrictBool | None = None


class CrmUserUpdate(CrmUserFields):
    """Role, agency and codes; name; active flag and password only for users whose only grant is crm."""

    password: Password | None = None
    clear_agency: StrictBool = False
    version: Version | None = None
    base: CrmUserFields | None = None


class CrmUserRead(BaseModel):
    user_id: int
    login_id: str
    name: str
    is_active: bool
    role: str | None
    role_label: str
    agency_id: int | None
    agency_name: str
    sales_staff_code: str
    l_code: str
    is_sales_manager: bool
    version: int
    last_login_at: datetime | None


class MeRead(BaseModel):
    user_id: int
    login_id: str
    name: str
    role: str
    role_label: str
    agency_id: int | None
    agency_name: str
    sales_staff_code: str
    l_code: str
    is_sales_manager: bool = False
    unread_notifications: int
    home: str
