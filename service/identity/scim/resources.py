"""Our people and groups as SCIM resources (RFC 7643), and SCIM resources written back to them.

userName is the login id (read NFKC, refused with invalidValue when it breaks the login id's rule), displayName (else
name.formatted, else given and family names) the name, the primary e-mail (else the first) the e-mail. A person SCIM
creates comes from the directory (`source` "directory") and has no password. Accounts are the platform's, not a
tenant's: there is one company per installation and `identity_user` carries no tenant, so SCIM sees every person.
"""

import re
import unicodedata
from typing import Any

from pydantic import TypeAdapter, ValidationError
from scim2_models import (
    URN,
    Email,
    Group,
    GroupMember,
    GroupMembership,
    InvalidValueException,
    Meta,
    ScimFilter,
    User,
)
from scim2_models.path import AttrPath, CompareOperator, Comparison
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import object_session

from service.identity import models
from service.identity.models import LOGIN_ID_PATTERN
from service.identity.schemas import Email as EmailText
from service.links import api_page

DIRECTORY = "directory"
SCIM_BASE = "/api/scim/v2"
LOGIN_ID_RULE = re.compile(LOGIN_ID_PATTERN)
NAME_LIMIT = 100
GROUP_NAME_LIMIT = 200
EMAIL = TypeAdapter(EmailText)
LARGEST_ID = 2**31 - 1  # an INTEGER column's


def is_row_id(text: str) -> bool:
    """A SCIM id is our row's id: digits within an integer column's range (anything else finds nothing)."""
    return text.isascii() and text.isdigit() and int(text) <= LARGEST_ID


def location(kind: str, resource_id: int | str | None = None) -> str:
    return api_page(f"{SCIM_BASE}/{kind}" + (f"/{resource_id}" if resource_id is not None else ""))


def version(row: models.User | models.Group) -> str:
    return f'W/"{int(row.updated_at.timestamp() * 1_000_000)}"'


def user_resource(user: models.User) -> User:
    """The one e-mail we keep is the work address and primary: a PATCH finds it at `emails[type eq "work"]` (Entra
    ID's path)."""
    groups = [GroupMembership(value=str(g.id), display=g.display_name, type="direct") for g in groups_of(user)]
    return User(
        id=str(user.id),
        external_id=user.external_id,
        user_name=user.login_id,
        display_name=user.name,
        emails=[Email(value=user.email, type="work", primary=True)] if user.email else None,
        active=user.is_active,
        groups=groups or None,
        meta=Meta(
            resource_type="User",
            created=user.created_at,
            last_modified=user.updated_at,
            location=location("Users", user.id),
            version=version(user),
        ),
    )


def groups_of(user: models.User) -> list[models.Group]:
    db = object_session(user)
    if db is None:
        return []
    return list(
        db.scalars(
            select(models.Group)
            .join(models.GroupMember, models.GroupMember.group_id == models.Group.id)
            .where(models.GroupMember.user_id == user.id)
            .order_by(models.Group.id)
        )
    )


def group_resource(group: models.Group) -> Group:
    members = [
        GroupMember(value=str(u.id), ref=location("Users", u.id), type="User")
        for u in group.members
        if u.removed_at is None
    ]
    return Group(
        id=str(group.id),
        external_id=group.external_id,
        display_name=group.display_name,
        members=members or None,
        meta=Meta(
            resource_type="Group",
            created=group.created_at,
            last_modified=group.updated_at,
            location=location("Groups", group.id),
            version=version(group),
        ),
    )


def login_id_of(user_name: str | None) -> str:
    login_id = unicodedata.normalize("NFKC", user_name or "").strip()
    if not LOGIN_ID_RULE.fullmatch(login_id):
        raise InvalidValueException(
            detail=f"userName「{user_name}」はログインIDにできません（英数字と「.」「_」「@」「-」の3〜64文字）"
        )
    return login_id


def name_of(resource: User) -> str:
    given = " ".join(p for p in (resource.name.family_name, resource.name.given_name) if p) if resource.name else ""
    formatted = resource.name.formatted if resource.name else None
    name = unicodedata.normalize(
        "NFKC", resource.display_name or formatted or given or resource.user_name or ""
    ).strip()
    if not name or len(name) > NAME_LIMIT or any(unicodedata.category(c).startswith("C") for c in name):
        raise InvalidValueException(detail=f"氏名（displayName）は1〜{NAME_LIMIT}文字で、制御文字を含められません")
    return name


def email_of(resource: User) -> str:
    emails = resource.emails or []
    chosen = next((e for e in emails if e.primary), emails[0] if emails else None)
    if chosen is None or not chosen.value:
        return ""
    try:
        return str(EMAIL.validate_python(str(chosen.value)))
    except ValidationError as exc:
        raise InvalidValueException(detail=f"メールアドレス「{chosen.value}」は正しくありません") from exc


def group_name_of(resource: Group) -> str:
    name = unicodedata.normalize("NFKC", resource.display_name or "").strip()
    if not name or len(name) > GROUP_NAME_LIMIT or any(unicodedata.category(c).startswith("C") for c in name):
        raise InvalidValueException(
            detail=f"グループ名（displayName）は1〜{GROUP_NAME_LIMIT}文字で、制御文字を含められません"
        )
    return name


def user_values(resource: User) -> dict[str, Any]:
    """The account's columns a SCIM User sets (a replacement sets all of them)."""
    return {
        "login_id": login_id_of(resource.user_name),
        "name": name_of(resource),
        "email": email_of(resource),
        "external_id": resource.external_id or None,
        "is_active": resource.active is not False,
    }


# What a filter may compare in SQL: the rest is read by scim2-models' own evaluation, one resource at a time
USER_COLUMNS: dict[str, Any] = {
    "username": func.lower(models.User.login_id),
    "externalid": models.User.external_id,
    "id": models.User.id,
    "emails": func.lower(models.User.email),
    "emails.value": func.lower(models.User.email),
    "displayname": models.User.name,
}
GROUP_COLUMNS: dict[str, Any] = {
    "displayname": models.Group.display_name,
    "externalid": models.Group.external_id,
    "id": models.Group.id,
}
CASE_EXACT = {"externalid", "id", "displayname"}


def sql_condition(filter_: ScimFilter, columns: dict[str, Any]) -> ColumnElement[bool] | None:
    """`attr eq "value"` on a column we hold, as SQL (what Entra ID and Okta send before every create); None for any
    other filter."""
    node = filter_.ast
    if not isinstance(node, Comparison) or node.op != CompareOperator.eq or not isinstance(node.value, str):
        return None
    path: AttrPath = node.attr_path
    if path.uri is not None and URN(path.uri) not in (User.__schema__, Group.__schema__):
        return None
    key = f"{path.attr}.{path.sub_attr}".lower() if path.sub_attr else path.attr.lower()
    column = columns.get(key)
    if column is None:
        return None
    if key == "id":
        return column == int(node.value) if is_row_id(node.value) else column.is_(None)
    return column == (node.value if key in CASE_EXACT else node.value.lower())
