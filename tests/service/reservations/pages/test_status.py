"""The requester's status page: the booking SMS links it, it opens without signing in behind a token nobody can guess
(signed with the secret key), shows that booking and no other, says what happens next and that a person has the booking
while a manual operation is open, and is a 404 page 30 days after the booking's date."""

import html
import re
from datetime import UTC, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from service.database import session_scope, utcnow
from service.reservations import labels, messages, status_links
from service.reservations.messages import when_text
from service.reservations.models import CallAttempt, ManualOperation, Reservation, Shop
from tests.service.reservations.conftest import answer_calls, book, deliver_due, sms_link, state
from tests.service.reservations.conftest import messages as outbox


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
    assert labels.STATUSES["all_declined"] in page and labels.STATUS_NEXT["all_declined"] not in page  # one message
    assert labels.ESCALATION_HEADING in page and labels.ESCALATIONS["all_shops_declined"] in page
    assert labels.STATUS_NEXT_HEADING not in page


def cancel_link(page: str) -> str | None:
    """The path and query of the page's cancel link, if it has one."""
    found = re.search(r'<a href="([^"]+)">' + labels.STATUS_CANCEL_LINK, page)
    return urlsplit(html.unescape(found.group(1)))._replace(scheme="", netloc="").geturl() if found else None


def first_call_at(code: str):
    with session_scope() as db:
        return db.scalar(
            select(func.min(CallAttempt.created_at)).join(Reservation).where(Reservation.code == code)
        ).replace(tzinfo=UTC)


@pytest.mark.dialect
def test_the_page_says_one_next_step_by_when_the_requester_hears_and_a_cancel_link_that_cancels_once(client, catalog):
    code = book(catalog["service_id"])
    path, _ = sms_link(code)
    page = client.get(path).text
    assert labels.STATUS_NEXT["calling"] in page and labels.ESCALATION_HEADING not in page
    assert "お問い合わせできない" not in page
    answered_by = first_call_at(code) + 2 * 3 * timedelta(minutes=15) + timedelta(minutes=30)  # 3 shops, 2 rounds
    assert labels.STATUS_HEAR_BY.format(when=when_text(answered_by)) in page
    with session_scope() as db:
        deadline = db.scalar(select(Reservation.cancel_deadline_at).where(Reservation.code == code))
    assert labels.STATUS_CANCEL.format(deadline=when_text(deadline)) in page
    link = cancel_link(page)
    assert link is not None and messages.cancel_url(code).endswith(link)  # the SMS's link (service/links.py)

    form = client.get(link)
    assert form.status_code == 200 and labels.CANCEL_BUTTON in form.text
    token = parse_qs(urlsplit(link).query)["token"][0]
    first, again = (client.post(urlsplit(link).path, data={"token": token}) for _ in range(2))
    assert first.status_code == 200 and labels.CANCEL_DONE in first.text
    assert again.status_code == 200 and labels.ALREADY_CANCELLED in again.text  # a second tap cancels nothing twice
    assert state(code) == "cancelled"
    assert len([m for m in outbox("sms", code) if "キャンセルしました" in m.body]) == 1

    after = client.get(path).text
    assert labels.STATUS_NEXT["cancelled"] in after and cancel_link(after) is None and "までにご連絡します" not in after


@pytest.mark.dialect
def test_booked_within_the_deadline_the_page_has_no_cancel_link(client, catalog):
    code = book(catalog["service_id"], days=1)
    page = client.get(sms_link(code)[0]).text
    assert cancel_link(page) is None and labels.STATUS_CANCEL_LINK not in page


@pytest.mark.dialect
def test_while_no_shop_can_be_called_the_page_says_only_that_a_person_answers_by_the_target(client, catalog):
    with session_scope() as db:
        for shop in db.scalars(select(Shop)):
            shop.auto_calls_stopped_at = utcnow()
    code = book(catalog["service_id"])
    with session_scope() as db:
        due_at = db.scalar(select(ManualOperation.due_at).join(Reservation).where(Reservation.code == code))
    page = client.get(sms_link(code)[0]).text
    assert labels.ESCALATIONS["shops_unavailable"] in page
    assert "順に電話で確認" not in page and labels.STATUS_NEXT_HEADING not in page
    assert labels.STATUS_HEAR_BY.format(when=when_text(due_at.replace(tzinfo=UTC))) in page
    assert cancel_link(page) is not None


def test_every_kind_of_manual_operation_has_words_for_the_requester_and_every_status_a_next_step():
    assert set(labels.ESCALATIONS) == set(labels.OPERATION_TYPES)
    assert set(labels.STATUS_NEXT) == set(labels.STATUSES)
