"""The CRM's audit entries: every change a person makes, with before/after (card data is redacted by audit.diff).

The CRM 監査ログ (§2.8) is those entries plus the logins and logouts of the people who hold a crm role (recorded by
the platform's login, domain `platform`).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, and_, cast, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from service.audit import service as audit
from service.audit import vocabulary
from service.audit.models import AuditEntry
from service.audit.service import Actor
from service.identity.models import Grant
from service.roles import PLATFORM

DOMAIN = "crm"
SESSION_ACTIONS = ("login", "logout")


@dataclass(frozen=True)
class Actorship:
    actor: Actor
    user_id: int
    role: str


def record(
    db: Session, actor: Actor, action: str, target_type: str, target_id: Any, changes: dict | None = None
) -> None:
    audit.record(
        db, actor=actor, action=action, domain=DOMAIN, target_type=target_type, target_id=target_id, changes=changes
    )


def record_change(
    db: Session, actor: Actor, action: str, target_type: str, target_id: Any, before: dict, after: dict
) -> dict:
    """Audit the fields that differ (nothing when none do); returns the diff."""
    changes = audit.diff(before, after)
    if changes:
        record(db, actor, action, target_type, target_id, changes)
    return changes


def snapshot(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    return audit.snapshot(obj, fields)


def log_entries() -> ColumnElement[bool]:
    """Which audit entries the CRM 監査ログ shows: the crm domain's, and crm users' logins and logouts."""
    crm_users = select(cast(Grant.user_id, String)).where(Grant.domain == DOMAIN)
    return or_(
        AuditEntry.domain == DOMAIN,
        and_(
            AuditEntry.domain == "platform",
            AuditEntry.action.in_(SESSION_ACTIONS),
            AuditEntry.target_type == "user",
            AuditEntry.target_id.in_(crm_users),
        ),
    )


def log_words() -> vocabulary.FilterWords:
    """The CRM 監査ログ filters' words: the crm domain's actions and targets, and the users' logins and logouts."""
    words = vocabulary.filter_words([DOMAIN])
    words.actions.update({action: vocabulary.action_label(PLATFORM, action) for action in SESSION_ACTIONS})
    words.target_types["user"] = vocabulary.target_kind(PLATFORM, "user")
    return words
