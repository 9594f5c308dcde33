"""An audit chain written before it was keyed (plain SHA-256) is verified and rehashed
under APP_AUDIT_KEY by a migration, so it keeps verifying; `audit rekey` rotates the key the same way."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Engine, insert, select, update

from service.audit import service as audit
from service.audit.models import AuditChainHead, AuditEntry
from service.cli import main
from service.config import get_settings
from service.database import session_scope
from tests.service import test_migrations
from tests.service.audit.test_chain import write_entries
from tests.support.database import alembic_config

UPGRADE = "0018_audit_chain_keyed"
BEFORE_UPGRADE = ScriptDirectory.from_config(alembic_config()).get_revision(UPGRADE).down_revision
OLD_KEY, NEW_KEY = "old-audit-key-kept-outside-the-database", "new-audit-key-kept-outside-the-database"
scratch_engine = test_migrations.scratch_engine


def migrate(engine: Engine, revision: str) -> None:
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), revision)


def append(conn, hasher: audit.Hasher, changes: dict) -> None:
    """Append one entry the way the code of the time did, hashed with `hasher`, and move the head."""
    seq, prev = conn.execute(select(AuditChainHead.last_seq, AuditChainHead.last_hash)).one()
    entry = SimpleNamespace(
        seq=seq + 1,
        occurred_at=datetime(2026, 11, 1, 9, 30, 15, 123456, tzinfo=UTC) + timedelta(minutes=seq),
        actor_type="user",
        actor_id="7",
        actor_label="田中",
        client_address="192.0.2.1",
        request_id=None,
        action="update",
        domain="fleet",
        target_type="terminal",
        target_id=str(seq),
        changes=changes,
        prev_hash=prev,
    )
    entry.entry_hash = hasher(entry)
    conn.execute(insert(AuditEntry).values(**vars(entry)))
    conn.execute(update(AuditChainHead).values(last_seq=entry.seq, last_hash=entry.entry_hash))


def old_chain(engine: Engine, *hashers: audit.Hasher) -> None:
    """A database at the revision before the upgrade whose chain was written with these hashes, one entry each."""
    migrate(engine, BEFORE_UPGRADE)
    with engine.begin() as conn:
        for n, hasher in enumerate(hashers):
            append(conn, hasher, {"status": {"before": "online", "after": f"オフライン{n}"}})


def verify(engine: Engine) -> audit.ChainReport:
    with engine.connect() as conn:
        return audit.verify_chain(conn, batch=2)


def contents(engine: Engine) -> list:
    """What the entries say, apart from their hashes."""
    with engine.connect() as conn:
        return conn.execute(select(AuditEntry.seq, AuditEntry.occurred_at, AuditEntry.changes).order_by("seq")).all()


@pytest.mark.dialect
def test_an_unkeyed_chain_is_rehashed_by_the_upgrade_and_verifies(scratch_engine):
    old_chain(scratch_engine, *[audit.unkeyed] * 5)
    assert verify(scratch_engine).first_bad_seq == 1  # what every existing database saw with the keyed code
    before = contents(scratch_engine)

    migrate(scratch_engine, UPGRADE)

    assert verify(scratch_engine) == audit.ChainReport(True, 5)
    assert contents(scratch_engine) == before


@pytest.mark.dialect
def test_a_chain_the_keyed_code_already_extended_is_rehashed_too(scratch_engine):
    key = audit.keyed(get_settings().audit_key)
    old_chain(scratch_engine, audit.unkeyed, audit.unkeyed, key, key)
    migrate(scratch_engine, UPGRADE)
    assert verify(scratch_engine) == audit.ChainReport(True, 4)


@pytest.mark.dialect
def test_a_broken_unkeyed_chain_refuses_the_upgrade_and_is_left_as_it_was(scratch_engine):
    old_chain(scratch_engine, *[audit.unkeyed] * 4)
    with scratch_engine.begin() as conn:
        conn.execute(update(AuditEntry).where(AuditEntry.seq == 3).values(actor_label="someone-else"))
        before = conn.execute(select(AuditEntry.seq, AuditEntry.entry_hash).order_by(AuditEntry.seq)).all()

    with pytest.raises(CommandError, match="broken at entry 3: entry altered after it was written.*backup restore"):
        migrate(scratch_engine, UPGRADE)

    with scratch_engine.connect() as conn:
        assert conn.execute(select(AuditEntry.seq, AuditEntry.entry_hash).order_by(AuditEntry.seq)).all() == before
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == BEFORE_UPGRADE


@pytest.fixture
def audit_key(monkeypatch):
    """Set APP_AUDIT_KEY for in-process code and commands; the settings cache is rebuilt around it."""

    def use(key: str) -> None:
        monkeypatch.setenv("APP_AUDIT_KEY", key)
        get_settings.cache_clear()

    yield use
    monkeypatch.undo()
    get_settings.cache_clear()


def test_rekey_verifies_under_the_old_key_and_rehashes_under_the_new(audit_key, monkeypatch, capsys):
    audit_key(OLD_KEY)
    write_entries(3)
    monkeypatch.setenv("DAICHO_OLD_AUDIT_KEY", OLD_KEY)
    audit_key(NEW_KEY)
    assert main(["audit", "verify"]) == 1

    assert main(["audit", "rekey", "--old-key-env", "DAICHO_OLD_AUDIT_KEY"]) == 0
    assert "rehashed under the new key: 3 entries; new head seq=4" in capsys.readouterr().out
    assert main(["audit", "verify"]) == 0
    assert "4 entries verified" in capsys.readouterr().out
    with session_scope() as db:
        rekey = db.scalars(select(AuditEntry).where(AuditEntry.seq == 4)).one()
        assert (rekey.actor_type, rekey.action, rekey.changes) == (
            "cli",
            "rekey",
            {"entries": {"before": None, "after": 3}},
        )
        assert OLD_KEY not in str(rekey.changes) and NEW_KEY not in str(rekey.changes)


def test_rekey_with_the_wrong_old_key_changes_nothing(audit_key, monkeypatch, capsys):
    audit_key(OLD_KEY)
    write_entries(2)
    monkeypatch.setenv("DAICHO_OLD_AUDIT_KEY", "not-the-key-it-was-written-with-123")
    audit_key(NEW_KEY)

    assert main(["audit", "rekey", "--old-key-env", "DAICHO_OLD_AUDIT_KEY"]) == 1
    assert "broken at entry 1" in capsys.readouterr().err
    audit_key(OLD_KEY)
    assert main(["audit", "verify"]) == 0
    assert "2 entries verified" in capsys.readouterr().out


def test_rekey_needs_the_old_key_apart_from_the_current_one(audit_key, monkeypatch, capsys):
    audit_key(NEW_KEY)
    assert main(["audit", "rekey", "--old-key-env", "DAICHO_OLD_AUDIT_KEY"]) == 1
    assert "set DAICHO_OLD_AUDIT_KEY to the audit key" in capsys.readouterr().err
    monkeypatch.setenv("DAICHO_OLD_AUDIT_KEY", NEW_KEY)
    assert main(["audit", "rekey", "--old-key-env", "DAICHO_OLD_AUDIT_KEY"]) == 1
    assert "holds the current APP_AUDIT_KEY" in capsys.readouterr().err


def test_a_rehash_goes_batch_by_batch_in_sequence_order(db):
    write_entries(5)
    old, new = audit.keyed(get_settings().audit_key), audit.keyed(NEW_KEY)
    assert audit.rehash_chain(db, written_with=(old,), new=new, batch=2) == audit.chain_head(db)
    db.commit()
    assert audit._check(db, (new,), None, 2) == audit.ChainReport(True, 5)
