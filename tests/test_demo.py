"""Demo data: idempotent, every role has an account, the documented logins work."""

import pytest
from sqlalchemy import func, select

from service.audit.models import AuditEntry
from service.audit.service import Actor
from service.cli import main
from service.config import REPO_ROOT
from service.crm.models import Agency
from service.database import session_scope
from service.demo.fleet.plan import CUSTOMERS
from service.demo.framework import demo_logins, discover_hooks, grant_demo_user, load_demo
from service.demo.platform import ADMIN_PASSWORD, DEMO_PASSWORD, demo_accounts
from service.fleet.models import Terminal
from service.identity.models import Grant, User
from service.roles import DOMAINS, PLATFORM

DEMO_ACTOR = Actor(type="cli", label="test")


def counts() -> tuple[int, int, int]:
    with session_scope() as db:
        return tuple(db.scalar(select(func.count()).select_from(model)) for model in (User, Grant, AuditEntry))


def grants_by_role() -> dict[tuple[str, str], tuple[str, str | None]]:
    """(domain, role) -> (login id, scope) of every grant."""
    with session_scope() as db:
        return {(g.domain, g.role): (g.user.login_id, g.scope) for g in db.scalars(select(Grant))}


def login(client, login_id: str, password: str):
    return client.post("/api/auth/login", json={"login_id": login_id, "password": password})


@pytest.mark.embedded_only  # the embedded default `make run` loads; each domain's demo test loads it on PostgreSQL
def test_loading_twice_creates_nothing_the_second_time_and_the_hooks_declare_every_login_they_make():
    assert main(["demo", "load"]) == 0
    first = counts()
    assert main(["demo", "load"]) == 0
    assert counts() == first
    with session_scope() as db:
        made = set(db.scalars(select(User.login_id)))
    assert made == {login.login_id for login in demo_logins()}  # what make run's banner lists (tests/test_launcher.py)


def test_first_run_flag_loads_only_into_a_database_without_admin(capsys):
    assert main(["demo", "load", "--first-run", "--only", "platform"]) == 0
    assert counts()[0] >= len(demo_accounts())
    assert main(["demo", "load", "--first-run"]) == 0
    assert "already exists" in capsys.readouterr().out


def test_every_role_of_every_domain_has_an_account_and_tenant_accounts_wait_for_a_scope():
    main(["demo", "load", "--only", "platform"])
    granted = grants_by_role()
    assert granted[(PLATFORM, "admin")] == ("admin", None)
    accounts = {(account.domain, account.role): account for account in demo_accounts()}
    for domain in DOMAINS.values():
        for role in domain.roles if domain.domain != PLATFORM else ():
            account, grant = accounts[(domain.domain, role)], granted.get((domain.domain, role))
            if account.needs_tenant:
                assert grant is None or grant[1], f"{domain.domain}/{role} granted without a tenant"
            else:
                assert grant is not None, f"{domain.domain}/{role} has no grant"
    assert accounts[("loaners", "staff")].needs_tenant, "the README promises a loaners-staff scoped to one 管轄"
    with session_scope() as db:
        logins = set(db.scalars(select(User.login_id)))
    assert set(account.login_id for account in accounts.values()) <= logins


def test_admin_and_a_role_account_log_in_with_the_documented_passwords(client):
    main(["demo", "load", "--only", "platform"])
    admin = login(client, "admin", ADMIN_PASSWORD)
    assert admin.status_code == 200
    assert admin.json()["user"]["grants"][0]["role"] == "admin"
    fleet = login(client, "fleet-operator", DEMO_PASSWORD)
    assert fleet.status_code == 200
    assert [(g["domain"], g["role"]) for g in fleet.json()["user"]["grants"]] == [("fleet", "operator")]


def test_each_distinct_password_is_hashed_once():
    main(["demo", "load", "--only", "platform"])
    with session_scope() as db:
        hashes = set(db.scalars(select(User.password_hash).where(User.login_id != "admin")))
    assert len(hashes) == 1


def test_a_domain_hook_grants_a_tenant_role_once_its_tenant_exists():
    main(["demo", "load", "--only", "platform"])
    with session_scope() as db:
        agency = Agency(code="AG03", name="みなと代理店")
        db.add(agency)
        db.flush()
        scope = str(agency.id)
        grant = grant_demo_user(db, "crm-sales", "crm", "sales", scope=scope, actor=DEMO_ACTOR)
        assert (grant.role, grant.scope) == ("sales", scope)
    before = counts()
    with session_scope() as db:
        assert grant_demo_user(db, "crm-sales", "crm", "sales", scope=scope, actor=DEMO_ACTOR) is None
        assert grant_demo_user(db, "nobody", "crm", "sales", scope=scope, actor=DEMO_ACTOR) is None
    assert counts() == before


def test_hooks_run_platform_first_and_only_the_chosen_ones_run():
    every = [hook.name for hook in discover_hooks()]
    assert every[0] == "platform"
    with session_scope() as db:
        assert load_demo(db, actor=DEMO_ACTOR, only=["platform"]) == ["platform"]


def test_an_unknown_hook_name_is_refused_and_loads_nothing(capsys):
    assert main(["demo", "load", "--only", "platform,moon"]) == 1
    assert "unknown demo data: moon" in capsys.readouterr().err
    assert counts() == (0, 0, 0)


def test_readme_lists_every_demo_login_and_password():
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    for account in demo_accounts():
        assert f"`{account.login_id}`" in readme, account.login_id
    assert ADMIN_PASSWORD in readme and DEMO_PASSWORD in readme


@pytest.mark.dialect
def test_the_fleet_demo_loads_at_the_size_asked_for_once():
    def terminals() -> int:
        with session_scope() as db:
            return db.scalar(select(func.count()).select_from(Terminal))

    assert main(["demo", "load", "--only", "platform,fleet", "--terminals", "60"]) == 0
    loaded = terminals()
    assert abs(loaded - 60) <= len(CUSTOMERS)  # each customer's count is rounded, at least one each
    assert main(["demo", "load", "--only", "platform,fleet", "--terminals", "60"]) == 0
    assert terminals() == loaded


def test_a_fleet_size_below_one_is_refused(capsys):
    with pytest.raises(SystemExit) as refused:
        main(["demo", "load", "--terminals", "0"])
    assert refused.value.code == 2
    assert counts() == (0, 0, 0)
