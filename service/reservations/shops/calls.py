"""Automated calls to partner shops: who is called next (in call order, up to 2 rounds), and what an answer means.

Round 1 calls every active shop offering the service and open at the reservation's time; round 2 calls again only the
shops not reached (no answer, a machine, not placed), each no sooner than APP_RESERVATIONS_ROUND_TWO_WAIT_MINUTES after
its first call. Only calls about the current date count, so a changed date starts over.

Both rounds without a yes is 全店NG (§2.2.1); when not one call reached a shop's line it is §5.2.2's
「電話発信が全く動作 しない」 and, over two shops or more, a High incident. A machine on the line is never an answer,
whatever its greeting says: the provider's answering-machine detection decides before any reading of the words."""

import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.audit.service import Actor
from service.config import get_settings
from service.outbox.delivery import failure_text
from service.outbox.models import InboundEvent, OutboxMessage
from service.outbox.service import enqueue, withdraw
from service.reservations import handover, holds, labels, messages, payments
from service.reservations.incidents import incidents
from service.reservations.kinds import CallResult
from service.reservations.messages import DOMAIN
from service.reservations.models import CallAttempt, Reservation, Shop
from service.reservations.shops import budget, call_figures, catalog, hours
from service.reservations.state_machine import SYSTEM_ACTOR, EventActor, locked, transition

AI_ACTOR = EventActor("ai", "voice-ai")
KEY_PRESS = Actor(type="webhook", label="voice")  # the shop's key, as the voice provider's webhook reports it
OUTCOMES = tuple(labels.CALL_OUTCOMES)
UNREACHED = ("no_answer", "machine", "failed")
NOT_CONNECTED = ("no_answer", "failed")  # a machine on it did
CALLS_DOWN_MIN_SHOPS = 2  # one shop not answering is that shop (§5.2.4 Low); more, the phone side (§5.2.2 High)
ALIASES = {"change": "change_request", "busy": "no_answer", "no-answer": "no_answer", "canceled": "failed"}
# A transcript without a structured outcome, read as the spec describes the answers (§2.2.4, §2.2.5).
KEYWORDS = (
    ("change_request", re.compile(r"ずらし|変更|変えて|時間を.*(早|遅)|サイズ")),
    ("ambiguous", re.compile(r"検討|後で|のちほど|折り返し|確認して|わかりません|分かりません")),
    ("decline", re.compile(r"できません|無理|満席|埋まって|お断り|難しい|休み")),
    ("accept", re.compile(r"大丈夫|承知|かしこまり|お待ちして|可能です|できます|OK|ok")),
)
BATCH = 200
# Holds waited out however long, when they end before the reservation's time: round 2's wait, and a shop closed now
# (after hours, 定休日) that opens in time. A budget spent waits only APP_RESERVATIONS_SHOP_WAIT_MAX_MINUTES.
WAITED_FOR = ("round_two_wait", "closed")


def is_machine(answered_by: str | None) -> bool:
    return (answered_by or "").lower().startswith(("machine", "fax"))


def classify(outcome: str | None, transcript: str = "", answered_by: str | None = None) -> str:
    """Unclear means ambiguous."""
    if is_machine(answered_by):
        return "machine"
    name = ALIASES.get((outcome or "").lower(), (outcome or "").lower())
    if name in OUTCOMES:
        return name
    if not transcript.strip():
        return "no_answer"
    for result, pattern in KEYWORDS:
        if pattern.search(transcript):
            return result
    return "ambiguous"


def eligible_shops(db: Session, reservation: Reservation) -> list[Shop]:
    shops = catalog.call_list(db, reservation.service_type_id)
    return hours.open_shops(shops, reservation.desired_at, reservation.service_type.duration_minutes)


@dataclass(frozen=True)
class NextCall:
    shop: Shop
    round: int
    ready_at: datetime | None = None  # round 2: its wait after the first call


@dataclass(frozen=True)
class Plan:
    """The call to place now, if any, and the shops passed over with why."""

    call: NextCall | None
    held: tuple[tuple[NextCall, budget.Hold], ...]


def round_two_wait() -> timedelta:
    return timedelta(minutes=get_settings().reservations_round_two_wait_minutes)


def candidates(db: Session, reservation: Reservation) -> list[NextCall]:
    """Round 1's shops not yet called about the date, then round 2's: empty when both rounds are exhausted."""
    attempts = db.execute(
        select(CallAttempt.shop_id, CallAttempt.round, CallAttempt.outcome, CallAttempt.answered_at).where(
            CallAttempt.reservation_id == reservation.id, CallAttempt.desired_at == reservation.desired_at
        )
    ).all()
    called: dict[int, list] = {}
    for attempt in attempts:
        called.setdefault(attempt.shop_id, []).append(attempt)
    shops = eligible_shops(db, reservation)
    first = [NextCall(shop, 1) for shop in shops if shop.id not in called]
    second = [
        NextCall(shop, 2, max(a.answered_at for a in called[shop.id]) + round_two_wait())
        for shop in shops
        if shop.id in called and all(a.round == 1 and a.outcome in UNREACHED for a in called[shop.id])
    ]
    return first + second


def hold_of(db: Session, candidate: NextCall, *, now: datetime) -> budget.Hold | None:
    found = budget.hold(db, candidate.shop, now=now)
    if found is None and candidate.ready_at is not None and candidate.ready_at > now:
        return budget.Hold("round_two_wait", hours.next_opening(candidate.shop, candidate.ready_at))
    return found


def next_shop(db: Session, reservation: Reservation, *, now: datetime) -> Plan:
    """The first shop in order that may be called now, locked, and those passed over before it."""
    held: list[tuple[NextCall, budget.Hold]] = []
    for candidate in candidates(db, reservation):
        found = hold_of(db, candidate, now=now)
        if found is None:
            budget.lock(db, candidate.shop)
            found = hold_of(db, candidate, now=now)
        if found is None:
            return Plan(candidate, tuple(held))
        held.append((candidate, found))
    return Plan(None, tuple(held))


def place_next_call(db: Session, reservation: Reservation, *, now: datetime) -> CallAttempt | None:
    """A shop that cannot be called now is passed over (each with its reason); when none can, the request waits for the
    first that can before the reservation's time (round 2's wait, the first shop's opening after its hours or 定休日,
    or up to APP_RESERVATIONS_SHOP_WAIT_MAX_MINUTES for budgets: the sweeper calls then), else goes to 手動対応キュー;
    with no shop left to call, it is 全店NG."""
    plan = next_shop(db, reservation, now=now)
    for candidate, held in plan.held:
        budget.record(db, reservation, "skipped", held.reason, shop=candidate.shop, now=now)
    if plan.call is None:
        reservation.next_call_at = None
        wait_or_queue(db, reservation, plan.held, now=now)
        return None
    reservation.next_call_at = None
    return place_call(db, reservation, plan.call, now=now)


def wait_or_queue(
    db: Session, reservation: Reservation, held: tuple[tuple[NextCall, budget.Hold], ...], *, now: datetime
) -> None:
    if not held:
        declined(db, reservation, now=now)
        return
    # a shop free only once the reservation's time has come is no shop for it
    waits = sorted(
        (h for _, h in held if h.until is not None and h.until < reservation.desired_at), key=lambda h: h.until or now
    )
    limit = now + timedelta(minutes=get_settings().reservations_shop_wait_max_minutes)
    first = waits[0] if waits else None
    if first is not None and first.until is not None and (first.reason in WAITED_FOR or first.until <= limit):
        reservation.next_call_at = first.until
        budget.record(db, reservation, "waits", first.reason, now=now)
        return
    reservation.next_call_at = first.until if first else None  # automation resumes then unless a person acts first
    budget.record(db, reservation, "queued", "no_shop_callable", now=now)
    shops = "、".join(
        labels.SHOP_HELD.format(shop=candidate.shop.name, reason=labels.CALL_DECISION_REASONS[h.reason])
        for candidate, h in held
    )
    operation = handover.open_operation(
        db, reservation, "shops_unavailable", reason=labels.SHOPS_UNAVAILABLE.format(shops=shops), now=now
    )
    messages.sms_to_requester(
        db,
        reservation,
        f"shops-unavailable:{operation.id}",
        labels.SMS_SHOPS_UNAVAILABLE.format(code=reservation.code, when=messages.when_text(operation.due_at)),
    )


def waiting_for_opening(db: Session, reservation: Reservation) -> datetime | None:
    """The shops' opening the request waits for (its calls start then), if it waits for one."""
    if reservation.status != "calling" or reservation.next_call_at is None:
        return None
    return reservation.next_call_at if budget.last_decision(db, reservation, None) == ("waits", "closed") else None


def answer_by(db: Session, reservation: Reservation, *, now: datetime) -> datetime:
    """By when the calls about the reservation's date will have an answer for the requester: from their first call
    (or the time they wait for), each shop called in both rounds until its call times out, and round 2's wait."""
    first_call = db.scalar(
        select(func.min(CallAttempt.created_at)).where(
            CallAttempt.reservation_id == reservation.id, CallAttempt.desired_at == reservation.desired_at
        )
    )
    start = first_call or max(now, reservation.next_call_at or now)
    call = timedelta(minutes=get_settings().reservations_call_timeout_minutes)
    return start + 2 * len(eligible_shops(db, reservation)) * call + round_two_wait()


def place_call(db: Session, reservation: Reservation, call: NextCall, *, now: datetime) -> CallAttempt:
    handover.resolve_open(
        db, reservation, resolution=labels.CALLS_RESUMED, by=SYSTEM_ACTOR.label, now=now, types=("shops_unavailable",)
    )
    budget.record(db, reservation, "called", f"round_{call.round}", shop=call.shop, now=now)
    attempt = CallAttempt(
        reservation_id=reservation.id,
        shop_id=call.shop.id,
        round=call.round,
        desired_at=reservation.desired_at,
        created_at=now,
    )
    db.add(attempt)
    db.flush()
    script = labels.CALL_SCRIPT.format(
        shop=call.shop.name,
        when=messages.when_text(reservation.desired_at),
        service=reservation.service_type.name,
        details=reservation.details or "なし",
    )
    message = enqueue(
        db,
        channel="voice",
        recipient=call.shop.phone,
        subject=f"{reservation.code} 第{call.round}周",
        body=script,
        payload={"reservation": reservation.code, "attempt_id": attempt.id, "round": call.round},
        domain=DOMAIN,
        ref_type="call",
        ref_id=attempt.id,
        dedupe_key=f"qrv:call:{attempt.id}",
    )
    attempt.outbox_message_id = message.id
    return attempt


def place_due_calls(db: Session, *, now: datetime) -> int:
    due = list(
        db.scalars(
            select(Reservation.id)
            .where(Reservation.status == "calling", Reservation.next_call_at <= now)
            .order_by(Reservation.next_call_at)
            .limit(BATCH)
        )
    )
    for reservation_id in due:
        reservation = locked(db, reservation_id)
        if reservation.status == "calling" and reservation.next_call_at is not None and reservation.next_call_at <= now:
            place_next_call(db, reservation, now=now)
    return len(due)


def start_calling(db: Session, reservation: Reservation, *, actor: EventActor, reason: str, now: datetime) -> None:
    transition(db, reservation, "calling", actor=actor, now=now, reason=reason)
    place_next_call(db, reservation, now=now)


def declined(db: Session, reservation: Reservation, *, now: datetime) -> None:
    """§2.2.1: no shop said yes over both rounds."""
    outcomes = Counter(
        db.scalars(
            select(CallAttempt.outcome).where(
                CallAttempt.reservation_id == reservation.id, CallAttempt.desired_at == reservation.desired_at
            )
        )
    )
    connected = any(outcome is not None and outcome not in NOT_CONNECTED for outcome in outcomes)
    counted = "、".join(
        labels.OUTCOME_COUNT.format(label=labels.CALL_OUTCOMES[outcome], count=count)
        for outcome, count in outcomes.items()
        if outcome
    )
    reason = (
        labels.REASONS["all_declined"] if connected else labels.REASONS["no_call_connected"].format(outcomes=counted)
    )
    event = transition(db, reservation, "all_declined", actor=SYSTEM_ACTOR, now=now, reason=reason)
    messages.sms_to_requester(
        db, reservation, f"all-declined:{event.id}", labels.SMS_ALL_DECLINED.format(code=reservation.code)
    )
    said = reason if connected else f"{reason}。{labels.CONNECTED_NONE}"
    handover.open_operation(db, reservation, "all_shops_declined", reason=said, now=now)
    shops = len(eligible_shops(db, reservation))
    if not connected and shops >= CALLS_DOWN_MIN_SHOPS:
        incidents.calls_down(db, reservation=reservation, shops=shops, outcomes=counted, now=now)


def apply_outcome(
    db: Session,
    attempt: CallAttempt,
    *,
    outcome: str,
    now: datetime,
    summary: str = "",
    transcript: str = "",
    answered_by: str | None = None,
    actor: EventActor = AI_ACTOR,
) -> None:
    """An answer already recorded changes nothing; one to a withdrawn call or while the reservation no longer waits is
    only recorded."""
    reservation = locked(db, attempt.reservation_id)
    db.refresh(attempt)
    if attempt.status not in ("calling", holds.WITHDRAWN) or attempt.answered_at is not None:
        return
    acting = attempt.status == "calling"
    attempt.status = "answered" if acting else attempt.status
    attempt.outcome = outcome
    attempt.answered_by = (answered_by or "")[:30] or None
    attempt.summary = summary or labels.CALL_SUMMARIES[outcome]
    attempt.transcript = transcript
    attempt.answered_at = now
    call_ended(db, attempt, outcome=outcome, now=now)
    if not acting or reservation.status != "calling":
        return
    ids = {
        "call_id": attempt.provider_call_id,
        "outbox_message_id": attempt.outbox_message_id,
        "shop_id": attempt.shop_id,
    }
    shop_name = db.get_one(Shop, attempt.shop_id).name
    reason = f"{shop_name}（第{attempt.round}周）: {labels.CALL_OUTCOMES[outcome]}"
    if outcome == "accept":
        reservation.shop_id = attempt.shop_id
        transition(db, reservation, "calling_success", actor=actor, now=now, reason=reason, provider_ids=ids)
        payments.request_link(db, reservation, now=now)
    elif outcome == "ambiguous":
        transition(db, reservation, "pending_shop_response", actor=actor, now=now, reason=reason, provider_ids=ids)
        operation = handover.open_operation(db, reservation, "ambiguous_answer", reason=reason, now=now)
        operation.call_attempt_id = attempt.id
    elif outcome == "change_request":
        transition(db, reservation, "change_requested", actor=actor, now=now, reason=reason, provider_ids=ids)
        operation = handover.open_operation(
            db, reservation, "change_request", reason=f"{reason} {summary}".strip(), now=now
        )
        operation.call_attempt_id = attempt.id
    else:
        place_next_call(db, reservation, now=now)


def call_ended(db: Session, attempt: CallAttempt, *, outcome: str, now: datetime) -> None:
    """Whatever the reservation's state: a shop that stopped answering is flagged."""
    if outcome in CallResult.NO_ANSWER.outcomes:
        call_figures.alert_no_answer(db, attempt.shop_id, now=now)


def call_answered(db: Session, message: OutboxMessage, now: datetime) -> None:
    """The sandbox's simulated outcome is applied at once."""
    attempt = db.get(CallAttempt, messages.referenced_id(message))
    if attempt is None:
        return
    attempt.provider_call_id = message.provider_message_id
    result = (message.payload or {}).get("result") or {}
    if result.get("outcome"):
        apply_outcome(
            db,
            attempt,
            outcome=classify(result["outcome"], result.get("transcript") or "", result.get("answered_by")),
            now=now,
            summary=result.get("summary") or "",
            transcript=result.get("transcript") or "",
            answered_by=result.get("answered_by"),
        )


def call_failed(db: Session, message: OutboxMessage, now: datetime) -> None:
    attempt = db.get(CallAttempt, messages.referenced_id(message))
    if attempt is not None:
        apply_outcome(db, attempt, outcome="failed", now=now, summary=failure_text(message), actor=SYSTEM_ACTOR)


def voice_event(db: Session, event: InboundEvent, now: datetime) -> None:
    """{"call_id", "status", "outcome"?, "answered_by"?, "summary"?, "transcript"?, "digits"?}: STOP_KEY pressed
    (CALL_SCRIPT says it) is the shop's 「今後の自動電話は不要」."""
    payload = event.payload
    call_id = payload.get("call_id")
    attempt = db.scalar(select(CallAttempt).where(CallAttempt.provider_call_id == str(call_id))) if call_id else None
    if attempt is None:
        return
    if str(payload.get("digits") or "") == labels.STOP_KEY:
        shop = db.get_one(Shop, attempt.shop_id)
        catalog.stop_auto_calls(db, shop=shop, reason=labels.AUTO_CALLS_STOPPED_BY_KEY, actor=KEY_PRESS, now=now)
    status = str(payload.get("status") or "")
    answered_by = str(payload.get("answered_by") or payload.get("AnsweredBy") or "") or None
    if is_machine(answered_by):
        outcome = "machine"
    elif status in ("no_answer", "busy", "failed", "canceled"):
        outcome = ALIASES.get(status, status)
    elif payload.get("outcome") or status == "completed":
        outcome = classify(payload.get("outcome"), str(payload.get("transcript") or ""))
    else:
        return  # ringing, in progress
    apply_outcome(
        db,
        attempt,
        outcome=outcome,
        now=now,
        summary=str(payload.get("summary") or "")[:2000],
        transcript=str(payload.get("transcript") or ""),
        answered_by=answered_by,
    )


def time_out_calls(db: Session, *, now: datetime) -> int:
    """A call never placed (still queued: the provider unreachable) is withdrawn so it does not ring after the next
    shop's."""
    limit = now - timedelta(minutes=get_settings().reservations_call_timeout_minutes)
    stale = list(
        db.scalars(
            select(CallAttempt).where(CallAttempt.status == "calling", CallAttempt.created_at < limit).limit(BATCH)
        )
    )
    for attempt in stale:
        never_placed = withdraw(db, [attempt.outbox_message_id])
        if never_placed:
            apply_outcome(db, attempt, outcome="failed", now=now, summary=labels.CALL_NEVER_PLACED, actor=SYSTEM_ACTOR)
        else:
            apply_outcome(db, attempt, outcome="no_answer", now=now, actor=SYSTEM_ACTOR)
    return len(stale)
