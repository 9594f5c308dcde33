"""For the sign-in tests: the service's count of bcrypt checks, as /metrics publishes it, and an account locked by
failures from elsewhere."""

from prometheus_client import REGISTRY

from service.audit.service import Actor
from service.database import session_scope, utcnow
from service.errors import DomainError
from service.identity import service as identity


def password_checks() -> float:
    """Sign-ins' bcrypt checks this process ran so far (security.PASSWORD_CHECKS)."""
    return REGISTRY.get_sample_value("daicho_password_checks_total") or 0.0


def lock_account_from_elsewhere(login_id: str) -> None:
    """Five wrong passwords for the account from another address, each committed as a request's would be: the account
    locks for unknown devices (a browser that signed in before still gets in)."""
    for _ in range(5):
        with session_scope() as db:
            actor = Actor(type="anonymous", client_address="203.0.113.1")
            try:
                identity.authenticate(db, login_id=login_id, password="wrong-password", actor=actor, now=utcnow())
            except DomainError as refused:
                assert refused.status_code in (401, 423)
