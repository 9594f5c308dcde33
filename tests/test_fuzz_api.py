"""The schema fuzzer: every operation of /api/openapi.json, called as every kind of caller, answers what it declares.

Schemathesis generates valid and invalid inputs (fixed seed, a bounded number of examples per operation) and checks
that nothing answers 500, every status and content type is declared, every body matches its schema and invalid input
is refused. Each example runs as one of the callers below: a platform admin, each domain's roles (scoped and not) and
nobody. Operations that can end their caller's session (logout, a user changing or removing itself) get a fresh caller
for every example instead. A failure names the operation, the caller and a curl to repeat it.
The operations run on the lived-in database (tests/support/history.py), put back once for the module and not between
operations: the fuzzed ids and pages meet real rows, and each operation meets what the ones before it wrote.
Run it alone with `make check ARGS="-k fuzz"` (docs/testing.md).
"""

import itertools
import os
from collections.abc import Callable, Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from service.config import get_settings
from service.database import session_scope
from service.roles import DOMAINS, PLATFORM
from tests.conftest import openapi_spec, reset_database
from tests.factories import make_user, token_for
from tests.support.history import restore_history
from tests.support.live_server import live_api  # noqa: F401 (fixture)

pytestmark = pytest.mark.walk

SEED = 20261121
MAX_EXAMPLES = int(os.environ.get("DAICHO_FUZZ_EXAMPLES", "4"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
# Operations that can end the caller's own session: every example gets a caller of its own.
SELF_LOCKING = {
    ("POST", "/api/auth/logout"),
    ("PATCH", "/api/admin/users/{user_id}"),
    ("PUT", "/api/admin/users/{user_id}/grants/{domain}"),
    ("DELETE", "/api/admin/users/{user_id}/grants/{domain}"),
    ("PATCH", "/api/crm/users/{user_id}"),
    ("DELETE", "/api/crm/users/{user_id}"),
}
# The webhooks answer 503 until their secrets are set; the fuzzer runs them configured.
WEBHOOK_SECRETS = {"stripe_webhook_secret": "fuzz", "twilio_auth_token": "fuzz", "voice_webhook_secret": "fuzz"}
ANONYMOUS = "anonymous"
LOGIN_PREFIX = "fuzz-"  # the callers' logins, apart from the demo's people (fleet-admin, crm-sales, ...)
Grants = dict[str, tuple[str, str | None] | str]


def callers() -> dict[str, Grants]:
    """Every caller the fuzzer uses: login id -> grants (the platform admin, each domain role, scoped where it can)."""
    found: dict[str, Grants] = {"platform-admin": {PLATFORM: "admin"}}
    for domain, catalogue in DOMAINS.items():
        if domain == PLATFORM:
            continue
        for role in catalogue.roles:
            if role not in catalogue.scope_required_roles:
                found[f"{domain}-{role}"] = {domain: role}
            if role in catalogue.scoped_roles:
                found[f"{domain}-{role}-scoped"] = {domain: (role, "1")}
    return found


CALLERS = callers()
ROLES = st.sampled_from([*CALLERS, ANONYMOUS])


def curl(case: schemathesis.Case, role: str) -> str:
    """The failing call as a curl against a local `make run`."""
    headers = {"Authorization": "Bearer $TOKEN"} if role != ANONYMOUS else {}
    return case.as_curl_command(headers=headers, base_url="http://127.0.0.1:8000")


def call(case: schemathesis.Case, base_url: str, role: str, token: str | None) -> None:
    """Call the operation as the caller and run the checks; a failure says who called and how to repeat it."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS)
    except (FailureGroup, AssertionError) as failure:
        grants = CALLERS.get(role, "none: no token")
        failure.add_note(f"{case.operation.label} as {role} (grants {grants}); TOKEN: a login with those grants\n")
        failure.add_note(curl(case, role))
        raise


@pytest.fixture(scope="module")
def lived_in(migrated_database: None) -> Iterator[None]:
    """The lived-in database for the module's operations, then a fresh install again for the modules after it."""
    restore_history()
    yield
    reset_database()


@pytest.fixture
def clean_tables() -> None:
    """Here the database is not emptied after each operation: the fuzzer keeps working on the lived-in one."""


@pytest.fixture(scope="module")
def webhook_secrets() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        for name, value in WEBHOOK_SECRETS.items():
            patch.setattr(get_settings(), name, value)
        yield


@pytest.fixture(scope="module")
def tokens(lived_in: None, webhook_secrets: None) -> dict[str, str]:
    """A bearer token for every caller, made once on the lived-in database."""
    with session_scope() as db:
        return {
            login: token_for(make_user(db, LOGIN_PREFIX + login, grants=grants)) for login, grants in CALLERS.items()
        }


SERIAL = itertools.count()  # the minted callers' logins, unique for the whole module (nothing is emptied meanwhile)


@pytest.fixture
def mint(lived_in: None, webhook_secrets: None) -> Callable[[str], str | None]:
    """A fresh caller with a role's grants for each example: a token the example may end without ending others'."""

    def token(role: str) -> str | None:
        if role == ANONYMOUS:
            return None
        with session_scope() as db:
            return token_for(make_user(db, f"{LOGIN_PREFIX}{role}-{next(SERIAL)}", grants=CALLERS[role]))

    return token


def _label(ctx: schemathesis.filters.HasAPIOperation) -> tuple[str, str]:
    return ctx.operation.method.upper(), ctx.operation.path


schema = schemathesis.openapi.from_dict(
    openapi_spec(),
    config=SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            # the callers' tokens are given by the test, not generated; the curl shows the $TOKEN placeholder
            "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "with-security-parameters": False},
            "output": {"sanitization": {"enabled": False}},
        }
    ),
)
FUZZ_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@schema.exclude(func=lambda ctx: _label(ctx) in SELF_LOCKING).parametrize()
@schema.given(role=ROLES)
@FUZZ_SETTINGS
def test_operation_answers_what_it_declares(
    case: schemathesis.Case, role: str, tokens: dict[str, str], live_api: str
) -> None:
    call(case, live_api, role, tokens.get(role))


@schema.include(func=lambda ctx: _label(ctx) in SELF_LOCKING).parametrize()
@schema.given(role=ROLES)
@FUZZ_SETTINGS
def test_self_locking_operation_answers_what_it_declares(
    case: schemathesis.Case, role: str, mint: Callable[[str], str | None], live_api: str
) -> None:
    call(case, live_api, role, mint(role))
