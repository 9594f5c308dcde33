"""The dialect guard (tests/support/dialect_guard.py) fails a run on a test that sends dialect-specific SQL but is not
in `make test`'s PostgreSQL set, naming it: shown on a run of three tests, one of them deliberately misplaced."""

import os
import sys

import pytest

from tests.conftest import REPO_ROOT
from tests.support.dialect_guard import is_dialect_specific

pytestmark = pytest.mark.postgres_only  # the guard watches the PostgreSQL pass

GUARDED_CONFTEST = """
from pathlib import Path

from tests.support.dialect_guard import DialectGuard


def pytest_configure(config):
    unmarked = lambda item: item.get_closest_marker("dialect") is None
    config.pluginmanager.register(DialectGuard(unmarked, Path("misplaced.txt")), "dialect-guard")
"""
THREE_TESTS = """
import os

import pytest
from sqlalchemy import create_engine, text

ENGINE = create_engine(os.environ["APP_DATABASE_URL"])


def run(sql):
    with ENGINE.begin() as connection:
        connection.execute(text(sql))


@pytest.mark.dialect
def test_placed():
    run("SELECT pg_advisory_xact_lock(1)")


def test_misplaced():
    run("SELECT oid FROM pg_namespace WHERE nspname = 'public' FOR UPDATE")


def test_same_on_both_backends():
    run("SELECT count(*) FROM pg_namespace")
"""


def test_a_run_with_a_misplaced_dialect_test_fails_naming_it_alone(pytester, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(REPO_ROOT), *sys.path]))
    pytester.makeconftest(GUARDED_CONFTEST)
    pytester.makepyfile(test_three=THREE_TESTS)

    run = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-W", "ignore::pytest.PytestUnknownMarkWarning")

    run.assert_outcomes(passed=3)
    assert run.ret == pytest.ExitCode.TESTS_FAILED
    assert (pytester.path / "misplaced.txt").read_text().splitlines() == ["test_three.py::test_misplaced"]
    run.stdout.fnmatch_lines(
        ["dialect guard: FAILED: 1 tests reach dialect-specific SQL*", "  test_three.py::test_misplaced"]
    )


def test_once_the_test_is_marked_the_run_passes(pytester, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(REPO_ROOT), *sys.path]))
    pytester.makeconftest(GUARDED_CONFTEST)
    pytester.makepyfile(
        test_three=THREE_TESTS.replace("\ndef test_misplaced", "\n@pytest.mark.dialect\ndef test_misplaced")
    )

    run = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-W", "ignore::pytest.PytestUnknownMarkWarning")

    assert run.ret == pytest.ExitCode.OK
    assert (pytester.path / "misplaced.txt").read_text() == ""
    run.stdout.fnmatch_lines(["dialect guard: OK (2 tests reach dialect-specific SQL*"])


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT users.id FROM users WHERE users.id = %(id)s FOR UPDATE OF users",
        "SELECT id FROM outbox_messages FOR UPDATE SKIP LOCKED",
        "SELECT id FROM mcp_clients FOR KEY SHARE",
        "SELECT pg_notify(%(channel)s, %(payload)s)",
        "INSERT INTO t (a) VALUES (1) ON CONFLICT DO NOTHING",
        "SELECT id FROM t WHERE id = ANY (%(ids)s)",
        "SELECT to_char(timezone('Asia/Tokyo', t.at), 'YYYY-MM') FROM t",
        "WITH updated AS (UPDATE t SET a = v.a FROM json_to_recordset(CAST(%(u)s AS json)) AS v(a int)) SELECT 1",
    ],
)
def test_what_differs_between_the_backends_is_dialect_specific(statement):
    assert is_dialect_specific(statement)


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT users.id, users.login_id FROM users WHERE users.tenant_id = %(tenant)s ORDER BY users.id",
        "UPDATE terminals SET status = %(status)s WHERE terminals.id = %(id)s",
        "INSERT INTO audit_entries (action, before, after) VALUES (%(a)s, %(b)s, %(c)s) RETURNING audit_entries.id",
        "SELECT count(*) AS updated_count FROM reservations WHERE reservations.timezone_name = %(zone)s",
    ],
)
def test_what_is_the_same_on_both_is_not(statement):
    assert not is_dialect_specific(statement)
