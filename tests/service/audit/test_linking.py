"""Entries are chained when their transaction commits: the head is never held by a transaction still at work."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from service.audit import service as audit
from service.audit.models import AuditEntry
from service.database import get_sessionmaker, session_scope, utcnow
from service.errors import Unauthorized
from service.identity import service as identity
from tests.factories import make_user

ACTOR = audit.Actor(type="user", id="7", label="tester")
GUARD = 60  # seconds: only how long a broken build may hang before failing, never a measured time


def note(db, target_id, action="update") -> audit.AuditEntry:
    return audit.record(db, actor=ACTOR, action=action, domain="fleet", target_type="terminal", target_id=target_id)


def chain() -> list[tuple[int, str, str]]:
    """(seq, action, target_id) of every stored entry, in sequence order."""
    with session_scope() as db:
        rows = db.execute(select(AuditEntry.seq, AuditEntry.action, AuditEntry.target_id).order_by(AuditEntry.seq))
        return [tuple(row) for row in rows]


def verified(count: int) -> None:
    with session_scope() as db:
        report = audit.verify_chain(db)
    assert (report.ok, report.checked, report.problem) == (True, count, None)


def test_an_open_transaction_that_recorded_does_not_hold_up_another_writer(backend):
    recorded, release, other_done = threading.Event(), threading.Event(), threading.Event()

    def long_import() -> None:
        with session_scope() as db:
            if backend == "postgres":  # a transaction at work on the database (SQLite would lock the whole file)
                make_user(db, "importer")
            for row in range(800):
                note(db, row, action="import_row")
            recorded.set()
            release.wait(GUARD)

    def login_elsewhere() -> None:
        recorded.wait(GUARD)
        with session_scope() as db:
            note(db, "login", action="login")
        other_done.set()

    with ThreadPoolExecutor(max_workers=2) as pool:
        importing, logging_in = pool.submit(long_import), pool.submit(login_elsewhere)
        try:
            assert other_done.wait(GUARD), "the other writer waited for the open transaction"
            assert not importing.done()
        finally:
            release.set()
        importing.result(), logging_in.result()

    stored = chain()
    assert stored[0] == (1, "login", "login")
    assert [seq for seq, _, _ in stored] == list(range(1, 802))
    assert [target for _, _, target in stored[1:]] == [str(row) for row in range(800)]
    verified(801)


def test_a_rolled_back_transaction_leaves_no_entry_and_no_gap():
    with pytest.raises(RuntimeError), session_scope() as db:
        note(db, 1)
        raise RuntimeError("the request failed")
    db = get_sessionmaker()()
    note(db, 2)
    db.rollback()
    note(db, 3)
    db.close()
    with session_scope() as db:
        note(db, 4)
    assert chain() == [(1, "update", "4")]
    verified(1)


def test_a_rolled_back_savepoint_takes_only_its_own_entries():
    with session_scope() as db:
        note(db, "before")
        with pytest.raises(RuntimeError), db.begin_nested():
            note(db, "failed hook")
            raise RuntimeError("the hook failed")
        with db.begin_nested():
            note(db, "kept hook")
        note(db, "after")
    assert [target for _, _, target in chain()] == ["before", "kept hook", "after"]
    verified(3)


def test_many_concurrent_committers_keep_one_gap_free_chain():
    def commit_pairs(writer: int) -> None:
        for pair in range(10):
            with session_scope() as db:
                note(db, f"{writer}-{pair}", action="first")
                note(db, f"{writer}-{pair}", action="second")

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(commit_pairs, range(8)))

    stored = chain()
    assert [seq for seq, _, _ in stored] == list(range(1, 161))
    firsts = {target: seq for seq, action, target in stored if action == "first"}
    seconds = {target: seq for seq, action, target in stored if action == "second"}
    assert {target: seq + 1 for target, seq in firsts.items()} == seconds  # one transaction, one linked run
    verified(160)


def test_a_recorded_entry_is_the_stored_one_once_committed():
    with session_scope() as db:
        entry = note(db, 1)
        assert audit.pending_entries(db) == [entry]
        assert entry.seq is None
    assert (entry.seq, entry.prev_hash) == (1, audit.GENESIS_HASH)
    with session_scope() as db:
        assert db.scalar(select(AuditEntry.entry_hash).where(AuditEntry.seq == 1)) == entry.entry_hash
        assert audit.chain_head(db) == audit.ChainHead(1, entry.entry_hash)


def test_a_session_reading_the_chain_it_wrote_sees_its_own_entries():
    with session_scope() as db:
        note(db, 1)
        first = note(db, 2)
        assert audit.verify_chain(db).checked == 2
        assert audit.chain_head(db) == audit.ChainHead(2, first.entry_hash)
        note(db, 3)
    assert [seq for seq, _, _ in chain()] == [1, 2, 3]
    verified(3)


@pytest.mark.dialect
def test_a_failed_login_kept_by_its_error_is_chained(client):
    with session_scope() as db:
        make_user(db, "user1")
    with pytest.raises(Unauthorized) as refused, session_scope() as db:
        identity.authenticate(db, login_id="user1", password="wrong", actor=audit.SYSTEM, now=utcnow())
    assert refused.value.keep_changes
    assert client.post("/api/auth/login", json={"login_id": "user1", "password": "wrong"}).status_code == 401
    with session_scope() as db:
        failed = db.scalar(select(func.count()).where(AuditEntry.action == "login_failed"))
    assert failed == 2
    verified(2)
