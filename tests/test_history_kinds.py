"""The lived-in database (`demo load --history`, service/demo/history/) holds an audit entry of every action and
every kind of target the audit vocabulary knows (service/audit/labels.py and each domain's labels.py): a new kind
fails here, by name, until the history makes it the way a person would."""

import pytest
from sqlalchemy import select

from service.audit.models import AuditEntry
from service.main import create_app  # noqa: F401 - its routers register every domain's vocabulary
from service.words import COMMON_ACTIONS, VOCABULARIES
from tests.support.history import restore_history

pytestmark = pytest.mark.walk


def missing_kinds(found_actions: set[tuple[str, str]], found_targets: set[tuple[str, str]]) -> list[str]:
    """Each domain's own actions and target kinds that no entry of that domain has; each common action no entry has."""
    missing = [
        f"{domain}: action {code} ({label})"
        for domain, vocabulary in VOCABULARIES.items()
        for code, label in vocabulary.actions.items()
        if (domain, code) not in found_actions
    ]
    missing += [
        f"{domain}: target kind {code} ({target.label})"
        for domain, vocabulary in VOCABULARIES.items()
        for code, target in vocabulary.targets.items()
        if (domain, code) not in found_targets
    ]
    done = {action for _, action in found_actions}
    missing += [f"any domain: action {code} ({label})" for code, label in COMMON_ACTIONS.items() if code not in done]
    return missing


def test_the_lived_in_database_has_every_audit_action_and_target_kind_the_vocabulary_knows(db):
    restore_history()
    actions = set(db.execute(select(AuditEntry.domain, AuditEntry.action).distinct()).tuples())
    targets = set(db.execute(select(AuditEntry.domain, AuditEntry.target_type).distinct()).tuples())
    missing = missing_kinds(actions, targets)
    assert missing == [], "no entry in the lived-in history of:\n" + "\n".join(missing)
