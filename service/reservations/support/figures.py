"""The support KPIs of §7.3.1 (service/figures.py's named figures), each defined once by the inquiry list's filter that
shows its rows."""

from dataclasses import replace
from datetime import date, datetime, timedelta

from sqlalchemy import func, literal, select
from sqlalchemy.orm import Session

from service import fields
from service.dialect import of, seconds_between
from service.figures import MEDIAN_WORDS, Figure, FigureRead, median, serve
from service.reservations import business_hours
from service.reservations.kinds import InquiryChannel
from service.reservations.models import SupportInquiry
from service.reservations.support import support
from service.reservations.support.support import InquiryFilter

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
        first, last = support_period(figure, until or business_hours.today(now))
        flt = support_filter(figure, first, last)
        value, basis = support_value(db, figure, flt)
        served.append(serve(figure, value, now=now, flt=flt, days=(first, last), basis=basis))
    return served
