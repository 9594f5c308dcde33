"""Support inquiries (§7 サポート体制), audited. The §7.3.1 KPIs read them: per calendar week in SQL for the console's
chart, and as named figures (初回応答時間, 解決時間, 顧客満足度) over this list's filters."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from service import fields
from service.audit import service as audit
from service.audit.service import Actor
from service.dialect import of
from service.errors import ValidationFailed, unknown_reference
from service.figures import day_start, median
from service.reservations import auditing, business_hours, labels
from service.reservations.kinds import InquiryChannel
from service.reservations.models import Reservation, SupportInquiry, as_dict
from service.reservations.support.schemas import InquiryCreate, InquiryUpdate

FIELDS = fields.audited(SupportInquiry)
KPI_WEEKS = 8
RESOLUTION_TARGET_HOURS = 24  # §7.3.1 解決時間: 24時間以内
RESOLUTION_TARGET_SECONDS = RESOLUTION_TARGET_HOURS * 3600  # to the second (figures.py counts alike in SQL)
LIST_ORDER = (SupportInquiry.received_at.desc(), SupportInquiry.id.desc())


def _reservation_id(db: Session, code: str | None) -> int | None:
    """A code naming no reservation is a 422 on the field."""
    if not code:
        return None
    found = db.scalar(select(Reservation.id).where(Reservation.code == code.upper()))
    if found is None:
        raise unknown_reference("指定された予約は見つかりません", "reservation_code")
    return found


def _after(inquiry: SupportInquiry, later: str, earlier: str, rule: str) -> None:
    first, then = getattr(inquiry, earlier), getattr(inquiry, later)
    if first is not None and then is not None and then < first:
        words = [fields.facts(getattr(SupportInquiry, name)).label for name in (later, earlier)]
        raise ValidationFailed(f"{words[0]}は{words[1]}より後にしてください", details={"field": later, "rule": rule})


def _settle_status(inquiry: SupportInquiry, now: datetime) -> None:
    """Answered is at least 対応中; 解決済 has its resolution time (now unless given) and a first response before it;
    leaving 解決済 clears it. Times never run backwards."""
    if inquiry.status == "open" and inquiry.first_responded_at is not None:
        inquiry.status = "in_progress"
    if inquiry.status != "resolved":
        inquiry.resolved_at = None
    elif inquiry.resolved_at is None:
        inquiry.resolved_at = now
    if inquiry.status == "resolved" and inquiry.first_responded_at is None:
        words = [fields.facts(c).label for c in (SupportInquiry.status, SupportInquiry.first_responded_at)]
        raise ValidationFailed(
            f"{words[0]}を{labels.INQUIRY_STATUSES['resolved']}にするには、{words[1]}を入力してください",
            details={"field": "first_responded_at", "rule": "responded_before_resolved"},
        )
    _after(inquiry, "first_responded_at", "received_at", "after_received_at")
    _after(inquiry, "resolved_at", "first_responded_at", "after_first_responded_at")


def _resolved_when_timed(changes: dict) -> dict:
    if changes.get("resolved_at") is not None and "status" not in changes:
        return changes | {"status": "resolved"}
    return changes


def create_inquiry(db: Session, *, data: InquiryCreate, actor: Actor, now: datetime) -> SupportInquiry:
    given = data.model_dump(exclude={"reservation_code"}) | _resolved_when_timed(
        data.model_dump(include=data.model_fields_set - {"reservation_code"})
    )
    inquiry = SupportInquiry(
        **given,
        reservation_id=_reservation_id(db, data.reservation_code),
        satisfaction_source="support" if data.satisfaction is not None else None,
        created_by=actor.label[:100],
        created_at=now,
        updated_at=now,
    )
    _settle_status(inquiry, now)
    db.add(inquiry)
    db.flush()
    after = audit.snapshot(inquiry, FIELDS)
    auditing.record(db, actor, "create_support_inquiry", ("support_inquiry", inquiry.id), None, after, now)
    return inquiry


CLEARABLE = ("first_responded_at", "resolved_at", "satisfaction")  # a PATCH's null clears these


def update_inquiry(db: Session, *, inquiry: SupportInquiry, data: InquiryUpdate, actor: Actor, now: datetime) -> None:
    """A rating given here is support's."""
    given = data.model_dump(exclude_unset=True)
    changes = {k: v for k, v in given.items() if k != "reservation_code" and (v is not None or k in CLEARABLE)}
    changes = _resolved_when_timed(changes)
    if given.get("reservation_code") is not None:
        changes["reservation_id"] = _reservation_id(db, given["reservation_code"])
    if "satisfaction" in changes:
        changes["satisfaction_source"] = "support" if changes["satisfaction"] is not None else None
    target = ("support_inquiry", inquiry.id)
    before = audit.snapshot(inquiry, FIELDS)
    for name, value in changes.items():
        setattr(inquiry, name, value)
    inquiry.updated_at = now
    _settle_status(inquiry, now)
    auditing.record(db, actor, "update_support_inquiry", target, before, audit.snapshot(inquiry, FIELDS), now)


@dataclass(frozen=True)
class InquiryFilter:
    channel: str | None = None
    requester_type: str | None = None
    unanswered: bool = False
    status: str | None = None
    received_from: date | None = None  # Japan time
    received_to: date | None = None
    responded: bool = False  # answered (初回応答時間's rows)
    rated: bool = False  # with a satisfaction rating (顧客満足度's rows)


def conditions(flt: InquiryFilter) -> list:
    found = [
        column == value
        for column, value in (
            (SupportInquiry.channel, flt.channel),
            (SupportInquiry.requester_type, flt.requester_type),
            (SupportInquiry.status, flt.status),
        )
        if value
    ]
    if flt.unanswered:
        found.append(SupportInquiry.first_responded_at.is_(None))
    if flt.responded:
        found.append(SupportInquiry.first_responded_at.is_not(None))
    if flt.rated:
        found.append(SupportInquiry.satisfaction.is_not(None))
    if flt.received_from:
        found.append(SupportInquiry.received_at >= day_start(flt.received_from))
    if flt.received_to:
        found.append(SupportInquiry.received_at < day_start(flt.received_to + timedelta(days=1)))
    return found


def inquiry_query(flt: InquiryFilter) -> Select:
    return (
        select(SupportInquiry, Reservation.code)
        .outerjoin(Reservation, Reservation.id == SupportInquiry.reservation_id)
        .where(*conditions(flt))
    )


def filtered(flt: InquiryFilter) -> Select:
    """For counting and aggregating them (figures.py)."""
    return select(SupportInquiry).where(*conditions(flt))


def count_inquiries(db: Session, flt: InquiryFilter) -> int:
    return db.scalar(select(func.count()).select_from(filtered(flt).subquery())) or 0


def list_inquiries(db: Session, *, flt: InquiryFilter, offset: int, limit: int) -> tuple[list[dict], int]:
    query = inquiry_query(flt)
    total = count_inquiries(db, flt)
    rows = db.execute(query.order_by(*LIST_ORDER).offset(offset).limit(limit)).all()
    return [inquiry_read(inquiry, code) for inquiry, code in rows], total


def inquiry_of(db: Session, inquiry_id: int) -> dict:
    inquiry, code = db.execute(inquiry_query(InquiryFilter()).where(SupportInquiry.id == inquiry_id)).one()
    return inquiry_read(inquiry, code)


def inquiry_read(inquiry: SupportInquiry, reservation_code: str | None) -> dict:
    return {
        **as_dict(inquiry),
        "channel_label": labels.INQUIRY_CHANNELS[inquiry.channel],
        "requester_type_label": labels.INQUIRY_REQUESTER_TYPES[inquiry.requester_type],
        "status_label": labels.INQUIRY_STATUSES[inquiry.status],
        "satisfaction_source_label": labels.SATISFACTION_SOURCES.get(inquiry.satisfaction_source or "", ""),
        "reservation_code": reservation_code,
        "first_response_minutes": minutes_between(inquiry.received_at, inquiry.first_responded_at),
        "first_response_met": within(
            inquiry.received_at, inquiry.first_responded_at, InquiryChannel.of(inquiry.channel).target_seconds
        ),
        "resolution_hours": hours_between(inquiry.received_at, inquiry.resolved_at),
        "resolution_business_hours": business_hours_between(inquiry.received_at, inquiry.resolved_at),
        "resolved_in_time": within(inquiry.received_at, inquiry.resolved_at, RESOLUTION_TARGET_SECONDS),
    }


def span_minutes(span: timedelta) -> float:
    """To one decimal: the list, its CSV and the figure's median read it alike."""
    return round(span.total_seconds() / 60, 1)


def minutes_between(start: datetime, end: datetime | None) -> float | None:
    return span_minutes(end - start) if end else None


def hours(span: timedelta) -> float:
    return round(span.total_seconds() / 3600, 1)


def hours_between(start: datetime, end: datetime | None) -> float | None:
    """Wall-clock hours, nights and holidays included: the §7.3.1 解決時間's clock."""
    return hours(end - start) if end else None


def business_hours_between(start: datetime, end: datetime | None) -> float | None:
    """The team's hours (business_hours.py) in the same span, shown beside it."""
    return hours(business_hours.working_time_between(start, end)) if end else None


def within(start: datetime, end: datetime | None, seconds: int) -> str:
    """はい / いいえ, to the second (empty without an end): a figure's share (figures.py counts alike in SQL)."""
    if end is None:
        return ""
    return fields.said(fields.YES_NO, round((end - start).total_seconds()) <= seconds)


def weekly_kpis(db: Session, *, now: datetime, weeks: int = KPI_WEEKS) -> dict:
    """By the week each inquiry arrived; one grouped query each."""
    this_monday = business_hours.today(now) - timedelta(days=business_hours.today(now).weekday())
    mondays = [this_monday - timedelta(weeks=weeks - 1 - index) for index in range(weeks)]
    bounds = [day_start(monday) for monday in [*mondays, this_monday + timedelta(weeks=1)]]
    received = SupportInquiry.received_at
    week = case(*((received < bound, index) for index, bound in enumerate(bounds[1:])))
    in_range = (received >= bounds[0], received < bounds[-1])
    counts = {
        row.week: row
        for row in db.execute(
            select(
                week.label("week"),
                func.count().label("inquiries"),
                func.count(SupportInquiry.first_responded_at).label("done"),
            )
            .where(*in_range)
            .group_by(week)
        )
    }
    medians = _median_minutes(db, week, in_range)
    return {"weeks": [_week(monday, i, counts.get(i), medians) for i, monday in enumerate(mondays)]}


def _week(monday: date, index: int, counts, medians: dict[tuple[int, str], float]) -> dict:
    return {
        "start": monday,
        "end": monday + timedelta(days=6),
        "inquiries": counts.inquiries if counts else 0,
        "responded": counts.done if counts else 0,
        "median_first_response_minutes_by_channel": {
            channel: medians.get((index, channel)) for channel in labels.INQUIRY_CHANNELS
        },
    }


def _median_minutes(db: Session, week, in_range: tuple) -> dict[tuple[int, str], float]:
    """Per week and channel (each against its own target), the spreadsheet's MEDIAN as the figures compute it."""
    medians = {}
    for channel in labels.INQUIRY_CHANNELS:
        spans = select(
            week.label("key"),
            SupportInquiry.received_at.label("start"),
            SupportInquiry.first_responded_at.label("end"),
            SupportInquiry.id.label("id"),
        ).where(*in_range, SupportInquiry.channel == channel, SupportInquiry.first_responded_at.is_not(None))
        middle, spans_of = of(db).middle_spans(spans)
        for row in db.execute(middle):
            medians[(row.key, channel)] = median(*(span_minutes(span) for span in spans_of(row)))
    return medians
