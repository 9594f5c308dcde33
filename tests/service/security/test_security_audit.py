"""The audit chain is keyed (HMAC, APP_AUDIT_KEY) and its head is published outside the database,
so a row rewritten with every later hash recomputed is caught."""

import logging
import tarfile

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select, update

from service.audit import checkpoint
from service.audit import service as audit
from service.audit.models import AuditChainHead, AuditEntry
from service.backup import service as backups
from service.config import Settings
from service.database import get_engine, session_scope, utcnow
from tests.factories import PUBLIC_ADDRESSES
from tests.service.audit.test_chain import write_entries

FORGED = {"status": {"before": "online", "after": "decommissioned"}}


def rewrite_entry_2(db, entry_hash) -> None:
    """What someone with database access does: change entry 2, then recompute every later hash and the head."""
    db.execute(update(AuditEntry).where(AuditEntry.seq == 2).values(changes=FORGED))
    db.flush()
    previous = db.scalar(select(AuditEntry.entry_hash).where(AuditEntry.seq == 1))
    for entry in db.scalars(select(AuditEntry).where(AuditEntry.seq >= 2).order_by(AuditEntry.seq)):
        entry.prev_hash = previous
        entry.entry_hash = previous = entry_hash(entry)
    db.execute(update(AuditChainHead).values(last_hash=previous))
    db.commit()


def test_a_rewrite_by_someone_without_the_key_is_caught(db):
    write_entries(4)
    rewrite_entry_2(db, audit.unkeyed)
    report = audit.verify_chain(db)
    assert (report.ok, report.first_bad_seq, report.problem) == (False, 2, "entry altered after it was written")


def test_a_rewrite_with_the_key_is_caught_by_the_head_published_outside_the_database(db, caplog):
    write_entries(4)
    with caplog.at_level(logging.INFO, logger="daicho.audit"), session_scope() as session:
        published = audit.publish_head(session)
    assert published == audit.ChainHead(4, db.scalar(select(AuditEntry.entry_hash).where(AuditEntry.seq == 4)))
    assert f"audit chain head seq=4 hash={published.hash}" in caplog.text

    rewrite_entry_2(db, audit._entry_hash)  # the key leaked too: every HMAC is right again
    assert audit.verify_chain(db).ok  # which is why the head must live outside the database
    report = audit.verify_chain(db, published=published)
    assert (report.ok, report.first_bad_seq, report.problem) == (False, 4, "entry differs from the published head")


def test_entries_removed_up_to_a_published_head_are_caught(db):
    write_entries(3)
    published = audit.chain_head(db)
    db.execute(update(AuditChainHead).values(last_seq=2))
    db.execute(AuditEntry.__table__.delete().where(AuditEntry.seq == 3))
    db.execute(
        update(AuditChainHead).values(last_hash=db.scalar(select(AuditEntry.entry_hash).where(AuditEntry.seq == 2)))
    )
    db.commit()
    assert audit.verify_chain(db).ok
    assert audit.verify_chain(db, published=published).problem == "entries removed before the published head"


@pytest.mark.embedded_only
def test_every_backup_manifest_carries_the_head(db, tmp_path):
    write_entries(2)
    path = backups.create_backup(get_engine(), folder=tmp_path, now=utcnow())
    with tarfile.open(path) as tar:
        manifest = backups.read_manifest(tar)
    assert checkpoint.read(manifest["audit_checkpoint"]) == audit.ChainHead(2, audit.chain_head(db).hash)


@pytest.mark.parametrize("key", ["", "dev-audit-key-change-me", "short-key", "s" * 40])
def test_production_needs_a_real_audit_key_apart_from_the_secret_key(key):
    production = {
        "env": "production",
        "secret_key": "s" * 40,
        "database_url": "postgresql+psycopg://daicho@db/daicho",
        "crm_card_key": Fernet.generate_key().decode(),
        **PUBLIC_ADDRESSES,
    }
    with pytest.raises(ValueError, match="APP_AUDIT_KEY"):
        Settings(**production, audit_key=key)
    assert Settings(**production, audit_key="k" * 40).audit_key == "k" * 40
