"""The requester's status page link: `/api/reservations/status/<token>`, no sign-in. The token is
`secrets.token_urlsafe(32)` (256 random bits) and only its sha256 is kept, so a link is shown once, when it is issued:
in the booking's SMS, and in each MCP answer that sends the requester to a person (a new one each time, since an
earlier one cannot be read back). Every link of a booking opens until EXPIRES_AFTER its date, then is a 404."""

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.errors import NotFound
from service.links import api_page
from service.reservations import labels
from service.reservations.models import Reservation, StatusLink

PATH = "/api/reservations/status/"
EXPIRES_AFTER = timedelta(days=30)
TOKEN_MAX = 100  # a longer path is no token of ours


def _hashed(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def issue(db: Session, reservation: Reservation, now: datetime) -> str:
    """A new link to the reservation's status page."""
    token = secrets.token_urlsafe(32)
    db.add(StatusLink(reservation_id=reservation.id, token_hash=_hashed(token), created_at=now))
    db.flush()
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
