from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StrictBool, StringConstraints, model_validator

from service.fields import FieldWords, rules
from service.identity.models import Grant, User
from service.roles import DOMAINS
from service.schemas import SingleLine, Text

LoginId = Annotated[str, rules(User.login_id, strip=False)]
Password = Annotated[str, rules(User.password_hash, strip=False)]
GivenPassword = Annotated[str, StringConstraints(min_length=1, max_length=200), SingleLine]  # one typed to be checked
Name = Annotated[str, rules(User.name)]
Email = Annotated[EmailStr, rules(User.email)]  # email-validator's rule, then the column's length and shape


DeviceToken = Annotated[
    str,
    StringConstraints(min_length=1, max_length=1000),
    SingleLine,
    Field(description="the device token an earlier sign-in answered: a known device signs in past a lockout"),
]


class LoginIn(BaseModel):
    login_id: Annotated[str, StringConstraints(min_length=1, max_length=64), SingleLine]
    password: GivenPassword
    device_token: DeviceToken | None = None
    second_factor_code: Annotated[str, StringConstraints(min_length=1, max_length=20), SingleLine] | None = Field(
        None, description="an authenticator app's code or a recovery code, for a person with a second factor"
    )


class GrantIn(BaseModel):
    role: Text
    scope: Annotated[str, rules(Grant.scope)] | None = None


class GrantRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    domain: str
    role: str
    scope: str | None
    domain_label: str = ""
    role_label: str = ""
    scope_name: str | None = None  # the tenant's name (None where the scope is a name already)
    group_name: str | None = None  # the group that gives it; None for the person's own

    @model_validator(mode="after")
    def _labels(self) -> "GrantRead":
        entry = DOMAINS.get(self.domain)
        if entry:
            self.domain_label = entry.label
            self.role_label = entry.roles.get(self.role, self.role)
        return self


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    login_id: str
    name: str
    email: str
    is_active: bool
    password_must_change: bool = Field(description="an initial or reset password: its owner sets their own first")
    second_factor_enabled: bool = Field(False, description="signs in with a password and an authenticator app's code")
    second_factor_required: bool = Field(False, description="must enrol a second factor before anything else")
    state: str | None = Field(
        None, description="GET /auth/me only: its access digested, as every signed-in answer's X-Caller-State says it"
    )
    source: str = Field(description="where the person comes from: the company's directory, or made here (local)")
    external_id: str | None = Field(description="the company's directory's id for the person (SCIM externalId)")
    oidc_subject: str | None = Field(description="the identity provider's subject for the person")
    removed_at: datetime | None = Field(description="when the company's directory removed the person (SCIM DELETE)")
    last_login_at: datetime | None
    created_at: datetime
    grants: list[GrantRead]


class SessionOut(BaseModel):
    """A sign-in's session: with a password (TokenOut) or with the company's account alike."""

    access_token: str
    token_type: str = "bearer"
    expires_at: datetime
    user: UserRead


class TokenOut(SessionOut):
    device_token: str = Field(description="kept by the browser (the dashboards' device cookie) for its next sign-in")


class UserCreate(BaseModel):
    login_id: LoginId
    name: Name
    email: Email | None = None
    password: Password
    is_active: StrictBool = True


class SecondFactorStart(BaseModel):
    """Scanned by an authenticator app (or its secret typed in); in force once a code from it is confirmed."""

    secret: str
    uri: str
    qr_svg: str


class SecondFactorCode(BaseModel):
    code: Annotated[str, Field(min_length=1, max_length=20), SingleLine]


class RecoveryCodes(BaseModel):
    """Shown this once: each signs in once in place of the app's code."""

    recovery_codes: list[str]


class PasswordChange(BaseModel):
    """A person's own password, changed with the one they have."""

    current_password: GivenPassword
    new_password: Password


class UserUpdate(BaseModel):
    name: Name | None = None
    email: Email | None = None
    password: Password | None = None
    is_active: StrictBool | None = None


class TenantChoice(BaseModel):
    """A tenant a scoped grant may name: its scope (what the grant holds) and its name."""

    scope: str
    name: str


class RoleCatalogueEntry(BaseModel):
    domain: str
    label: str
    roles: dict[str, str]
    scope_kind: str | None
    scope_label: str
    scoped_roles: list[str]
    scope_required_roles: list[str]
    tenants: list[TenantChoice]


class PlatformVocabularyRead(BaseModel):
    """The platform's fields as the admin pages' forms show and check them (service/fields.py)."""

    fields: dict[str, dict[str, FieldWords]]
