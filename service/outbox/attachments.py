"""E-mail attachments kept with the outbox row (one outbox_file row per distinct content), so every attempt, also after
a restart, sends the very same file."""

import hashlib
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.dialect import insert
from service.errors import ValidationFailed
from service.outbox.models import OutboxFile
from service.outbox.providers import Attachment

MAX_TOTAL_BYTES = 10 * 1024 * 1024  # below the common SMTP message limits once base64 adds its third
MAX_NAME = 200


def _reject(rule: str, message: str, **details: Any) -> ValidationFailed:
    return ValidationFailed(message, details={"field": "attachments", "rule": rule, **details})


def check(channel: str, attachments: Sequence[Attachment]) -> None:
    """Names and types must be usable in MIME headers."""
    if channel != "email":
        raise _reject("email_only", "添付ファイルはメールにのみ付けられます", channel=channel)
    for attachment in attachments:
        if not 0 < len(attachment.filename) <= MAX_NAME or "/" not in attachment.content_type:
            raise _reject("name_and_type", "添付ファイルの名前または種類が不正です", filename=attachment.filename[:50])
    total = sum(len(attachment.data) for attachment in attachments)
    if total > MAX_TOTAL_BYTES:
        raise _reject("max_bytes", "添付ファイルが大きすぎます", max_bytes=MAX_TOTAL_BYTES, bytes=total)


def store(db: Session, attachments: Sequence[Attachment]) -> list[dict[str, Any]]:
    """A concurrent writer of the same content is no conflict."""
    refs = []
    for attachment in attachments:
        digest = hashlib.sha256(attachment.data).hexdigest()
        db.execute(
            insert(db, OutboxFile)
            .values(sha256=digest, size=len(attachment.data), content=attachment.data)
            .on_conflict_do_nothing()
        )
        refs.append(
            {
                "filename": attachment.filename,
                "content_type": attachment.content_type,
                "sha256": digest,
                "size": len(attachment.data),
            }
        )
    return refs


def load(db: Session, payload: dict[str, Any]) -> tuple[Attachment, ...] | None:
    """None when one is missing (a database restored without it)."""
    refs = payload.get("attachments") or []
    if not refs:
        return ()
    contents = dict(
        db.execute(
            select(OutboxFile.sha256, OutboxFile.content).where(OutboxFile.sha256.in_({r["sha256"] for r in refs}))
        ).all()
    )
    if any(ref["sha256"] not in contents for ref in refs):
        return None
    return tuple(Attachment(ref["filename"], ref["content_type"], contents[ref["sha256"]]) for ref in refs)
