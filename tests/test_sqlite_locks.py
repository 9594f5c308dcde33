"""A test waiting on a request while its own SQLite transaction holds the write lock fails at once, the lock named
(tests/support/sqlite_locks.py), instead of after SQLite's 30 s busy timeout."""

import pytest
from sqlalchemy import select

from service.identity.models import User
from tests.factories import auth_headers, make_user
from tests.support.sqlite_locks import WATCH, HeldByTheTest

pytestmark = pytest.mark.embedded_only


def test_a_request_whose_write_waits_on_the_test_s_open_transaction_is_refused_at_once(db, client) -> None:
    admin = make_user(db, "admin1")
    db.commit()
    db.scalars(select(User)).all()  # the test's session is inside a transaction again, holding the write lock

    with pytest.raises(HeldByTheTest, match=r"db\.commit\(\)"):
        client.get("/api/auth/me", headers=auth_headers(admin))

    assert len(WATCH.refusals) == 1
    WATCH.refusals.clear()  # refused as this test expects: the watch's own failure at the test's end is not wanted


def test_the_same_request_after_the_test_commits_is_answered(db, client) -> None:
    admin = make_user(db, "admin1")
    db.scalars(select(User)).all()
    db.commit()

    assert client.get("/api/auth/me", headers=auth_headers(admin)).status_code == 200
    assert WATCH.refusals == []
