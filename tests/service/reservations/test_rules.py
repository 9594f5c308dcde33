"""Rules in isolation: phone formats, the state machine's table, call-outcome classification, and the §4.3 alerts."""

import re
import unicodedata
from datetime import timedelta

import pytest
from sqlalchemy import select

from service.database import session_scope, utcnow
from service.errors import Conflict
from service.fields import facts
from service.outbox.service import enqueue
from service.reservations.models import Notification, Reservation, ReservationEvent, Shop
from service.reservations.monitoring import monitoring
from service.reservations.phones import PhoneFormatError, normalise_phone
from service.reservations.shops.calls import classify
from service.reservations.state_machine import FINAL, MANUAL, SYSTEM_ACTOR, TRANSITIONS, can_transition, transition
from tests.service.reservations.conftest import book, deliver_due, messages

NUMBERS = {
    "090-1234-5678": "+819012345678",
    "09012345678": "+819012345678",
    "０９０－１２３４－５６７８": "+819012345678",
    "(03) 1234-5678": "+81312345678",
    "+81 90 1234 5678": "+819012345678",
    "+1 415 555 2671": "+14155552671",
    "0120-123-456": "+81120123456",
}
NOT_NUMBERS = ["", "12-34", "12-ab", "abc", "+81 090 1234 5678", "001-234-5678", "+0123456789", "0901234567890"]


@pytest.mark.parametrize(("raw", "e164"), NUMBERS.items())
def test_phone_numbers_in_e164_and_japanese_formats_are_normalised(raw, e164):
    assert normalise_phone(raw) == e164


@pytest.mark.parametrize("raw", NOT_NUMBERS)
def test_malformed_phone_numbers_are_refused(raw):
    with pytest.raises(PhoneFormatError):
        normalise_phone(raw)


@pytest.mark.parametrize("raw", [*NUMBERS, *NOT_NUMBERS])
def test_the_phone_rule_a_form_reads_is_the_one_the_service_keeps(raw):
    """The phone columns' pattern (served in the vocabulary, checked by the forms on the text read NFKC) takes what
    normalise_phone takes, and nothing else."""
    for column in (Reservation.requester_phone, Reservation.one_off_shop_phone, Shop.phone):
        assert (re.match(facts(column).pattern, unicodedata.normalize("NFKC", raw)) is not None) == (raw in NUMBERS)


def test_every_status_is_reachable_and_final_states_only_move_forward():
    reachable, frontier = set(), {None}
    while frontier:
        current = frontier.pop()
        for target in TRANSITIONS[current] - reachable:
            reachable.add(target)
            frontier.add(target)
    assert reachable == set(TRANSITIONS) - {None}
    assert TRANSITIONS["cancelled"] == TRANSITIONS["completed"] == frozenset()
    assert not any(can_transition(state, "received") for state in TRANSITIONS if state)
    assert MANUAL <= {state for state in TRANSITIONS if can_transition(state, "calling")}
    assert FINAL.isdisjoint(MANUAL)


@pytest.mark.dialect
def test_an_illegal_transition_raises_409_and_writes_no_event(catalog):
    code = book(catalog["service_id"])
    with session_scope() as db:
        reservation = db.scalar(select(Reservation).where(Reservation.code == code))
        events = db.scalar(select(ReservationEvent.id).order_by(ReservationEvent.id.desc()))
        with pytest.raises(Conflict) as refused:
            transition(db, reservation, "confirmed", actor=SYSTEM_ACTOR, now=utcnow())
        assert refused.value.details == {"reservation": code, "from": "calling", "to": "confirmed"}
        assert reservation.status == "calling"
        assert db.scalar(select(ReservationEvent.id).order_by(ReservationEvent.id.desc())) == events


@pytest.mark.parametrize(
    ("outcome", "transcript", "expected"),
    [
        ("accept", "", "accept"),
        ("change", "", "change_request"),
        ("busy", "", "no_answer"),
        (None, "はい、大丈夫です。お待ちしております", "accept"),
        (None, "その日は満席でできません", "decline"),
        (None, "ちょっと検討します。後で連絡します", "ambiguous"),
        (None, "希望時間を30分ずらしてほしいです", "change_request"),
        (None, "もしもし？", "ambiguous"),
        (None, "", "no_answer"),
    ],
)
def test_call_outcomes_are_classified(outcome, transcript, expected):
    assert classify(outcome, transcript) == expected


NO_PERMISSION = "+15005550003"  # the sandbox's refusal for our account's missing permission: our failure
INVALID_NUMBER = "+15005550001"  # the requester's bad number


def failing_deliveries(count: int, recipient: str = NO_PERMISSION) -> None:
    with session_scope() as db:
        for _ in range(count):
            enqueue(db, channel="sms", recipient=recipient, body="x", domain="reservations", ref_type="test")
    deliver_due()


def alert(queue_length: int = 0, minutes: int = 0) -> list[str]:
    with session_scope() as db:
        return monitoring.check(db, queue_length=queue_length, now=utcnow() + timedelta(minutes=minutes))


def test_a_long_queue_is_posted_once_while_it_lasts():
    assert alert(queue_length=100) == []
    assert alert(queue_length=101) == ["queue_length"]
    assert alert(queue_length=500, minutes=10) == []
    assert alert(queue_length=500, minutes=31) == ["queue_length"]
    assert [m.body for m in messages("slack")][0] == "予約キューが溜まっています（101件）"


@pytest.mark.dialect
def test_requesters_invalid_numbers_do_not_count_as_errors():
    failing_deliveries(20, INVALID_NUMBER)
    failing_deliveries(1)
    assert alert() == []  # 1 of our failures in 21 attempts
    failing_deliveries(1)
    assert alert() == ["error_rate"]


@pytest.mark.dialect
def test_an_error_rate_over_five_percent_is_posted_when_enough_was_sent():
    failing_deliveries(19)
    assert alert() == []  # 19 attempts: too few to mean anything
    failing_deliveries(1)
    assert alert() == ["error_rate"]
    with session_scope() as db:
        notification = db.scalar(select(Notification).where(Notification.kind == "error_rate"))
        assert notification.message.startswith("エラーが多発しています（直近5分 100.0%")
