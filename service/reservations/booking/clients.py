"""API keys of the MCP clients (the AI chats that book): created once, stored as a sha256, revocable."""

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from service.audit.service import Actor
from service.errors import Conflict
from service.reservations import auditing
from service.reservations.models import McpClient

KEY_PREFIX = "qrv_"
USE_MARK = timedelta(minutes=1)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def list_clients(db: Session) -> list[McpClient]:
    return list(db.scalars(select(McpClient).order_by(McpClient.id)))


def create_client(
    db: Session, *, name: str, actor: Actor, now: datetime, key: str | None = None
) -> tuple[McpClient, str]:
    """A new client and its key (returned this once; only the hash is kept)."""
    if db.scalar(select(McpClient.id).where(McpClient.name == name)) is not None:
        raise Conflict(
            "同じ名前のMCPクライアントがあります", code="duplicate_name", details={"field": "name", "rule": "unique"}
        )
    key = key or new_key()
    client = McpClient(name=name, key_prefix=key[:12], key_hash=hash_key(key), created_by=actor.label, created_at=now)
    db.add(client)
    db.flush()
    created = {"name": name, "key_prefix": client.key_prefix}
    auditing.record(db, actor, "create_mcp_client", ("mcp_client", client.id), None, created, now)
    return client, key


def revoke_client(db: Session, *, client: McpClient, actor: Actor, now: datetime) -> None:
    if not client.active:
        return
    client.active = False
    client.revoked_at = now
    auditing.record(db, actor, "revoke_mcp_client", ("mcp_client", client.id), {"active": True}, {"active": False}, now)


def authenticate(db: Session, key: str, *, now: datetime) -> McpClient | None:
    """The active client holding this key (its last use noted at most once a minute), else None."""
    client = db.scalar(select(McpClient).where(McpClient.key_hash == hash_key(key), McpClient.active))
    if client is not None:
        db.execute(
            update(McpClient)
            .where(
                McpClient.id == client.id,
                or_(McpClient.last_used_at.is_(None), McpClient.last_used_at < now - USE_MARK),
            )
            .values(last_used_at=now)
            .execution_options(synchronize_session=False)
        )
    return client
