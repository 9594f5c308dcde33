"""Per partner shop, its automated calls of today and of this month: placed, answered, declined, no answer (named
figures, service/figures.py), each the total of the call list (`GET /reservations/calls`) under its own filter; its
call budget and what is left of today's (budget.Budget, today's calls counted as the day's figure); and the
no-answer flag: a shop whose month's calls went unanswered at APP_RESERVATIONS_SHOP_NO_ANSWER_ALERT_PCT or more (over
at least …_MIN_CALLS calls) is flagged on 提携店舗・サービス管理 and #qrv-alerts is told once a month."""

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from service.config import get_settings
from service.figures import Figure, FigureRead, day_start, serve
from service.outbox.models import OutboxMessage
from service.reservations import labels
from service.reservations.business_hours import today
from service.reservations.kinds import CallResult
from service.reservations.messages import notify_slack
from service.reservations.models import CallAttempt, Reservation, Shop
from service.reservations.shops import budget

ROUTE = "/reservations/calls"


@dataclass(frozen=True)
class CallFilter:
    """Calls placed from `since` to `until` (Japan days, both included)."""

    shop_id: int | None = None
    result: CallResult | None = None
    since: date | None = None
    until: date | None = None


CALLS = Figure(
    "reservations.shop_calls",
    "電話件数",
    "その期間に提携店へ発信した自動電話の件数",
    "days",
    route=ROUTE,
    exported=False,
)
ANSWERED = Figure(
    "reservations.shop_answered",
    "応答",
    "その期間の自動電話のうち、提携店が回答したもの（予約OK・予約NG・曖昧な回答・変更依頼）の件数",
    "days",
    route=ROUTE,
    exported=False,
)
DECLINED = Figure(
    "reservations.shop_declined",
    "予約NG",
    "その期間の自動電話のうち、提携店が予約NGと回答したものの件数",
    "days",
    route=ROUTE,
    exported=False,
)
NO_ANSWER = Figure(
    "reservations.shop_no_answer",
    "応答なし",
    "その期間の自動電話のうち、提携店が出なかったもの（留守番電話を含む）の件数",
    "days",
    route=ROUTE,
    exported=False,
)
FIGURES = {CALLS: None, ANSWERED: CallResult.ANSWERED, DECLINED: CallResult.DECLINED, NO_ANSWER: CallResult.NO_ANSWER}


def conditions(flt: CallFilter) -> list[Any]:
    found: list[Any] = []
    if flt.shop_id is not None:
        found.append(CallAttempt.shop_id == flt.shop_id)
    if flt.result is not None:
        found.append(CallAttempt.outcome.in_(flt.result.outcomes))
    if flt.since is not None:
        found.append(CallAttempt.created_at >= day_start(flt.since))
    if flt.until is not None:
        found.append(CallAttempt.created_at < day_start(flt.until + timedelta(days=1)))
    return found


def call_list(flt: CallFilter) -> Select:
    return (
        select(CallAttempt, Reservation.code, Shop.name.label("shop_name"))
        .join(Reservation, Reservation.id == CallAttempt.reservation_id)
        .join(Shop, Shop.id == CallAttempt.shop_id)
        .where(*conditions(flt))
    )


def list_calls(db: Session, flt: CallFilter, *, offset: int, limit: int) -> tuple[list[dict], int]:
    total = db.scalar(select(func.count()).where(*conditions(flt)).select_from(CallAttempt)) or 0
    rows = db.execute(call_list(flt).order_by(CallAttempt.id.desc()).offset(offset).limit(limit)).all()
    return [
        {
            "id": row.CallAttempt.id,
            "created_at": row.CallAttempt.created_at,
            "reservation_code": row.code,
            "shop_id": row.CallAttempt.shop_id,
            "shop_name": row.shop_name,
            "round": row.CallAttempt.round,
            "outcome": row.CallAttempt.outcome,
            "outcome_label": labels.CALL_OUTCOMES.get(row.CallAttempt.outcome or "", labels.CALL_STATUSES["calling"]),
            "summary": row.CallAttempt.summary,
        }
        for row in rows
    ], total


def counts_by_shop(db: Session, flt: CallFilter) -> dict[int, int]:
    """The filter's calls per shop, in one grouped query."""
    rows = db.execute(
        select(CallAttempt.shop_id, func.count()).where(*conditions(flt)).group_by(CallAttempt.shop_id)
    ).all()
    return {shop_id: count for shop_id, count in rows}


def no_answer_share(calls: int, no_answer: int) -> float | None:
    """None below the minimum of calls."""
    if calls < get_settings().reservations_shop_no_answer_min_calls:
        return None
    return 100 * no_answer / calls


def is_flagged(calls: int, no_answer: int) -> bool:
    share = no_answer_share(calls, no_answer)
    return share is not None and share >= get_settings().reservations_shop_no_answer_alert_pct


def shop_figures(db: Session, *, now: datetime) -> list[dict]:
    """Every shop, in call order, with today's and this month's figures and its no-answer flag."""
    day = today(now)
    periods = {"today": (day, day), "month": (day.replace(day=1), day)}
    counted = {
        (name, figure): counts_by_shop(db, CallFilter(result=result, since=first, until=last))
        for name, (first, last) in periods.items()
        for figure, result in FIGURES.items()
    }
    shops = db.scalars(select(Shop).order_by(Shop.call_order, Shop.id))
    answer = []
    for shop in shops:
        served: dict[str, list[FigureRead]] = {}
        for name, (first, last) in periods.items():
            served[name] = [
                serve(
                    figure,
                    counted[(name, figure)].get(shop.id, 0),
                    now=now,
                    flt=CallFilter(shop_id=shop.id, result=result, since=first, until=last),
                    days=(first, last),
                )
                for figure, result in FIGURES.items()
            ]
        month = counted[("month", CALLS)].get(shop.id, 0), counted[("month", NO_ANSWER)].get(shop.id, 0)
        allowed = budget.budget(counted[("today", CALLS)].get(shop.id, 0))
        answer.append(
            {
                "shop_id": shop.id,
                "shop_name": shop.name,
                "auto_calls_stopped": shop.auto_calls_stopped_at is not None,
                "no_answer_flagged": is_flagged(*month),
                "calls_per_hour": allowed.per_hour,
                "calls_per_day": allowed.per_day,
                "calls_left_today": allowed.left_today,
                "today": served["today"],
                "month": served["month"],
            }
        )
    return answer


def alert_no_answer(db: Session, shop_id: int, *, now: datetime) -> None:
    """After a call went unanswered: #qrv-alerts once a month per shop when its month is flagged."""
    day = today(now)
    month = CallFilter(shop_id=shop_id, since=day.replace(day=1), until=day)
    calls = counts_by_shop(db, month).get(shop_id, 0)
    no_answer = counts_by_shop(db, replace(month, result=CallResult.NO_ANSWER)).get(shop_id, 0)
    key = f"qrv:shop-no-answer:{shop_id}:{day:%Y-%m}"
    if not is_flagged(calls, no_answer) or db.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)):
        return
    shop = db.get_one(Shop, shop_id)
    text = labels.SLACK_SHOP_NO_ANSWER.format(
        shop=shop.name,
        month=f"{day.year}年{day.month}月",
        no_answer=no_answer,
        calls=calls,
        rate=no_answer_share(calls, no_answer),
    )
    notify_slack(
        db,
        kind="shop_no_answer",
        message=text,
        reservation=None,
        now=now,
        dedupe_key=key,
    )
