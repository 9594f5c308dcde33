"""The requester's status page link: `/api/reservations/status/<token>`, no sign-in. A booking has one link: its
token is the HMAC-SHA256 of the booking under APP_SECRET_KEY (256 bits no one without the key can make), the same in
the booking's SMS and in every MCP answer that sends the requester to a person, and a row keeps its sha256 to find the
booking by. Asking for the link again writes nothing; a new APP_SECRET_KEY gives every booking a new link. The link
opens until EXPIRES_AFTER the booking's date, then is a 404."""

import base64
import hashlib
import hmac
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.config import get_settings
from service.dialect import insert
from service.errors import NotFound
from service.links import api_page
from service.reservations import labels
from service.reservations.models import Reservation, StatusLink

PATH = "/api/reservations/status/"
EXPIRES_AFTER = timedelta(days=30)
TOKEN_MAX = 100  # a longer path is no token of ours


def _hashed(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _token(reservation: Reservation) -> str:
    key = get_settings().secret_key.encode()
    digest = hmac.new(key, f"reservation-status:{reservation.id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def issue(db: Session, reservation: Reservation, now: datetime) -> str:
    """The reservation's status page link, its row written the first time it is asked for."""
    token = _token(reservation)
    row = {"reservation_id": reservation.id, "token_hash": _hashed(token), "created_at": now}
    db.execute(insert(db, StatusLink.__table__).values(row).on_conflict_do_nothing(index_elements=["token_hash"]))
    return api_page(PATH + token)


def expires_at(reservation: Reservation) -> datetime:
    """Follows the booking's date when an operator moves it."""
    return reservation.desired_at + EXPIRES_AFTER


def reservation_for(db: Session, token: str, now: datetime) -> Reservation:
    """404 link_invalid for a token never issued, or one past its booking's date by EXPIRES_AFTER."""
    reservation = None
    if len(token) <= TOKEN_MAX:
        reservation = db.scalar(
            select(Reservation)
            .join(StatusLink, StatusLink.reservation_id == Reservation.id)
            .where(StatusLink.token_hash == _hashed(token))
        )
    if reservation is None or now >= expires_at(reservation):
        raise NotFound(labels.STATUS_LINK_INVALID, code="link_invalid")
    return reservation
