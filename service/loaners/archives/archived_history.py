"""A device's archived submissions: only the few blocks (`ArchiveBlock`) that may hold its rows are read, each one gzip
member at its offset. An archive gone (removed by hand) is skipped with a warning."""

import gzip
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.loaners.archives.rotation import archive_root
from service.loaners.models import ArchiveBlock, Device, Rotation

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ArchivedRow:
    id: int
    device_id: int
    form_id: int
    submitted_at: datetime
    submitter_email: str
    status: str | None
    held_status: str | None
    answers: dict[str, Any]
    source: str
    archived: bool = True


def _block_text(path: Path, offset: int, length: int) -> str:
    with open(path, "rb") as file:
        file.seek(offset)
        return gzip.decompress(file.read(length)).decode()


def _row(record: dict[str, Any]) -> ArchivedRow:
    submitted = datetime.fromisoformat(str(record["submitted_at"]))
    return ArchivedRow(
        id=int(record["id"]),
        device_id=int(record["device_id"]),
        form_id=int(record["form_id"]),
        submitted_at=submitted if submitted.tzinfo else submitted.replace(tzinfo=UTC),
        submitter_email=str(record.get("submitter_email") or ""),
        status=record.get("status"),
        held_status=record.get("held_status"),
        answers={str(key): str(value) for key, value in (record.get("answers") or {}).items()},
        source=str(record.get("source") or "form"),
    )


def archived_rows(db: Session, device: Device) -> list[ArchivedRow]:
    """By time, then id, as the history orders."""
    blocks = db.execute(
        select(ArchiveBlock.file_name, ArchiveBlock.byte_offset, ArchiveBlock.byte_length, Rotation.archive_folder)
        .join(Rotation, Rotation.id == ArchiveBlock.rotation_id)
        .where(ArchiveBlock.first_device_id <= device.id, ArchiveBlock.last_device_id >= device.id)
        .order_by(ArchiveBlock.id)
    ).all()
    needle = json.dumps(device.management_number)  # quoted: skips other devices' lines undecoded
    found: list[ArchivedRow] = []
    for block in blocks:
        path = archive_root() / Path(block.archive_folder).name / block.file_name
        try:
            text = _block_text(path, block.byte_offset, block.byte_length)
        except FileNotFoundError:
            log.warning("loaners archive block missing: %s at %s", path, block.byte_offset)
            continue
        for line in text.splitlines():
            if needle in line:
                record = json.loads(line)
                if record.get("device_id") == device.id:
                    found.append(_row(record))
    return sorted(found, key=lambda row: (row.submitted_at, row.id), reverse=True)
