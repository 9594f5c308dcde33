"""The rotation's archives (§8.2) kept readable: listed, searched and downloaded from the archive directory.

A request's archive name is looked up in the directory's listing, never joined to a path as given, so nothing outside it
can be reached. Only rows of the caller's 管轄 are read (by the location code starting each 拠点管理番号, which never
changes once numbers use it)."""

import gzip
import json
import os
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.errors import NotFound, unknown_reference
from service.loaners import labels
from service.loaners.archives.rotation import archive_root
from service.loaners.models import Device, Location
from service.tenancy import TenantScope, scoped

ARCHIVE_NAME = re.compile(r"rotation_(\d+)_\d{8}T\d+")
BATCH_NAME = re.compile(r"submissions_\d+-\d+\.jsonl\.gz")
CHUNK_BYTES = 256 * 1024
GZIP_WINDOW = 16 + zlib.MAX_WBITS  # zlib's gzip container
DOWNLOAD_LEVEL = 3  # as the rotation writes them


@dataclass(frozen=True)
class Archive:
    name: str
    run_id: int
    files: int
    size_bytes: int
    written_at: datetime


@dataclass(frozen=True)
class ArchiveQuery:
    device_id: int | None = None
    number: str | None = None  # part of the 拠点管理番号
    text: str | None = None  # part of any answer, the submitter's address or a status


def _batches(folder: Path) -> list[Path]:
    with os.scandir(folder) as entries:
        return sorted(Path(e.path) for e in entries if BATCH_NAME.fullmatch(e.name) and e.is_file())


def _folders() -> dict[str, Path]:
    root = archive_root()
    if not root.is_dir():
        return {}
    with os.scandir(root) as entries:
        return {e.name: Path(e.path) for e in entries if ARCHIVE_NAME.fullmatch(e.name) and e.is_dir()}


def _archive(name: str, folder: Path) -> Archive:
    batches = _batches(folder)
    sizes = [path.stat() for path in batches]
    written = max((s.st_mtime for s in sizes), default=folder.stat().st_mtime)
    return Archive(
        name=name,
        run_id=int(ARCHIVE_NAME.fullmatch(name).group(1)),  # type: ignore[union-attr]  # listed names match
        files=len(batches),
        size_bytes=sum(s.st_size for s in sizes),
        written_at=datetime.fromtimestamp(written, UTC),
    )


def list_archives() -> list[Archive]:
    return sorted((_archive(n, f) for n, f in _folders().items()), key=lambda a: (a.run_id, a.name), reverse=True)


def find_archive(name: str) -> Path:
    """404 for any other name."""
    folder = _folders().get(name)
    if folder is None:
        raise NotFound(labels.ARCHIVE_NOT_FOUND, code="not_found")
    return folder


def location_codes(db: Session, scope: TenantScope) -> frozenset[str] | None:
    """None: every location."""
    if scope.unrestricted:
        return None
    return frozenset(db.scalars(scoped(select(Location.code), scope, Location.jurisdiction)))


def device_number(db: Session, device_id: int, scope: TenantScope) -> str:
    """Else 422 on device_id."""
    stmt = scoped(
        select(Device.management_number)
        .join(Location, Location.id == Device.location_id)
        .where(Device.id == device_id),
        scope,
        Location.jurisdiction,
    )
    number = db.scalar(stmt)
    if number is None:
        raise unknown_reference(labels.UNKNOWN_DEVICE, "device_id")
    return number


def _lines(folder: Path) -> Iterator[str]:
    for path in _batches(folder):
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            yield from (line for line in lines if line.strip())


def _in_scope(record: dict[str, Any], codes: frozenset[str] | None) -> bool:
    return codes is None or str(record.get("management_number", "")).split("_", 1)[0] in codes


def _texts(record: dict[str, Any]) -> Iterator[str]:
    answers = record.get("answers") or {}
    yield from (str(value) for value in answers.values())
    for key in ("submitter_email", "status", "held_status"):
        yield str(record.get(key) or "")


def _matches(record: dict[str, Any], query: ArchiveQuery) -> bool:
    if query.device_id is not None and record.get("device_id") != query.device_id:
        return False
    if query.number and query.number.casefold() not in str(record.get("management_number", "")).casefold():
        return False
    return not query.text or any(query.text.casefold() in text.casefold() for text in _texts(record))


def _needles(query: ArchiveQuery, number: str | None) -> list[str]:
    """Folded, as escaped inside a JSON string, to skip other lines before decoding. Only ASCII: the database may have
    written other characters escaped (\\uXXXX) or not."""
    texts = (number, query.number, query.text)
    return [json.dumps(text.casefold())[1:-1] for text in texts if text and text.isascii()]


def _record(line: str) -> dict[str, Any]:
    record = json.loads(line)
    submitted = datetime.fromisoformat(str(record["submitted_at"]))
    record["submitted_at"] = submitted if submitted.tzinfo else submitted.replace(tzinfo=UTC)
    return record


def search(
    folder: Path, *, query: ArchiveQuery, number: str | None, codes: frozenset[str] | None, limit: int
) -> tuple[list[dict[str, Any]], int, bool]:
    needles = _needles(query, number)
    found: list[dict[str, Any]] = []
    scanned = 0
    for line in _lines(folder):
        scanned += 1
        folded = line.casefold()
        if any(needle not in folded for needle in needles):
            continue
        record = _record(line)
        if _in_scope(record, codes) and _matches(record, query):
            if len(found) == limit:
                return found, scanned, False
            found.append(record)
    return found, scanned, True


def download(folder: Path, *, codes: frozenset[str] | None) -> Iterator[bytes]:
    """Compressed as it is sent."""
    compressor = zlib.compressobj(DOWNLOAD_LEVEL, zlib.DEFLATED, GZIP_WINDOW)
    pending: list[bytes] = []
    size = 0
    for line in _lines(folder):
        if codes is None or _in_scope(json.loads(line), codes):
            pending.append(line.rstrip("\n").encode() + b"\n")
            size += len(pending[-1])
        if size >= CHUNK_BYTES:
            yield compressor.compress(b"".join(pending))
            pending, size = [], 0
    yield compressor.compress(b"".join(pending)) + compressor.flush()
