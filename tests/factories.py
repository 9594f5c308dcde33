"""Factories for test objects. Password hashes are computed once per password (bcrypt is slow on purpose)."""

from functools import lru_cache

from sqlalchemy.orm import Session

from service.database import utcnow
from service.identity.models import Grant, User
from service.identity.security import hash_password, issue_token

DEFAULT_PASSWORD = "correct-horse-1"
# Where people reach a production's API pages and dashboards (each Settings field): names of their own, apart from
# each other and from any address a test process listens on
PUBLIC_ADDRESSES = {"public_base_url": "https://daicho.example.jp", "dashboard_url": "https://dashboards.example.jp"}


@lru_cache
def cached_hash(password: str) -> str:
    return hash_password(password)


def make_user(
    db: Session,
    login_id: str = "user1",
    *,
    password: str = DEFAULT_PASSWORD,
    name: str | None = None,
    email: str | None = None,
    grants: dict[str, tuple[str, str | None] | str] | None = None,
    is_active: bool = True,
) -> User:
    """Create a user; grants map domain -> role or (role, scope)."""
    user = User(
        login_id=login_id,
        name=name or login_id,
        email=email or f"{login_id}@example.jp",
        password_hash=cached_hash(password),
        is_active=is_active,
    )
    for domain, grant in (grants or {}).items():
        role, scope = (grant, None) if isinstance(grant, str) else grant
        user.grants.append(Grant(domain=domain, role=role, scope=scope))
    db.add(user)
    db.flush()
    return user


def token_for(user: User) -> str:
    return issue_token(subject=str(user.id), kind="user", now=utcnow()).token


def auth_headers(user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(user)}"}
