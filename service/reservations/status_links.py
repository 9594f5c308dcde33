"""The requester's status page link: `/api/reservations/status/<code>.<signature>`, no sign-in. The signature is
the HMAC-SHA256 of the booking's code under APP_SECRET_KEY (256 bits no one without the key can make), so a booking
has one link, the same in its SMS and in every MCP answer that sends the requester to a person, and nothing is
stored for it: asking for the link again writes nothing. A new APP_SECRET_KEY gives every booking a new link. The
link opens until EXPIRES_AFTER the booking's date, then is a 404."""

import base64
import hashlib
import hmac
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.config import get_settings
from service.errors import NotFound
from service.links import api_page
from service.reservations import labels
from service.reservations.models import Reservation

PATH = "/api/reservations/status/"
EXPIRES_AFTER = timedelta(days=30)
TOKEN_MAX = 100  # a longer path is no token of ours


def _signature(code: str) -> str:
    key = get_settings().secret_key.encode()
    digest = hmac.new(key, f"reservation-status:{code}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def link(reservation: Reservation) -> str:
    """The reservation's status page link."""
    return api_page(f"{PATH}{reservation.code}.{_signature(reservation.code)}")


def expires_at(reservation: Reservation) -> datetime:
    """Follows the booking's date when an operator moves it."""
    return reservation.desired_at + EXPIRES_AFTER


def reservation_for(db: Session, token: str, now: datetime) -> Reservation:
    """404 link_invalid for a token we did not sign, or one past its booking's date by EXPIRES_AFTER."""
    code, _, signature = token.rpartition(".")
    reservation = None
    if len(token) <= TOKEN_MAX and code and hmac.compare_digest(signature.encode(), _signature(code).encode()):
        reservation = db.scalar(select(Reservation).where(Reservation.code == code))
    if reservation is None or now >= expires_at(reservation):
        raise NotFound(labels.STATUS_LINK_INVALID, code="link_invalid")
    return reservation
