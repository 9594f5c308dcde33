"""The QRV's named figures (service/figures.py): a month's reservation counts and revenue, each defined once by the
reservation list's filter that shows its rows, and the support KPIs of §7.3.1 over the inquiry list's filter."""

from dataclasses import replace
from datetime import date, datetime, timedelta

from sqlalchemy import func, literal, select
from sqlalchemy.orm import Session

from service import fields
from service.dialect import of, seconds_between
from service.figures import MEDIAN_WORDS, Figure, FigureRead, median, serve
from service.reservations import business_hours
from service.reservations.console import console
from service.reservations.console.console import ReservationFilter
from service.reservations.kinds import InquiryChannel
from service.reservations.models import Reservation, SupportInquiry
from service.reservations.support import support
from service.reservations.support.support import InquiryFilter

ROUTE = "/reservations/reservations"
AMOUNT_COLUMN = fields.facts(Reservation.amount).label

RESERVATIONS = Figure("reservations.reservations", "予約件数", "受付日時がその月の予約の件数", "month", route=ROUTE)
CONFIRMED = Figure(
    "reservations.confirmed",
    "確定件数",
    "受付日時がその月の予約のうち、確定または完了したものの件数",
    "month",
    route=ROUTE,
)
CANCELLED = Figure(
    "reservations.cancelled",
    "キャンセル件数",
    "受付日時がその月の予約のうち、キャンセルされたものの件数",
    "month",
    route=ROUTE,
)
REVENUE = Figure(
    "reservations.revenue",
    "売上",
    "その月に支払いが済んだ予約の金額の合計",
    "month",
    route=ROUTE,
    unit="yen",
    sum_of=AMOUNT_COLUMN,
)
MONTH = (RESERVATIONS, CONFIRMED, CANCELLED, REVENUE)


def filter_of(figure: Figure, first: date, last: date) -> ReservationFilter:
    if figure is REVENUE:
        return ReservationFilter(paid_from=first, paid_to=last)
    made = ReservationFilter(created_from=first, created_to=last)
    if figure is CONFIRMED:
        return replace(made, confirmed_only=True)
    if figure is CANCELLED:
        return replace(made, status="cancelled")
    return made


def value_of(db: Session, figure: Figure, flt: ReservationFilter) -> int:
    rows = console.reservation_query(flt).subquery()
    measure = func.coalesce(func.sum(rows.c.amount), 0) if figure.unit == "yen" else func.count()
    return db.scalar(select(measure).select_from(rows)) or 0


def values(db: Session, first: date, last: date) -> dict[str, int]:
    return {figure.key: value_of(db, figure, filter_of(figure, first, last)) for figure in MONTH}


def last_day(month: date) -> date:
    following = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def month_figures(db: Session, *, month: date, now: datetime) -> list[FigureRead]:
    """A month still running is partial and says so."""
    last = min(last_day(month), console.today(now))
    return [
        serve(figure, value_of(db, figure, flt), now=now, flt=flt, month=month)
        for figure in MONTH
        for flt in (filter_of(figure, month, last),)
    ]


def days_figures(db: Session, *, first: date, last: date, now: datetime) -> list[FigureRead]:
    return [
        serve(replace(figure, period="days"), value_of(db, figure, flt), now=now, flt=flt, days=(first, last))
        for figure in MONTH
        for flt in (filter_of(figure, first, last),)
    ]


def cancel_pct(cancelled: float, reservations: float) -> float | None:
    """§4.1.2."""
    return round(100 * cancelled / reservations, 1) if reservations else None


# --- support (§7.3.1) ---------------------------------------------------------------------------------------------

INQUIRIES_ROUTE = "/reservations/inquiries"
FIRST_RESPONSE_COLUMN = "初回応答時間（分）"
IN_TIME_COLUMN = f"{support.RESOLUTION_TARGET_HOURS}時間以内に解決"
RESOLUTION_HOURS_COLUMN = "解決時間（経過・時間）"
RESOLUTION_BUSINESS_HOURS_COLUMN = "解決時間（営業時間・時間）"
SATISFACTION_COLUMN = fields.facts(SupportInquiry.satisfaction).label
SATISFACTION_TARGET = 4.0  # §7.3.1 顧客満足度 4.0以上（5段階評価）

FIRST_RESPONSE_MET_COLUMN = "初回応答が目標内"


def _first_response(channel: InquiryChannel) -> Figure:
    name, target = channel.label, channel.target
    return Figure(
        f"reservations.first_response_{channel}",
        f"初回応答時間（{name}）",
        f"受付日がその期間の{name}の問い合わせのうち初回応答したものの、受付から初回応答までの時間（分）の中央値"
        f"{MEDIAN_WORDS}。目標: {target}",
        "days",
        route=INQUIRIES_ROUTE,
        unit="minutes",
        median_of=FIRST_RESPONSE_COLUMN,
    )


def _first_response_met(channel: InquiryChannel) -> Figure:
    name, target = channel.label, channel.target
    return Figure(
        f"reservations.first_response_met_{channel}",
        f"初回応答の目標達成率（{name}）",
        f"受付日がその期間の{name}の問い合わせのうち初回応答したものの、目標（{target}）までに初回応答したものの割合",
        "days",
        route=INQUIRIES_ROUTE,
        unit="percent",
        share_of=FIRST_RESPONSE_MET_COLUMN,
    )


# Per channel, each against its own target (§7.3.1: Email 2時間以内, 電話 即時): figure -> its channel
FIRST_RESPONSE = {_first_response(channel): channel.value for channel in InquiryChannel}
FIRST_RESPONSE_MET = {_first_response_met(channel): channel.value for channel in InquiryChannel}
RESOLVED_IN_TIME = Figure(
    "reservations.resolved_in_time",
    f"解決時間（{support.RESOLUTION_TARGET_HOURS}時間以内・経過時間）",
    f"受付日がその期間の解決済の問い合わせのうち、受付から{support.RESOLUTION_TARGET_HOURS}時間以内に解決したものの割合"
    f"（目標: {support.RESOLUTION_TARGET_HOURS}時間以内）。時間は夜間・休日も数える経過時間。"
    f"営業時間（{business_hours.hours_text()}）で数えた時間は一覧の「{RESOLUTION_BUSINESS_HOURS_COLUMN}」",
    "days",
    route=INQUIRIES_ROUTE,
    unit="percent",
    share_of=IN_TIME_COLUMN,
)
SATISFACTION = Figure(
    "reservations.satisfaction",
    "顧客満足度",
    f"受付日がその期間の問い合わせのうち満足度（5段階評価）が記録されたものの平均（目標: {SATISFACTION_TARGET}以上）",
    "days",
    route=INQUIRIES_ROUTE,
    unit="rating",
    mean_of=SATISFACTION_COLUMN,
)
SUPPORT = (
    *(figure for pair in zip(FIRST_RESPONSE, FIRST_RESPONSE_MET, strict=True) for figure in pair),
    RESOLVED_IN_TIME,
    SATISFACTION,
)


def support_period(figure: Figure, last: date) -> tuple[date, date]:
    """Its calendar week (週次) for the response and resolution times, its quarter (四半期) for the satisfaction."""
    if figure is SATISFACTION:
        return last.replace(month=(last.month - 1) // 3 * 3 + 1, day=1), last
    return last - timedelta(days=last.weekday()), last


def support_filter(figure: Figure, first: date, last: date) -> InquiryFilter:
    made = InquiryFilter(received_from=first, received_to=last)
    channel = FIRST_RESPONSE.get(figure) or FIRST_RESPONSE_MET.get(figure)
    if channel:
        return replace(made, responded=True, channel=channel)
    if figure is RESOLVED_IN_TIME:
        return replace(made, status="resolved")
    return replace(made, rated=True)


def support_value(db: Session, figure: Figure, flt: InquiryFilter) -> tuple[float, int]:
    """No rows: basis 0."""
    basis = support.count_inquiries(db, flt)
    if not basis:
        return 0.0, 0
    if figure in FIRST_RESPONSE:
        return _median_minutes(db, flt), basis
    rows = support.filtered(flt).subquery()
    if figure in FIRST_RESPONSE_MET:
        target = InquiryChannel.of(FIRST_RESPONSE_MET[figure]).target_seconds
        return _share_within(db, rows, rows.c.first_responded_at, target, basis), basis
    if figure is RESOLVED_IN_TIME:
        return _share_within(db, rows, rows.c.resolved_at, support.RESOLUTION_TARGET_SECONDS, basis), basis
    total = db.scalar(select(func.sum(rows.c.satisfaction)).select_from(rows)) or 0
    return round(total / basis, 2), basis


def _share_within(db: Session, rows, end, seconds: int, basis: int) -> float:
    """The rows whose span from receipt to `end` is at most `seconds` (to the second, as support.within reads a row)."""
    span = func.round(seconds_between(rows.c.received_at, end))
    within = db.scalar(select(func.count()).select_from(rows).where(span <= seconds)) or 0
    return round(within / basis, 4)


def _median_minutes(db: Session, flt: InquiryFilter) -> float:
    spans = select(
        literal(0).label("key"),
        SupportInquiry.received_at.label("start"),
        SupportInquiry.first_responded_at.label("end"),
        SupportInquiry.id.label("id"),
    ).where(*support.conditions(flt))
    middle, spans_of = of(db).middle_spans(spans)
    return median(*(support.span_minutes(span) for span in spans_of(db.execute(middle).one())))


def support_figures(db: Session, *, now: datetime, until: date | None = None) -> list[FigureRead]:
    """`until`: today when not given."""
    served = []
    for figure in SUPPORT:
        first, last = support_period(figure, until or console.today(now))
        flt = support_filter(figure, first, last)
        value, basis = support_value(db, figure, flt)
        served.append(serve(figure, value, now=now, flt=flt, days=(first, last), basis=basis))
    return served
