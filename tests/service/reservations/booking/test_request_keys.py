"""An AI client's request keys (booking/retries.py): a key answers its first request until it expires and books anew
after; a request touches its own key's row only, so one client's bookings under other keys never wait on each other;
the hourly purge removes what expired, every client's."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from jobs.reservations import purge_request_keys
from jobs.schedule import BEAT_SCHEDULE
from service.database import session_scope, utcnow
from service.reservations.booking import retries
from service.reservations.models import McpRequest, Reservation
from service.task_queues import BULK, TASK_CLASSES
from tests.service.reservations.conftest import book, catalog, make_mcp_client  # noqa: F401 (a fixture)
from tests.support.clock import clock_at

KEY_DAY = retries.KEY_KEPT + timedelta(minutes=1)


def answered(client_id: int, key: str, code: str) -> tuple[str, bool]:
    """Send the request `key` (one set of arguments) now; a write books `code`. Its reservation's code, and whether it
    was a repeat."""
    with session_scope() as db:
        reservation, repeat = retries.once(
            db,
            client_id=client_id,
            key=retries.keyed(key, {"service": 1}),
            tool="create_reservation",
            now=utcnow(),
            write=lambda: db.scalars(select(Reservation).where(Reservation.code == code)).one(),
        )
        return reservation.code, repeat


def keys_kept(client_id: int) -> list[str]:
    with session_scope() as db:
        found = select(McpRequest.request_key).where(McpRequest.mcp_client_id == client_id)
        return sorted(db.scalars(found))


@pytest.mark.dialect  # booking takes the client's quota lock
def test_a_key_answers_its_first_request_for_a_day_then_books_anew_and_leaves_other_keys_to_the_purge(catalog):  # noqa: F811
    client_id, _ = make_mcp_client()
    other_client, _ = make_mcp_client("other-chat")
    first, second, third, fourth = (book(catalog["service_id"], days=5 + n) for n in range(4))
    start = utcnow()
    with clock_at(start):
        booked = [answered(client_id, "a", first), answered(client_id, "b", second), answered(other_client, "a", third)]
    with clock_at(start + timedelta(hours=1)):
        within_the_day = answered(client_id, "a", fourth)
    with clock_at(start + KEY_DAY):
        after_the_day = answered(client_id, "a", fourth)
        kept_before_purge = keys_kept(client_id), keys_kept(other_client)
        purged = purge_request_keys()
        kept_after_purge = keys_kept(client_id), keys_kept(other_client)

    assert booked == [(first, False), (second, False), (third, False)]
    assert (within_the_day, after_the_day) == ((first, True), (fourth, False))
    assert kept_before_purge == (["key:a", "key:b"], ["key:a"])  # b's expired row: not this request's to touch
    assert (purged, kept_after_purge) == (2, (["key:a"], []))
    assert BEAT_SCHEDULE["reservations.purge_request_keys"]["schedule"] == timedelta(hours=1)
    assert TASK_CLASSES["reservations.purge_request_keys"] == BULK
