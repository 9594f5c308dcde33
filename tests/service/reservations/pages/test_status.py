"""The requester's status page: the booking SMS links it, it opens without signing in behind a token nobody can guess
(signed with the secret key), shows that booking and no other, says what happens next and that a person has the booking
while a manual operation is open, and is a 404 page 30 days after the booking's date."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from service.database import session_scope, utcnow
from service.reservations import labels
from service.reservations.models import Reservation
from service.reservations.pages import status_links
from tests.service.reservations.conftest import answer_calls, book, deliver_due, sms_link


def move_date(code: str, days: float) -> None:
    with session_scope() as db:
        reservation = db.scalar(select(Reservation).where(Reservation.code == code))
        reservation.desired_at = utcnow() + timedelta(days=days)


@pytest.mark.dialect
def test_the_sms_link_shows_the_booking_and_what_happens_next_without_signing_in(client, catalog):
    code = book(catalog["service_id"])
    path, token = sms_link(code)
    first, again = client.get(path), client.get(path)
    assert first.status_code == again.status_code == 200 and "text/html" in first.headers["content-type"]
    assert first.headers["x-robots-tag"] == "noindex" and "no-store" in first.headers["cache-control"]
    page = first.text
    assert code in page and "ハウスクリーニング" in page and labels.STATUSES["calling"] in page
    assert labels.STATUS_NEXT["calling"] in page and labels.ESCALATION_HEADING not in page
    assert "山田太郎" not in page and "+819012345678" not in page  # nothing that names the requester
    assert again.text == page
    assert token.startswith(f"{code}.")  # the booking's code, signed


@pytest.mark.dialect
def test_each_booking_has_its_own_unguessable_token_and_a_guess_or_a_changed_one_is_a_404_page(client, catalog):
    first = book(catalog["service_id"])
    second = book(catalog["service_id"], days=6, name="佐藤花子", phone="08011112222")
    (path, token), (other_path, other_token) = sms_link(first), sms_link(second)
    assert len(token) >= 43 and token != other_token  # 256 bits each, made with the secret key
    assert re.fullmatch(r"[A-Za-z0-9_.-]+", token)
    mine, theirs = client.get(path).text, client.get(other_path).text
    assert first in mine and second not in mine and "佐藤花子" not in mine
    assert second in theirs and first not in theirs
    for guess in (token[:-1] + ("A" if token[-1] != "A" else "B"), token.upper(), "x" * 43, "x" * 500, first):
        refused = client.get(status_links.PATH + guess)
        assert refused.status_code == 404, guess
        assert labels.STATUS_LINK_INVALID in refused.text and first not in refused.text and second not in refused.text


@pytest.mark.dialect
def test_a_link_opens_until_30_days_after_the_booking_date_and_follows_a_moved_date(client, catalog):
    code = book(catalog["service_id"])
    path, _ = sms_link(code)
    move_date(code, -29.9)
    assert client.get(path).status_code == 200
    move_date(code, -30.1)
    gone = client.get(path)
    assert gone.status_code == 404 and labels.STATUS_LINK_INVALID in gone.text and code not in gone.text
    move_date(code, 3)  # moved ahead again: the same link opens again
    assert client.get(path).status_code == 200


@pytest.mark.dialect
def test_while_a_person_has_the_booking_the_page_says_so_and_why(client, catalog, monkeypatch):
    answer_calls(monkeypatch, "decline")
    code = book(catalog["service_id"])
    path, _ = sms_link(code)
    deliver_due()
    page = client.get(path).text
    assert labels.STATUSES["all_declined"] in page and labels.STATUS_NEXT["all_declined"] in page
    assert labels.ESCALATION_HEADING in page and labels.ESCALATIONS["all_shops_declined"] in page


def test_every_kind_of_manual_operation_has_words_for_the_requester_and_every_status_a_next_step():
    assert set(labels.ESCALATIONS) == set(labels.OPERATION_TYPES)
    assert set(labels.STATUS_NEXT) == set(labels.STATUSES)
