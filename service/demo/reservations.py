"""Demo data for 予約 (QRV): five services, eight partner shops, an MCP client with a documented key, four months of
reservations in every state (with their event timelines, calls, payments, manual operations and Slack posts),
three incidents, the executive summary, and the 当番表: the demo's three operators (`resv-operator` and the two this
hook adds) by week from this Monday, the next public holiday covered by an override.

Book a live one through MCP at http://127.0.0.1:8000/mcp with `Authorization: Bearer qrv_demo-local-mcp-key`; the
sandbox providers answer the calls (APP_SANDBOX_VOICE_ODDS) and the SMS land in var/sandbox/sms.jsonl. History is
written directly (no messages are sent for it).
"""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from service.audit.service import Actor
from service.config import get_settings
from service.database import utcnow
from service.demo.framework import (
    DemoLogin,
    DemoProgress,
    demo_hook,
    demo_person,
    ensure_demo_user,
    grant_demo_user,
)
from service.demo.platform import DEMO_PASSWORD
from service.identity import service as identity
from service.links import api_page
from service.outbox.providers.sandbox import SANDBOX_CHECKOUT_PATH
from service.reservations import handover, labels, payments
from service.reservations.booking import clients
from service.reservations.incidents.schemas import IncidentCreate
from service.reservations.kinds import OperationType
from service.reservations.models import (
    CallAttempt,
    Incident,
    ManualOperation,
    McpClient,
    Notification,
    Payment,
    Reservation,
    ReservationEvent,
    ServiceType,
    Shop,
)
from service.reservations.oncall import oncall
from service.reservations.oncall.schemas import OnCallMemberIn, OnCallOverrideCreate, OnCallRotationIn
from service.reservations.reports import executive
from service.reservations.shops import catalog
from service.reservations.shops.schemas import ServiceTypeCreate, ShopCreate

MCP_CLIENT = "デモAIチャット"
MCP_KEY = "qrv_demo-local-mcp-key"
DAYS = 120
PER_DAY = (3, 9)
SEED = 20250129
SERVICES = (
    ("ハウスクリーニング", 8000, 120, "キッチン・浴室・トイレなど水回りの清掃"),
    ("エアコンクリーニング", 12000, 90, "壁掛けエアコン1台の分解洗浄"),
    ("家事代行", 6000, 120, "掃除・洗濯・料理の代行"),
    ("不用品回収", 15000, 60, "軽トラック1台分まで"),
    ("ベビーシッター", 4000, 180, "3時間のお預かり"),
)
SHOPS = (
    ("クリーンサービス新宿", (0, 1, 2)),
    ("おそうじ本舗 渋谷店", (0, 1)),
    ("ハピネス家事サポート", (2, 4)),
    ("エコ回収センター", (3,)),
    ("まごころクリーン 池袋", (0, 1, 2)),
    ("キッズケア目黒", (4,)),
    ("リサイクルジャパン", (3,)),
    ("ピカピカ工房 品川", (0, 1)),
)
NAMES = ("山田太郎", "佐藤花子", "鈴木一郎", "高橋美咲", "田中健", "伊藤由美", "渡辺誠", "中村愛", "小林大輔", "加藤恵")
DETAILS = ("3LDK マンション", "戸建て 2階建て", "ペットあり", "駐車場あり", "午前希望", "鍵は管理人室で受け取り")
ACCEPTED = (("calling_success", "ai"), ("awaiting_payment", "system"), ("confirmed", "webhook"))
# What happened once the calls started, per scenario: (status, actor) in order.
CHAINS: dict[str, tuple[tuple[str, str], ...]] = {
    "paid": ACCEPTED,
    "declines_then_paid": ACCEPTED,
    "sms_failed": ACCEPTED,
    "late_cancellation": ACCEPTED,
    "payment_timeout": (*ACCEPTED[:2], ("payment_timeout", "system")),
    "cancelled": (*ACCEPTED, ("cancelled", "requester")),
    "all_declined": (("all_declined", "system"), ("cancelled", "operator")),
    # 全店NG booked at a shop found by phone, then unpaid: that shop (no e-mail) is phoned (shop_cancel_call)
    "one_off_timeout": (
        ("all_declined", "system"),
        ("calling_success", "operator"),
        *ACCEPTED[1:2],
        ("payment_timeout", "system"),
    ),
    "ambiguous": (("pending_shop_response", "ai"), ("calling_success", "operator"), *ACCEPTED[1:]),
    "change_request": (("change_requested", "ai"), ("calling", "operator"), *ACCEPTED),
    # still under way: the last bookings, one per state that waits for something
    "calling": (),
    "awaiting_payment": ACCEPTED[:2],
    "pending_shop_response": (("pending_shop_response", "ai"),),
    "change_requested": (("change_requested", "ai"),),
    "all_declined_open": (("all_declined", "system"),),
    "shops_unavailable": (),  # every shop out of its call budget or hours: queued, still 電話代行中
    "confirmed": ACCEPTED,
}
# The spec's frequencies (§2.2) around the usual booked-and-paid reservation.
WEIGHTS = {
    "paid": 64,
    "payment_timeout": 10,
    "all_declined": 5,
    "ambiguous": 3,
    "change_request": 5,
    "cancelled": 8,
    "late_cancellation": 2,
    "sms_failed": 1,
    "declines_then_paid": 2,
    "one_off_timeout": 1,
}
IN_PROGRESS = (
    "calling",
    "awaiting_payment",
    "pending_shop_response",
    "change_requested",
    "all_declined_open",
    "shops_unavailable",
    "confirmed",
)
FIRST_ANSWER = {"calling_success": "accept", "pending_shop_response": "ambiguous", "change_requested": "change_request"}
OPERATION_OF = {
    "all_declined": "all_shops_declined",
    "all_declined_open": "all_shops_declined",
    "ambiguous": "ambiguous_answer",
    "pending_shop_response": "ambiguous_answer",
    "change_request": "change_request",
    "change_requested": "change_request",
    "late_cancellation": "late_cancellation",
    "sms_failed": "sms_failed",
    "one_off_timeout": "shop_cancel_call",
    "shops_unavailable": "shops_unavailable",
}
ONE_OFF_SHOP = ("電話で見つけた店（デモ）", "+81312345678")  # the one-off shop's name and phone
PAYMENT_BY_END = {"confirmed": "paid", "completed": "paid", "payment_timeout": "expired", "cancelled": "refunded"}
REASONS = {
    "received": labels.REASONS["created"],
    "calling": labels.REASONS["calling"],
    "all_declined": labels.REASONS["all_declined"],
    "awaiting_payment": labels.REASONS["payment_link_sent"],
    "payment_timeout": labels.REASONS["payment_expired"].format(minutes=10),
    "confirmed": labels.REASONS["paid"],
    "completed": labels.REASONS["completed"],
}
INCIDENTS = (
    (
        "Twilio障害でSMS送信が遅延",
        "high",
        40,
        "SMS送信 約30件が最大1時間遅延",
        "外部API（Twilio）の障害",
        "復旧待ち、依頼者に状況説明",
    ),
    ("決済Webhookの受信失敗", "critical", 75, "決済確定が約20分遅延", "Webhook署名鍵の設定ミス", "鍵を再設定し再送"),
    ("提携店への架電の応答なし多発", "medium", 12, "応答なし 15件", "提携店の定休日", "提携店リストの見直し"),
)

# the 当番表's members in order: the platform's operator account and two more operators (login, name)
OPERATOR = "resv-operator"  # the platform's operator account
ON_CALL = (
    (OPERATOR, None),
    ("resv-operator-2", "木村 恵"),
    ("resv-operator-3", "林 俊介"),
)
DEMO_OVERRIDE_NOTE = "祝日の代番（デモ）"


@dataclass
class Plan:
    """One historical reservation and the rows that tell its story, inserted in bulk."""

    reservation: Reservation
    scenario: str
    steps: list[tuple[str, str, datetime]]  # (to_status, actor_type, at)
    calls: list[tuple[int, str | None, datetime]]  # (shop id, outcome or None while ringing, at)


@demo_hook("reservations", logins=(DemoLogin(login, "reservations", DEMO_PASSWORD) for login, name in ON_CALL if name))
def load_reservations(db: Session, progress: DemoProgress) -> None:
    now, operator = utcnow(), demo_person(db, OPERATOR, otherwise=progress.actor)
    _on_call(db, progress, operator, now)
    services = _services(db, progress, now)
    shops = _shops(db, progress, services, now)
    client = db.scalar(select(McpClient).where(McpClient.name == MCP_CLIENT))
    if client is None:
        client, _ = clients.create_client(db, name=MCP_CLIENT, actor=operator, now=now, key=MCP_KEY)
    if db.scalar(select(Reservation.id).where(Reservation.code.startswith("QRV-D")).limit(1)) is None:
        _history(db, progress, operator.label, services, shops, client, now)
        executive.recompute(db, now=now)


def _on_call(db: Session, progress: DemoProgress, operator: Actor, now: datetime) -> None:
    """The operators on call by week from this Monday, and the next public holiday's shift handed to the member after
    the one whose week it falls in (代番); left as it is once a rotation exists."""
    for login, name in ON_CALL:
        if name:
            ensure_demo_user(db, login, name=name, password=DEMO_PASSWORD, actor=progress.actor)
            grant_demo_user(db, login, "reservations", "operator", actor=progress.actor)
    if oncall.rotation(db) is not None:
        return
    found = [user.id for login, _ in ON_CALL if (user := identity.find_user_by_login(db, login)) is not None]
    operators = oncall.operators(db, found)  # those still operators, kept in ON_CALL's order
    members = [
        OnCallMemberIn(user_id=user_id, phone=f"090-0000-{number:04d}", slack_user_id=f"U0DEMO{number:03d}")
        for number, user_id in enumerate((user_id for user_id in found if user_id in operators), start=1)
    ]
    if not members:
        return
    monday = oncall.shift_day(now) - timedelta(days=oncall.shift_day(now).weekday())
    team = oncall.set_rotation(
        db, data=OnCallRotationIn(period="week", starts_on=monday, members=members), actor=operator, now=now
    )
    holiday = next(iter(oncall.holidays_ahead(db, now)), None)
    if holiday is None or len(team.members) < 2:
        return
    covering = team.members[(team.members.index(holiday.member) + 1) % len(team.members)]
    day = holiday.shift_day
    override = OnCallOverrideCreate(user_id=covering.user_id, start_date=day, end_date=day, note=DEMO_OVERRIDE_NOTE)
    oncall.add_override(db, data=override, actor=operator, now=now)


def _services(db: Session, progress: DemoProgress, now: datetime) -> list[ServiceType]:
    existing = {s.name: s for s in catalog.list_services(db)}
    for name, price, minutes, description in SERVICES:
        if name not in existing:
            data = ServiceTypeCreate(name=name, price=price, duration_minutes=minutes, description=description)
            existing[name] = catalog.create_service(db, data=data, actor=progress.actor, now=now)
    return [existing[name] for name, *_ in SERVICES]


def _shops(db: Session, progress: DemoProgress, services: list[ServiceType], now: datetime) -> list[Shop]:
    existing = {s.name: s for s in db.scalars(select(Shop))}
    for order, (name, offered) in enumerate(SHOPS, start=1):
        if name not in existing:
            data = ShopCreate(
                name=name,
                phone=f"03-5555-{order:04d}",
                email=f"shop{order}@demo.example.jp",
                service_type_ids=[services[i].id for i in offered],
                call_order=order * 10,
                notes="デモ提携店",
            )
            existing[name] = catalog.create_shop(db, data=data, actor=progress.actor, now=now)
    return [existing[name] for name, _ in SHOPS]


def _history(
    db: Session, progress: DemoProgress, operator: str, services, shops, client: McpClient, now: datetime
) -> None:
    """Four months of bookings (a few a day) and the six newest still under way, the people's part done by the
    operator (named)."""
    rng = random.Random(SEED)
    offering = {
        s.id: sorted((shop for shop in shops if s in shop.services), key=lambda shop: shop.call_order) for s in services
    }
    booked = [
        now - timedelta(days=day, minutes=rng.randrange(60, 600))
        for day in range(DAYS, 0, -1)
        for _ in range(rng.randint(*PER_DAY))
    ]
    scenarios = [rng.choices(list(WEIGHTS), weights=list(WEIGHTS.values()))[0] for _ in booked]
    booked += [now - timedelta(minutes=len(IN_PROGRESS) - i) for i in range(len(IN_PROGRESS))]
    scenarios += list(IN_PROGRESS)
    progress.start("予約", total=len(booked))
    plans = []
    for number, (created, scenario) in enumerate(zip(booked, scenarios, strict=True)):
        service = rng.choice(services)
        reservation = _reservation(rng, number, service, client, created)
        plans.append(_plan(rng, reservation, scenario, offering[service.id], now))
        progress.advance()
    db.add_all([plan.reservation for plan in plans])
    db.flush()
    _write(db, plans, operator)
    for title, level, days_ago, impact, cause, response in INCIDENTS:
        occurred = now - timedelta(days=days_ago)
        data = IncidentCreate(
            title=title,
            level=level,
            occurred_at=occurred,
            impact=impact,
            cause=cause,
            response=response,
            responded_at=occurred + timedelta(minutes=20),
            recovered_at=occurred + timedelta(hours=1),
            prevention="監視とアラートの見直し",
        )
        db.add(_past_incident(data, operator))


def _past_incident(data: IncidentCreate, by: str) -> Incident:
    """An incident recorded and reported to the executives when it happened (no e-mail or Slack post now)."""
    at = data.occurred_at + timedelta(minutes=10)
    return Incident(**data.model_dump(), escalated_at=at, escalated_by=by, created_by=by, created_at=at, updated_at=at)


def _reservation(rng: random.Random, number: int, service: ServiceType, client: McpClient, created: datetime):
    desired = (created + timedelta(days=rng.randint(3, 14))).replace(minute=0, second=0, microsecond=0)
    return Reservation(
        code=f"QRV-D{number:05d}",
        requester_name=rng.choice(NAMES),
        requester_phone=f"+8190{rng.randrange(10**8):08d}",
        requester_email=f"guest{number}@demo.example.jp" if rng.random() < 0.7 else "",
        service_type_id=service.id,
        mcp_client_id=client.id,
        desired_at=desired,
        details=rng.choice(DETAILS),
        amount=service.price,
        cancel_deadline_at=desired - timedelta(hours=get_settings().reservations_cancel_deadline_hours),
        created_at=created,
    )


def _plan(rng: random.Random, reservation: Reservation, scenario: str, shops: list[Shop], now: datetime) -> Plan:
    """The scenario's events a minute apart and the calls behind them; then the current status and shop."""
    at = reservation.created_at
    chain = (("received", "ai"), ("calling", "ai"), *CHAINS[scenario])
    steps = [(status, actor, at + timedelta(minutes=i)) for i, (status, actor) in enumerate(chain)]
    finished = reservation.desired_at + timedelta(hours=3)
    if steps[-1][0] == "confirmed" and scenario not in IN_PROGRESS and finished < now:
        steps.append(("completed", "system", finished))
    plan = Plan(reservation, scenario, steps, _calls(rng, reservation, scenario, chain, shops))
    last, _, changed = steps[-1]
    reservation.status, reservation.status_changed_at, reservation.updated_at = last, changed, changed
    accepted = [shop for shop, outcome, _ in plan.calls if outcome == "accept"]
    engaged = any(status == "calling_success" for status, _ in chain)
    reservation.shop_id = (accepted or [plan.calls[-1][0]])[-1] if engaged else None
    if scenario == "one_off_timeout":
        reservation.shop_id = None
        reservation.one_off_shop_name, reservation.one_off_shop_phone = ONE_OFF_SHOP
    if last in ("confirmed", "completed"):
        reservation.reminder_due_at = payments.reminder_due(reservation.desired_at)
        reservation.reminder_sent_at = reservation.reminder_due_at if reservation.reminder_due_at < now else None
    return plan


def _calls(rng: random.Random, reservation: Reservation, scenario: str, chain, shops: list[Shop]) -> list:
    """Declines before the first answer (every shop when all declined), then the answer; a resumed call accepts."""
    at = reservation.created_at + timedelta(seconds=70)
    if scenario == "shops_unavailable":
        return []
    if scenario.startswith("all_declined") or scenario == "one_off_timeout":
        return [(shop.id, "decline", at) for shop in shops]
    declines = min(2 if scenario == "declines_then_paid" else rng.choice((0, 0, 0, 1)), len(shops) - 1)
    answer = FIRST_ANSWER.get(chain[2][0]) if len(chain) > 2 else None
    calls = [(shop.id, "decline", at) for shop in shops[:declines]] + [(shops[declines].id, answer, at)]
    if scenario == "change_request" and declines + 1 < len(shops):
        calls.append((shops[declines + 1].id, "accept", at + timedelta(minutes=2)))
    return calls


def _write(db: Session, plans: list[Plan], operator: str) -> None:
    events, attempts, payment_rows, operation_rows, notifications = [], [], [], [], []
    for plan in plans:
        reservation = plan.reservation
        previous = None
        for status, actor, at in plan.steps:
            events.append(_event(reservation.id, previous, status, actor, at, operator))
            previous = status
        attempts += [_attempt(reservation, *call) for call in plan.calls]
        statuses = [status for status, _, _ in plan.steps]
        if "awaiting_payment" in statuses:
            payment_rows.append(_payment(reservation, PAYMENT_BY_END.get(statuses[-1], "open"), plan.steps))
        if plan.scenario in OPERATION_OF:
            op_type = OPERATION_OF[plan.scenario]
            resolved_by = "" if plan.scenario in IN_PROGRESS else operator
            operation_rows.append(_operation(reservation, op_type, resolved_by=resolved_by))
            notifications.append(_notification(reservation, op_type))
    for model, rows in (
        (ReservationEvent, events),
        (CallAttempt, attempts),
        (Payment, payment_rows),
        (ManualOperation, operation_rows),
        (Notification, notifications),
    ):
        if rows:
            db.execute(insert(model), rows)


def _event(
    reservation_id: int, previous: str | None, status: str, actor: str, at: datetime, operator: str
) -> dict[str, Any]:
    return {
        "reservation_id": reservation_id,
        "from_status": previous,
        "to_status": status,
        "actor_type": actor,
        "actor_label": {"ai": MCP_CLIENT, "operator": operator}.get(actor, ""),
        "reason": REASONS.get(status, labels.STATUSES[status]),
        "provider_ids": {},
        "occurred_at": at,
    }


def _attempt(reservation: Reservation, shop_id: int, outcome: str | None, at: datetime) -> dict[str, Any]:
    return {
        "reservation_id": reservation.id,
        "shop_id": shop_id,
        "round": 1,
        "desired_at": reservation.desired_at,
        "created_at": at,
        "status": "answered" if outcome else "calling",
        "outcome": outcome,
        "summary": labels.CALL_SUMMARIES[outcome] if outcome else "",
        "transcript": "",
        "answered_at": at + timedelta(seconds=50) if outcome else None,
    }


def _payment(reservation: Reservation, status: str, steps) -> dict[str, Any]:
    linked = next(at for to, _, at in steps if to == "awaiting_payment")
    paid = status in ("paid", "refunded")
    return {
        "reservation_id": reservation.id,
        "amount": reservation.amount,
        "status": status,
        "checkout_session_id": f"cs_demo_{reservation.code}",
        "checkout_url": api_page(f"{SANDBOX_CHECKOUT_PATH}/cs_demo_{reservation.code}"),
        "created_at": linked,
        "payment_intent": f"pi_demo_{reservation.code}" if paid else None,
        "expires_at": linked + timedelta(minutes=10),
        "paid_at": linked + timedelta(minutes=4) if paid else None,
        "expired_at": linked + timedelta(minutes=10) if status == "expired" else None,
        "refunded_at": reservation.status_changed_at if status == "refunded" else None,
    }


def _operation(reservation: Reservation, op_type: str, *, resolved_by: str) -> dict[str, Any]:
    """Resolved by the named person, else open."""
    resolved, priority = bool(resolved_by), OperationType.of(op_type).priority
    opened = reservation.created_at + timedelta(minutes=3)
    return {
        "reservation_id": reservation.id,
        "op_type": op_type,
        "priority": priority,
        "status": "resolved" if resolved else "open",
        "reason": labels.OPERATION_TYPES[op_type],
        "due_at": handover.due_time(priority, opened),
        "created_at": opened,
        "updated_at": opened,
        "resolution": "対応済み（デモ）" if resolved else "",
        "resolved_by": resolved_by,
        "resolved_at": opened + timedelta(minutes=25) if resolved else None,
    }


def _notification(reservation: Reservation, op_type: str) -> dict[str, Any]:
    return {
        "kind": "manual_operation",
        "reservation_id": reservation.id,
        "message": handover.slack_message(reservation, op_type),
        "created_at": reservation.created_at + timedelta(minutes=3),
    }
