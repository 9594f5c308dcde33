"""Create, list, check, restore and prune backups.

A backup is one tar file: the database dump, the uploaded files, and `manifest.json` with every member's SHA-256 and
size, every table's row count and a signed checkpoint of the audit chain's head taken before the dump (a restore checks
the restored log reaches it). It is renamed into place when complete, so every file with the final name is good. It
holds personal and encrypted card data: created 0600, a folder it creates 0700."""

import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from service.audit import checkpoint
from service.audit import service as audit
from service.backup.databases import BackupFailed, backend_for, check_dump, count_rows, holds_data
from service.config import Settings, get_settings

FORMAT = 2  # 2: the audit head became a signed checkpoint
MANIFEST = "manifest.json"
PREFIX = "daicho-backup-"
SUFFIX = ".tar"
STAMP = "%Y%m%dT%H%M%SZ"
CHUNK = 1024 * 1024
PRIVATE_FILE = 0o600
PRIVATE_FOLDER = 0o700


@dataclass(frozen=True)
class BackupFile:
    path: Path
    created_at: datetime

    @property
    def size(self) -> int:
        return self.path.stat().st_size


def file_roots(settings: Settings) -> dict[str, Path]:
    """By the name they have inside the backup."""
    return {
        "crm": settings.crm_storage_root,
        "fleet": settings.data_dir / "fleet",
        "archive": settings.data_dir / "archive",
    }


def sha256_of(handle: IO[bytes]) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def _files_of(root: Path) -> Iterator[Path]:
    if root.is_dir():
        yield from sorted(path for path in root.rglob("*") if path.is_file() and not path.is_symlink())


def _add(tar: tarfile.TarFile, source: Path, name: str) -> dict:
    with source.open("rb") as handle:
        digest, size = sha256_of(handle)
    tar.add(source, arcname=name, recursive=False)
    return {"name": name, "sha256": digest, "bytes": size}


def _add_manifest(tar: tarfile.TarFile, manifest: dict) -> None:
    data = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode()
    info = tarfile.TarInfo(MANIFEST)
    info.size, info.mtime, info.mode = len(data), int(datetime.now(UTC).timestamp()), 0o600
    tar.addfile(info, io.BytesIO(data))


def _private_file(path: Path) -> IO[bytes]:
    """Mode 0600 from the moment it exists, whatever the umask."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    os.fchmod(descriptor, PRIVATE_FILE)
    return os.fdopen(descriptor, "wb")


def backup_name(at: datetime) -> str:
    return f"{PREFIX}{at.astimezone(UTC).strftime(STAMP)}{SUFFIX}"


def create_backup(engine: Engine, *, folder: Path | None = None, now: datetime) -> Path:
    """Default APP_BACKUP_DIR."""
    settings = get_settings()
    folder = folder or settings.backup_root
    folder.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
    final = folder / backup_name(now)
    if final.exists():
        raise BackupFailed(f"{final} exists already: one backup per second")
    backend = backend_for(engine)
    partial = folder / f".{final.name}.partial"
    with Session(engine) as db:
        audit_checkpoint = checkpoint.take(db)  # the dump therefore holds the entry it names
    try:
        with tempfile.TemporaryDirectory(dir=folder, prefix=".dump-") as scratch:
            dump = Path(scratch) / backend.dump_name
            rows = backend.dump(dump)
            with _private_file(partial) as out, tarfile.open(fileobj=out, mode="w") as tar:
                database = _add(tar, dump, backend.dump_name)
                files = [
                    {"root": root, **_add(tar, path, f"files/{root}/{path.relative_to(base).as_posix()}")}
                    for root, base in file_roots(settings).items()
                    for path in _files_of(base)
                ]
                _add_manifest(
                    tar,
                    {
                        "format": FORMAT,
                        "created_at": now.astimezone(UTC).isoformat(),
                        "backend": backend.name,
                        "server_version": backend.version(),
                        "database": database,
                        "files": files,
                        "rows": rows,
                        "audit_checkpoint": audit_checkpoint,
                    },
                )
        os.replace(partial, final)
    finally:
        partial.unlink(missing_ok=True)
    return final


def parse_backup_name(path: Path) -> datetime | None:
    name = path.name
    if not (name.startswith(PREFIX) and name.endswith(SUFFIX)):
        return None
    try:
        return datetime.strptime(name[len(PREFIX) : -len(SUFFIX)], STAMP).replace(tzinfo=UTC)
    except ValueError:
        return None


def list_backups(folder: Path | None = None) -> list[BackupFile]:
    folder = folder or get_settings().backup_root
    found = [BackupFile(path, at) for path in folder.glob(f"{PREFIX}*{SUFFIX}") if (at := parse_backup_name(path))]
    return sorted(found, key=lambda backup: backup.created_at, reverse=True)


def last_good_backup_age(now: datetime, folder: Path | None = None) -> float | None:
    backups = list_backups(folder)
    return (now - backups[0].created_at).total_seconds() if backups else None


def kept(backups: list[BackupFile], *, daily: int, weekly: int, tz: ZoneInfo) -> set[Path]:
    """Local time."""
    periods: list[tuple[Callable[[datetime], Hashable], int]] = [
        (lambda at: at.astimezone(tz).date(), daily),
        (lambda at: at.astimezone(tz).isocalendar()[:2], weekly),
    ]
    keep: set[Path] = set()
    for period_of, count in periods:
        seen: set[Hashable] = set()
        for backup in sorted(backups, key=lambda b: b.created_at, reverse=True):
            period = period_of(backup.created_at)
            if period not in seen and len(seen) < count:
                seen.add(period)
                keep.add(backup.path)
    return keep


def prune_backups(folder: Path | None = None) -> list[Path]:
    settings = get_settings()
    backups = list_backups(folder)
    keep = kept(
        backups, daily=settings.backup_keep_daily, weekly=settings.backup_keep_weekly, tz=ZoneInfo(settings.timezone)
    )
    removed = [backup.path for backup in backups if backup.path not in keep]
    for path in removed:
        path.unlink(missing_ok=True)
    return removed


def read_manifest(tar: tarfile.TarFile) -> dict:
    try:
        member = tar.extractfile(MANIFEST)
    except KeyError:
        raise BackupFailed(f"not a Daichō backup: no {MANIFEST}") from None
    if member is None:
        raise BackupFailed(f"not a Daichō backup: {MANIFEST} is not a file")
    manifest = json.load(member)
    if manifest.get("format") != FORMAT:
        raise BackupFailed(f"backup format {manifest.get('format')!r} is not the one this version reads ({FORMAT})")
    return manifest


def _open(path: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(path, "r:")
    except (OSError, tarfile.TarError) as exc:
        raise BackupFailed(f"cannot read backup {path}: {exc}") from None


@dataclass(frozen=True)
class CheckedBackup:
    manifest: dict
    checkpoint: audit.ChainHead

    @property
    def summary(self) -> str:
        rows = sum(self.manifest["rows"].values())
        return (
            f"{self.manifest['backend']} {self.manifest['server_version']} database "
            f"({len(self.manifest['rows'])} tables, {rows} rows, audit log to entry {self.checkpoint.seq}) "
            f"and {len(self.manifest['files'])} files"
        )


def verify_backup(path: Path) -> CheckedBackup:
    with _open(path) as tar:
        manifest = read_manifest(tar)
        head = _checkpoint_of(manifest, path)
        expected = {item["name"]: item for item in [manifest["database"], *manifest["files"]]}
        problems: list[str] = []
        seen: set[str] = set()
        for member in tar:
            if member.name == MANIFEST:
                continue
            item = expected.get(member.name)
            handle = tar.extractfile(member) if member.isfile() else None
            if item is None or handle is None:
                problems.append(f"{member.name}: not in the manifest")
                continue
            seen.add(member.name)
            digest, size = sha256_of(handle)
            if (digest, size) != (item["sha256"], item["bytes"]):
                problems.append(f"{member.name}: SHA-256 or size differs from the manifest")
        problems += [f"{name}: missing" for name in sorted(set(expected) - seen)]
        if problems:
            raise BackupFailed(f"backup {path.name} is damaged: " + "; ".join(problems[:10]), details=problems)
        with tempfile.TemporaryDirectory(prefix=".verify-", dir=path.parent) as scratch:
            dump = _extract(tar, manifest["database"]["name"], Path(scratch))
            check_dump(manifest["backend"], dump, manifest["server_version"])
    return CheckedBackup(manifest, head)


def _checkpoint_of(manifest: dict, path: Path) -> audit.ChainHead:
    try:
        return checkpoint.read(str(manifest.get("audit_checkpoint") or ""))
    except checkpoint.InvalidCheckpoint as exc:
        raise BackupFailed(f"backup {path.name} carries no valid audit checkpoint: {exc.message}") from exc


def _extract(tar: tarfile.TarFile, name: str, folder: Path) -> Path:
    tar.extract(name, folder, filter="data")
    return folder / name


@dataclass(frozen=True)
class Restored:
    manifest: dict
    rows: dict[str, int]
    checkpoint: audit.ChainHead


def restore_backup(path: Path, engine: Engine, *, force: bool) -> Restored:
    """Refuses a database that holds data unless `force`. Afterwards the row counts must match the manifest and the
    restored audit log reach the checkpoint."""
    checked = verify_backup(path)
    manifest = checked.manifest
    backend = backend_for(engine)
    if backend.name != manifest["backend"]:
        raise BackupFailed(f"this is a {manifest['backend']} backup and the database here is {backend.name}")
    with engine.connect() as conn:
        occupied = holds_data(conn)
    if occupied and not force:
        raise BackupFailed(
            "the database already holds data (users or audit entries): restoring replaces all of it; "
            "add --force to do that"
        )
    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".restore-", dir=settings.data_dir) as scratch, _open(path) as tar:
        staging = Path(scratch)
        backend.restore(_extract(tar, manifest["database"]["name"], staging))
        for item in manifest["files"]:
            _extract(tar, item["name"], staging)
        for root, target in file_roots(settings).items():
            _replace_folder(staging / "files" / root, target)
    with engine.connect() as conn:
        rows = count_rows(conn)
    if rows != manifest["rows"]:
        differ = sorted(
            name for name in set(rows) | set(manifest["rows"]) if rows.get(name) != manifest["rows"].get(name)
        )
        raise BackupFailed(f"restored, but row counts differ from the manifest in: {', '.join(differ)}", details=differ)
    _check_audit_log(engine, checked.checkpoint)
    return Restored(manifest, rows, checked.checkpoint)


def restore_audited(path: Path, engine: Engine, db: Session, *, actor: audit.Actor, force: bool) -> Restored:
    restored = restore_backup(path, engine, force=force)
    facts = {"file": path.name, "created_at": restored.manifest["created_at"], "rows": sum(restored.rows.values())}
    audit.record(
        db, actor=actor, action="restore", domain="platform", target_type="database", changes=audit.diff(None, facts)
    )
    return restored


def _check_audit_log(engine: Engine, head: audit.ChainHead) -> None:
    with engine.connect() as conn:
        report = audit.verify_chain(conn, published=head)
    if not report.ok:
        raise BackupFailed(
            f"restored, but its audit log does not verify against the backup's checkpoint (entry {head.seq}): "
            f"{report.problem} at entry {report.first_bad_seq}. The backup was altered after it was written: "
            "restore another one"
        )


def _replace_folder(source: Path, target: Path) -> None:
    """`source` may be absent: an empty folder."""
    target.parent.mkdir(parents=True, exist_ok=True)
    old = target.with_name(f".{target.name}.replaced")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    if source.is_dir():
        shutil.move(source, target)
    else:
        target.mkdir()
    shutil.rmtree(old, ignore_errors=True)
