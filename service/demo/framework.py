"""The demo-data framework: a registry of hooks, a progress reporter and helpers for demo accounts.

Each domain adds `service/demo/<domain>.py` (or a package of that name, its hook in `__init__.py`) with one function
registered by `@demo_hook("<domain>")`. The function receives the session and a DemoProgress and must be idempotent:
running the loader again creates nothing new (look a record up by its natural key before creating it). A hook that
makes logins declares them (`logins=`): `make run`'s banner lists them, and tests/test_demo.py holds them against a
full load.

    @demo_hook("crm", logins=crm_logins())
    def load_crm(db: Session, progress: DemoProgress) -> None:
        progress.start("代理店CRM", total=len(AGENCIES))
        for spec in AGENCIES:
            ...  # create the agency unless it exists, through the domain's service with actor=progress.actor
            progress.advance()
        grant_demo_user(db, "crm-sales", "crm", "sales", scope=str(agency.id), actor=progress.actor)
"""

import importlib
import pkgutil
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol

from sqlalchemy.orm import Session

from service.audit.service import Actor
from service.errors import ValidationFailed
from service.identity import people
from service.identity import service as identity
from service.identity.models import Grant, User
from service.identity.schemas import UserCreate
from service.identity.security import hash_password

PLATFORM_HOOK_ORDER = 0
DOMAIN_HOOK_ORDER = 100


class ProgressSink(Protocol):
    """What draws the progress (a rich progress bar on a terminal, nothing in tests)."""

    def start(self, description: str, total: int) -> None: ...

    def advance(self, steps: int) -> None: ...


class SilentSink:
    def start(self, description: str, total: int) -> None:
        pass

    def advance(self, steps: int) -> None:
        pass


@dataclass
class DemoProgress:
    """Handed to every hook: report progress with start()/advance(); audit what you create as `actor`."""

    actor: Actor
    sink: ProgressSink = field(default_factory=SilentSink)

    def start(self, description: str, total: int) -> None:
        self.sink.start(description, total)

    def advance(self, steps: int = 1) -> None:
        self.sink.advance(steps)


DemoHook = Callable[[Session, DemoProgress], None]


@dataclass(frozen=True)
class DemoLogin:
    """A login a hook creates, declared with the hook: `make run`'s banner lists them without a database."""

    login_id: str
    domain: str
    password: str


@dataclass(frozen=True)
class RegisteredHook:
    name: str
    order: int
    load: DemoHook
    logins: tuple[DemoLogin, ...] = ()


_HOOKS: dict[str, RegisteredHook] = {}


def demo_hook(
    name: str, *, order: int = DOMAIN_HOOK_ORDER, logins: Iterable[DemoLogin] = ()
) -> Callable[[DemoHook], DemoHook]:
    """Register a domain's demo loader and the logins it creates; hooks run by (order, name), the platform's first."""

    def register(load: DemoHook) -> DemoHook:
        _HOOKS[name] = RegisteredHook(name, order, load, tuple(logins))
        return load

    return register


def discover_hooks() -> list[RegisteredHook]:
    """Import every module of service.demo so its hooks register, and return them in running order."""
    import service.demo as package

    for module in pkgutil.iter_modules(package.__path__):
        if module.name != "framework" and not module.name.startswith("_"):
            importlib.import_module(f"{package.__name__}.{module.name}")
    return sorted(_HOOKS.values(), key=lambda hook: (hook.order, hook.name))


def demo_logins() -> list[DemoLogin]:
    """Every login the demo creates, once each, in the order the hooks declare them (tests/test_demo.py holds the list
    against a full load)."""
    declared: dict[str, DemoLogin] = {}
    for hook in discover_hooks():
        for login in hook.logins:
            declared.setdefault(login.login_id, login)
    return list(declared.values())


def load_demo(
    db: Session, *, actor: Actor, sink: ProgressSink | None = None, only: Collection[str] | None = None
) -> list[str]:
    """Run every hook (or those named in `only`) in the caller's transaction; return the names in the order they ran."""
    progress = DemoProgress(actor=actor, sink=sink or SilentSink())
    hooks = discover_hooks()
    unknown = set(only or ()) - {hook.name for hook in hooks}
    if unknown:
        raise ValidationFailed(
            f"unknown demo data: {', '.join(sorted(unknown))}", details={"known": [hook.name for hook in hooks]}
        )
    chosen = [hook for hook in hooks if only is None or hook.name in only]
    for hook in chosen:
        hook.load(db, progress)
        db.flush()
    return [hook.name for hook in chosen]


@lru_cache
def demo_password_hash(password: str) -> str:
    """bcrypt is slow on purpose: hash each distinct demo password once per process."""
    return hash_password(password)


def ensure_demo_user(db: Session, login_id: str, *, name: str, password: str, actor: Actor) -> User:
    """Return the user with this login id, creating it (audited) when it does not exist yet."""
    user = identity.find_user_by_login(db, login_id)
    if user is not None:
        return user
    data = UserCreate(login_id=login_id, name=name, email=f"{login_id}@example.jp", password=password)
    return identity.create_user(db, data=data, actor=actor, password_hash=demo_password_hash(password))


def demo_person(db: Session, login_id: str, *, otherwise: Actor) -> Actor:
    """The demo account acting, named as the records name people; `otherwise` once the account was deleted."""
    user = identity.find_user_by_login(db, login_id)
    return people.actor(user) if user is not None else otherwise


def grant_demo_user(
    db: Session, login_id: str, domain: str, role: str, *, scope: str | None = None, actor: Actor
) -> Grant | None:
    """Give a demo user a role (scoped to a tenant when the role needs one) unless they hold a role in that domain.

    Returns None when the user does not exist (it was deleted) or already has a grant there (kept as it is).
    """
    user = identity.find_user_by_login(db, login_id)
    if user is None or any(grant.domain == domain for grant in user.grants):
        return None
    return identity.set_grant(db, user=user, domain=domain, role=role, scope=scope, actor=actor)
