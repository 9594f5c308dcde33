"""Demo data: idempotent, every role has an account, the documented logins work."""

from sqlalchemy import func, select

from service.audit.models import AuditEntry
from service.audit.service import Actor
from service.cli import main
from service.config import REPO_ROOT
from service.database import session_scope
from service.demo.framework import discover_hooks, grant_demo_user, load_demo
from service.demo.platform import ADMIN_PASSWORD, DEMO_PASSWORD, demo_accounts
from service.identity.models import Grant, User
from service.identity.roles import DOMAINS, PLATFORM

DEMO_ACTOR = Actor(type="cli", label="test")


def counts() -> tuple[int, int, int]:
    with session_scope() as db:
        return tuple(db.scalar(select(func.count()).select_from(model)) for model in (User, Grant, AuditEntry))


def accounts_by_grant() -> dict[tuple[str, str], str]:
    with session_scope() as db:
        return {(g.domain, g.role): g.user.login_id for g in db.scalars(select(Grant))}


def login(client, login_id: str, password: str):
    return client.post("/api/auth/login", json={"login_id": login_id, "password": password})


def test_loading_twice_creates_nothing_the_second_time():
    assert main(["demo", "load"]) == 0
    first = counts()
    assert first[0] == len(demo_accounts())
    assert main(["demo", "load"]) == 0
    assert counts() == first


def test_first_run_flag_loads_only_into_a_database_without_admin(capsys):
    assert main(["demo", "load", "--first-run"]) == 0
    assert counts()[0] == len(demo_accounts())
    assert main(["demo", "load", "--first-run"]) == 0
    assert "already exists" in capsys.readouterr().out


def test_every_role_of_every_domain_has_an_account_or_waits_for_its_tenant():
    main(["demo", "load"])
    granted = accounts_by_grant()
    assert granted[(PLATFORM, "admin")] == "admin"
    for domain in DOMAINS.values():
        if domain.domain == PLATFORM:
            continue
        for role in domain.roles:
            if role in domain.scope_required_roles:
                assert (domain.domain, role) not in granted
            else:
                assert (domain.domain, role) in granted, (domain.domain, role)
    with session_scope() as db:
        logins = set(db.scalars(select(User.login_id)))
    assert logins == {account.login_id for account in demo_accounts()}


def test_admin_and_a_role_account_log_in_with_the_documented_passwords(client):
    main(["demo", "load"])
    admin = login(client, "admin", ADMIN_PASSWORD)
    assert admin.status_code == 200
    assert admin.json()["user"]["grants"][0]["role"] == "admin"
    fleet = login(client, "fleet-operator", DEMO_PASSWORD)
    assert fleet.status_code == 200
    assert [(g["domain"], g["role"]) for g in fleet.json()["user"]["grants"]] == [("fleet", "operator")]


def test_each_distinct_password_is_hashed_once():
    main(["demo", "load"])
    with session_scope() as db:
        hashes = set(db.scalars(select(User.password_hash).where(User.login_id != "admin")))
    assert len(hashes) == 1


def test_a_domain_hook_grants_a_tenant_role_once_its_tenant_exists():
    main(["demo", "load"])
    with session_scope() as db:
        grant = grant_demo_user(db, "crm-sales", "crm", "sales", scope="3", actor=DEMO_ACTOR)
        assert (grant.role, grant.scope) == ("sales", "3")
    before = counts()
    with session_scope() as db:
        assert grant_demo_user(db, "crm-sales", "crm", "sales", scope="3", actor=DEMO_ACTOR) is None
        assert grant_demo_user(db, "nobody", "crm", "sales", scope="3", actor=DEMO_ACTOR) is None
    assert counts() == before


def test_hooks_run_platform_first_and_in_one_transaction():
    with session_scope() as db:
        names = load_demo(db, actor=DEMO_ACTOR)
    assert names[0] == "platform"
    assert [hook.name for hook in discover_hooks()] == names


def test_readme_lists_every_demo_login_and_password():
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    for account in demo_accounts():
        assert f"`{account.login_id}`" in readme, account.login_id
    assert ADMIN_PASSWORD in readme and DEMO_PASSWORD in readme
