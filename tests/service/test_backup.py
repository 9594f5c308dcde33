"""Backups on the real test database (SQLite or PostgreSQL): create, wipe, restore, and the checks around them."""

import hashlib
import io
import json
import os
import stat
import tarfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import jwt
import pytest
from sqlalchemy import delete, select, update

from service.audit import checkpoint
from service.audit.models import AuditChainHead, AuditEntry
from service.audit.service import GENESIS_HASH
from service.backup import service as backups
from service.backup.databases import count_rows
from service.cli import main
from service.config import get_settings
from service.database import get_engine, session_scope
from service.identity.models import User
from service.models import metadata
from tests.conftest import pristine_copy_aside
from tests.support.database import truncate_all

UPLOADS = {
    "crm": {"ab/statement.jpg": b"\xff\xd8 a statement image", "ab/statement.thumb.jpg": b"\xff\xd8 its thumbnail"},
    "fleet": {"firmware/1.2.0.bin": bytes(range(256)) * 64},
    "archive": {"entry_logs/2024-01.jsonl.gz": b"archived rows"},
}


@pytest.fixture
def data_folder(tmp_path, monkeypatch):
    """A data folder of the test's own (the database stays where it is): uploads, archives and backups land here."""
    monkeypatch.setenv("APP_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    with pristine_copy_aside():
        yield tmp_path / "data"
    monkeypatch.undo()
    get_settings.cache_clear()


def create_user(login_id: str, capsys) -> None:
    """A user made through the CLI: a users row, its audit entry, a chain to verify."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("sys.stdin", io.StringIO("backup-pass-123\n"))
        assert main(["users", "create", login_id, "--name", login_id, "--password-stdin"]) == 0
    capsys.readouterr()


def write_uploads() -> None:
    for root, base in backups.file_roots(get_settings()).items():
        for name, data in UPLOADS[root].items():
            (base / name).parent.mkdir(parents=True, exist_ok=True)
            (base / name).write_bytes(data)


def file_sums() -> dict[str, str]:
    return {
        f"{root}/{path.relative_to(base)}": hashlib.sha256(path.read_bytes()).hexdigest()
        for root, base in backups.file_roots(get_settings()).items()
        if base.exists()
        for path in base.rglob("*")
        if path.is_file()
    }


def table_rows() -> dict[str, int]:
    with get_engine().connect() as conn:
        return count_rows(conn)


def wipe() -> None:
    """Lose everything: every table emptied, every uploaded file gone."""
    truncate_all(get_engine(), metadata)
    for base in backups.file_roots(get_settings()).values():
        for path in base.rglob("*"):
            if path.is_file():
                path.unlink()


def logins() -> list[str]:
    with session_scope() as db:
        return list(db.scalars(select(User.login_id).order_by(User.login_id)))


def make_backup(capsys) -> Path:
    assert main(["backup", "create"]) == 0
    capsys.readouterr()
    return backups.list_backups()[0].path


@pytest.mark.dialect
def test_a_backup_restored_into_a_wiped_database_brings_back_every_row_and_file(data_folder, capsys):
    create_user("alice", capsys)
    create_user("bob", capsys)
    write_uploads()
    rows, sums = table_rows(), file_sums()
    backup = make_backup(capsys)

    wipe()
    assert logins() == [] and file_sums() == {}
    assert main(["backup", "restore", str(backup)]) == 0

    output = capsys.readouterr().out
    assert "rows match the manifest" in output and "audit chain intact" in output
    assert file_sums() == sums and len(sums) == 4
    assert logins() == ["alice", "bob"]
    restored = table_rows()
    audit = AuditEntry.__tablename__
    assert restored.pop(audit) == rows.pop(audit) + 1  # the restore itself is audited
    assert restored == rows
    with session_scope() as db:
        last = db.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        assert (last.actor_type, last.action, last.target_type) == ("cli", "restore", "database")
        assert last.changes["file"]["after"] == backup.name


@pytest.mark.dialect
def test_restore_refuses_a_database_holding_data_unless_forced(data_folder, capsys):
    create_user("alice", capsys)
    write_uploads()
    backup = make_backup(capsys)
    create_user("carol", capsys)
    late_file = backups.file_roots(get_settings())["crm"] / "late.png"
    late_file.write_bytes(b"uploaded after the backup")

    assert main(["backup", "restore", str(backup)]) == 1
    assert "--force" in capsys.readouterr().err
    assert logins() == ["alice", "carol"] and late_file.exists()

    assert main(["backup", "restore", str(backup), "--force"]) == 0
    assert "audit chain intact" in capsys.readouterr().out
    assert logins() == ["alice"] and not late_file.exists()
    assert main(["audit", "verify"]) == 0


def rewrite(backup: Path, change: dict[str, bytes]) -> None:
    """Replace some members' content in place, keeping the manifest: what damage on disk looks like."""
    with tarfile.open(backup) as tar:
        members = [(m, change.get(m.name, tar.extractfile(m).read())) for m in tar]
    with tarfile.open(backup, "w") as tar:
        for member, data in members:
            member.size = len(data)
            tar.addfile(member, io.BytesIO(data))


@pytest.mark.dialect
def test_verify_names_a_damaged_file_and_restore_refuses_it_touching_nothing(data_folder, capsys):
    create_user("alice", capsys)
    write_uploads()
    backup = make_backup(capsys)
    assert main(["backup", "verify", str(backup)]) == 0
    assert "is intact" in capsys.readouterr().out

    rewrite(backup, {"files/fleet/firmware/1.2.0.bin": b"not the firmware"})
    assert main(["backup", "verify", str(backup)]) == 1
    assert "files/fleet/firmware/1.2.0.bin: SHA-256 or size differs" in capsys.readouterr().err

    wipe()
    assert main(["backup", "restore", str(backup)]) == 1
    assert "damaged" in capsys.readouterr().err
    assert logins() == [] and file_sums() == {}


def replace_checkpoint(backup: Path, token: str | None) -> None:
    """Put another audit checkpoint (None: none) in the backup's manifest."""
    with tarfile.open(backup) as tar:
        manifest = backups.read_manifest(tar)
    rewrite(backup, {backups.MANIFEST: json.dumps(manifest | {"audit_checkpoint": token}).encode()})


@pytest.mark.dialect
def test_restore_reports_a_backup_whose_audit_log_does_not_reach_its_checkpoint(data_folder, capsys):
    create_user("alice", capsys)
    create_user("bob", capsys)
    with session_scope() as db:
        taken_with_bob = checkpoint.take(db)
        db.execute(delete(AuditEntry).where(AuditEntry.seq > 1))  # bob's entry cut off, the head moved back onto 1
        first = db.scalar(select(AuditEntry.entry_hash).where(AuditEntry.seq == 1))
        db.execute(update(AuditChainHead).values(last_seq=1, last_hash=first))
    backup = make_backup(capsys)
    replace_checkpoint(backup, taken_with_bob)  # what the backup carried before its log lost an entry

    wipe()
    assert main(["backup", "restore", str(backup)]) == 1

    error = capsys.readouterr().err
    assert (
        "does not verify against the backup's checkpoint (entry 2): entries removed before the published head" in error
    )
    assert "restore another one" in error


@pytest.mark.dialect
@pytest.mark.parametrize("forged", [True, False], ids=["signed_with_another_key", "missing"])
def test_a_backup_without_a_valid_audit_checkpoint_is_refused_touching_nothing(data_folder, capsys, forged):
    create_user("alice", capsys)
    backup = make_backup(capsys)
    other_key = jwt.encode({"seq": 0, "hash": GENESIS_HASH}, b"k" * 32, algorithm="HS256")
    replace_checkpoint(backup, other_key if forged else None)

    assert main(["backup", "verify", str(backup)]) == 1
    assert "carries no valid audit checkpoint" in capsys.readouterr().err
    wipe()
    assert main(["backup", "restore", str(backup)]) == 1
    assert "carries no valid audit checkpoint" in capsys.readouterr().err
    assert logins() == []


def test_verify_refuses_what_is_not_a_backup(data_folder, tmp_path, capsys):
    stray = tmp_path / "daicho-backup-20250101T000000Z.tar"
    stray.write_bytes(b"nothing like a tar file")
    assert main(["backup", "verify", str(stray)]) == 1
    assert "cannot read backup" in capsys.readouterr().err


@pytest.mark.dialect
def test_create_to_a_folder_and_list_newest_first(data_folder, tmp_path, capsys):
    elsewhere = tmp_path / "offsite"
    assert main(["backup", "create", "--to", str(elsewhere)]) == 0
    assert str(elsewhere) in capsys.readouterr().out
    assert [b.path.parent for b in backups.list_backups(elsewhere)] == [elsewhere]
    assert main(["backup", "list"]) == 0
    assert "no backups in" in capsys.readouterr().out
    older = get_settings().backup_root / backups.backup_name(datetime(2025, 1, 1, tzinfo=UTC))
    older.parent.mkdir(parents=True)
    older.touch()
    make_backup(capsys)
    assert main(["backup", "list"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert len(listed) == 2 and listed[1].startswith(str(older))


@pytest.fixture
def usual_umask():
    """The umask most systems run with (022): files are created world-readable unless made otherwise."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.dialect
def test_a_backup_is_readable_by_its_owner_only_in_a_folder_it_creates_private(
    data_folder, tmp_path, capsys, usual_umask
):
    first = make_backup(capsys)
    assert (mode_of(first), mode_of(first.parent)) == (0o600, 0o700)
    offsite = tmp_path / "offsite" / "daicho"
    assert main(["backup", "create", "--to", str(offsite)]) == 0
    [second] = backups.list_backups(offsite)
    assert (mode_of(second.path), mode_of(offsite)) == (0o600, 0o700)
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    assert main(["backup", "create", "--to", str(shared)]) == 0
    [third] = backups.list_backups(shared)
    assert (mode_of(third.path), mode_of(shared)) == (0o600, 0o755)  # a folder the operator made keeps its mode
    assert backups.verify_backup(third.path).checkpoint.seq >= 0


def test_retention_keeps_the_newest_of_each_of_7_days_and_4_weeks(data_folder):
    folder = get_settings().backup_root
    folder.mkdir(parents=True)
    tokyo = ZoneInfo("Asia/Tokyo")
    newest = datetime(2025, 3, 30, 3, 0, tzinfo=tokyo)  # a Sunday
    for day in range(40):
        for hour in (0, 2):  # 03:00 and 01:00: only the later one of a kept day stays
            (folder / backups.backup_name(newest - timedelta(days=day, hours=hour))).touch()

    removed = backups.prune_backups()

    kept = {b.created_at.astimezone(tokyo).strftime("%m-%d %H") for b in backups.list_backups()}
    daily = {(newest - timedelta(days=day)).strftime("%m-%d %H") for day in range(7)}
    weekly = {(newest - timedelta(weeks=week)).strftime("%m-%d %H") for week in range(1, 4)}  # older Sundays
    assert kept == daily | weekly
    assert len(removed) == 80 - len(kept)


@pytest.mark.dialect
def test_metrics_report_the_age_of_the_last_good_backup(data_folder, client, capsys):
    def age() -> float:
        line = next(
            line
            for line in client.get("/metrics").text.splitlines()
            if line.startswith("daicho_backup_last_success_age_seconds ")
        )
        return float(line.split()[1])

    assert age() == float("inf")
    stale = get_settings().backup_root / backups.backup_name(datetime.now(UTC) - timedelta(days=3))
    stale.parent.mkdir(parents=True)
    stale.touch()
    assert age() >= 3 * 86400
    make_backup(capsys)
    assert age() < 86400


@pytest.mark.postgres_only
def test_postgres_backup_says_which_client_tools_are_missing(data_folder, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("APP_BACKUP_PG_BIN_DIR", str(tmp_path))
    get_settings.cache_clear()
    assert main(["backup", "create"]) == 1
    error = capsys.readouterr().err
    assert "pg_dump of PostgreSQL" in error and "postgresql-client-" in error and "APP_BACKUP_PG_BIN_DIR" in error
    assert backups.list_backups() == []
