"""API keys of the MCP clients (the AI chats that book): created once, stored as a sha256, revocable."""

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from service.audit import service as audit
from service.audit.service import Actor
from service.errors import Conflict, NotFound
from service.reservations.messages import DOMAIN
from service.reservations.models import McpClient

KEY_PREFIX = "qrv_"
USE_MARK = timedelta(minutes=1)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def list_clients(db: Session) -> list[McpClient]:
    return list(db.scalars(select(McpClient).order_by(McpClient.id)))


def get_client(db: Session, client_id: int) -> McpClient:
    client = db.get(McpClient, client_id)
    if client is None:
        raise NotFound("指定されたMCPクライアントは見つかりません", details={"resource": "mcp_client", "id": client_id})
    return client


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
    audit.record(
        db,
        actor=actor,
        action="create_mcp_client",
        domain=DOMAIN,
        target_type="mcp_client",
        target_id=client.id,
        changes=audit.diff(None, {"name": name, "key_prefix": client.key_prefix}),
        at=now,
    )
    return client, key


def revoke_client(db: Session, *, client: McpClient, actor: Actor, now: datetime) -> None:
    if not client.active:
        return
    client.active = False
    client.revoked_at = now
    audit.record(
        db,
        actor=actor,
        action="revoke_mcp_client",
        domain=DOMAIN,
        target_type="mcp_client",
        target_id=client.id,
        changes=audit.diff({"active": True}, {"active": False}),
        at=now,
    )


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
