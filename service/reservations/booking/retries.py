"""Retry-safe MCP writes: a request an AI client sends again answers what the first one did.

Within KEY_KEPT, the same idempotency_key with the same arguments answers the first request's reservation as a repeat;
with other arguments it is refused. A booking without a key is keyed by the booking's identity: within IDENTICAL_KEPT an
identical booking answers the existing reservation (no second SMS or call round), but never what only the first caller
was given (the cancellation token): only the key proves the caller is the first.

Each write is a row unique per (client, key), inserted before the work and committed with it: a retry arriving while the
first runs waits on the unique index (PostgreSQL) or the write lock (SQLite), then finds its row. A request touches its
own key's row only, so a client's bookings under different keys never wait on each other; the rows that expired are
removed hourly (`purge`, the `reservations.purge_request_keys` task)."""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.database import affected_rows
from service.errors import Conflict
from service.reservations import labels
from service.reservations.booking.schemas import ReservationCreate
from service.reservations.models import McpRequest, Reservation

KEY_KEPT = timedelta(hours=24)
IDENTICAL_KEPT = timedelta(minutes=10)


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


@dataclass(frozen=True)
class RequestKey:
    name: str
    kept: timedelta
    arguments: dict[str, Any]
    own: bool  # a repeat may be given the first answer whole


def keyed(idempotency_key: str, arguments: dict[str, Any]) -> RequestKey:
    return RequestKey(f"key:{idempotency_key}", KEY_KEPT, arguments, own=True)


def booking_request(idempotency_key: str, data: ReservationCreate) -> RequestKey:
    """Another requester of the same phone is another booking."""
    if idempotency_key:
        return keyed(idempotency_key, data.model_dump(mode="json"))
    same_booking = {
        "name": data.requester_name,
        "phone": data.requester_phone,
        "service": data.service_type_id,
        "at": data.desired_at.isoformat(),
    }
    return RequestKey(f"same:{_digest(same_booking)}", IDENTICAL_KEPT, same_booking, own=False)


def _earlier(db: Session, client_id: int, key: str, now: datetime) -> McpRequest | None:
    return db.scalar(
        select(McpRequest).where(
            McpRequest.mcp_client_id == client_id, McpRequest.request_key == key, McpRequest.expires_at > now
        )
    )


def _gone(now: datetime) -> ColumnElement[bool]:
    """Expired, or refused but kept."""
    return or_(McpRequest.expires_at <= now, McpRequest.reservation_id.is_(None))


def purge(db: Session, *, now: datetime) -> int:
    """Every client's rows that no longer answer a retry."""
    return affected_rows(db.execute(delete(McpRequest).where(McpRequest.expires_at <= now)))


def _answered(earlier: McpRequest, tool: str, arguments_hash: str, db: Session) -> Reservation:
    if earlier.tool != tool or earlier.arguments_hash != arguments_hash:
        raise Conflict(
            labels.IDEMPOTENCY_KEY_REUSED,
            code="idempotency_key_reused",
            details={"field": "idempotency_key", "rule": "same_arguments"},
        )
    reservation = db.get(Reservation, earlier.reservation_id)
    assert reservation is not None  # ON DELETE CASCADE
    return reservation


def once(
    db: Session,
    *,
    client_id: int,
    key: RequestKey,
    tool: str,
    now: datetime,
    write: Callable[[], Reservation],
) -> tuple[Reservation, bool]:
    """Answers (its reservation, whether it is a repeat)."""
    request_key, arguments_hash = key.name, _digest(key.arguments)
    earlier = _earlier(db, client_id, request_key, now)
    if earlier is not None and earlier.reservation_id is not None:
        return _answered(earlier, tool, arguments_hash, db), True
    db.execute(
        delete(McpRequest).where(
            McpRequest.mcp_client_id == client_id, McpRequest.request_key == request_key, _gone(now)
        )
    )
    request = McpRequest(
        mcp_client_id=client_id,
        request_key=request_key,
        tool=tool,
        arguments_hash=arguments_hash,
        created_at=now,
        expires_at=now + key.kept,
    )
    try:
        with db.begin_nested():
            db.add(request)
            db.flush()
    except IntegrityError:  # the same request, sent again while the first ran, committed first
        earlier = _earlier(db, client_id, request_key, now)
        assert earlier is not None
        return _answered(earlier, tool, arguments_hash, db), True
    reservation = write()
    request.reservation_id = reservation.id
    db.flush()
    return reservation, False
