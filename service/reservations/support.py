"""Support inquiries (§7 サポート体制): support logs every inquiry from a requester or a shop, by e-mail or phone,
whether or not it names a reservation, with when it arrived, when it was first answered and the answer; audited.
The §7.3.1 KPI reads them per calendar week in SQL: how many arrived, how many were answered, and the median
初回応答時間 (first response minus arrival) of those answered."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from service import fields
from service.audit import service as audit
from service.audit.service import Actor
from service.dialect import epoch
from service.errors import ValidationFailed, unknown_reference
from service.reservations import auditing, console, labels
from service.reservations.models import Reservation, SupportInquiry, as_dict, get_or_404
from service.reservations.schemas import InquiryCreate, InquiryUpdate

FIELDS = fields.audited(SupportInquiry)  # channel, requester_type, requester, reservation_id, ..., answer
KPI_WEEKS = 8
LIST_ORDER = (SupportInquiry.received_at.desc(), SupportInquiry.id.desc())


def get_inquiry(db: Session, inquiry_id: int) -> SupportInquiry:
    return get_or_404(db, SupportInquiry, inquiry_id, "問い合わせ")


def _reservation_id(db: Session, code: str | None) -> int | None:
    """The named reservation's id (none named: None); an id that names no reservation is a 422 on the field."""
    if not code:
        return None
    found = db.scalar(select(Reservation.id).where(Reservation.code == code.upper()))
    if found is None:
        raise unknown_reference("指定された予約は見つかりません", "reservation_code")
    return found


def _check_times(inquiry: SupportInquiry) -> None:
    if inquiry.first_responded_at is not None and inquiry.first_responded_at < inquiry.received_at:
        responded, received = (
            fields.facts(c).label for c in (SupportInquiry.first_responded_at, SupportInquiry.received_at)
        )
        raise ValidationFailed(
            f"{responded}は{received}より後にしてください",
            details={"field": "first_responded_at", "rule": "after_received_at"},
        )


def create_inquiry(db: Session, *, data: InquiryCreate, actor: Actor, now: datetime) -> SupportInquiry:
    given = data.model_dump(exclude={"reservation_code"})
    inquiry = SupportInquiry(
        **given,
        reservation_id=_reservation_id(db, data.reservation_code),
        created_by=actor.label[:100],
        created_at=now,
        updated_at=now,
    )
    _check_times(inquiry)
    db.add(inquiry)
    db.flush()
    after = audit.snapshot(inquiry, FIELDS)
    auditing.record(db, actor, "create_support_inquiry", ("support_inquiry", inquiry.id), None, after, now)
    return inquiry


def update_inquiry(db: Session, *, inquiry: SupportInquiry, data: InquiryUpdate, actor: Actor, now: datetime) -> None:
    """Set the fields given (first_responded_at may be set back to null)."""
    given = data.model_dump(exclude_unset=True)
    changes = {
        k: v for k, v in given.items() if k != "reservation_code" and (v is not None or k == "first_responded_at")
    }
    if given.get("reservation_code") is not None:
        changes["reservation_id"] = _reservation_id(db, given["reservation_code"])
    target = ("support_inquiry", inquiry.id)
    auditing.update(db, inquiry, changes, FIELDS, actor=actor, action="update_support_inquiry", target=target, now=now)
    _check_times(inquiry)


@dataclass(frozen=True)
class InquiryFilter:
    channel: str | None = None
    requester_type: str | None = None
    unanswered: bool = False  # no first response yet


def inquiry_query(flt: InquiryFilter) -> Select:
    """The inquiries of the list with their reservation's id, shown newest first (`LIST_ORDER`)."""
    conditions = []
    if flt.channel:
        conditions.append(SupportInquiry.channel == flt.channel)
    if flt.requester_type:
        conditions.append(SupportInquiry.requester_type == flt.requester_type)
    if flt.unanswered:
        conditions.append(SupportInquiry.first_responded_at.is_(None))
    return (
        select(SupportInquiry, Reservation.code)
        .outerjoin(Reservation, Reservation.id == SupportInquiry.reservation_id)
        .where(*conditions)
    )


def list_inquiries(db: Session, *, flt: InquiryFilter, offset: int, limit: int) -> tuple[list[dict], int]:
    query = inquiry_query(flt)
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.execute(query.order_by(*LIST_ORDER).offset(offset).limit(limit)).all()
    return [inquiry_read(inquiry, code) for inquiry, code in rows], total


def inquiry_of(db: Session, inquiry_id: int) -> dict:
    inquiry, code = db.execute(inquiry_query(InquiryFilter()).where(SupportInquiry.id == inquiry_id)).one()
    return inquiry_read(inquiry, code)


def inquiry_read(inquiry: SupportInquiry, reservation_code: str | None) -> dict:
    responded = inquiry.first_responded_at
    return {
        **as_dict(inquiry),
        "channel_label": labels.INQUIRY_CHANNELS[inquiry.channel],
        "requester_type_label": labels.INQUIRY_REQUESTER_TYPES[inquiry.requester_type],
        "reservation_code": reservation_code,
        "first_response_minutes": (
            round((responded - inquiry.received_at).total_seconds() / 60, 1) if responded else None
        ),
    }


def weekly_kpis(db: Session, *, now: datetime, weeks: int = KPI_WEEKS) -> dict:
    """The last `weeks` calendar weeks (this one last), by the week each inquiry arrived: how many arrived, how many
    were answered, and the median first-response time in minutes of those answered (one grouped query each)."""
    this_monday = console.today(now) - timedelta(days=console.today(now).weekday())
    mondays = [this_monday - timedelta(weeks=weeks - 1 - index) for index in range(weeks)]
    bounds = [console.day_start(monday) for monday in [*mondays, this_monday + timedelta(weeks=1)]]
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
    return {"weeks": [_week(monday, counts.get(i), medians.get(i)) for i, monday in enumerate(mondays)]}


def _week(monday: date, counts, median: float | None) -> dict:
    return {
        "start": monday,
        "end": monday + timedelta(days=6),
        "inquiries": counts.inquiries if counts else 0,
        "responded": counts.done if counts else 0,
        "median_first_response_minutes": round(median, 1) if median is not None else None,
    }


def _median_minutes(db: Session, week, in_range: tuple) -> dict[int, float]:
    """Per week, the middle first-response time (the mean of the two middle ones for an even count), in SQL."""
    minutes = (epoch(SupportInquiry.first_responded_at) - epoch(SupportInquiry.received_at)) / 60.0
    ranked = (
        select(
            week.label("week"),
            minutes.label("minutes"),
            func.row_number().over(partition_by=week, order_by=minutes).label("position"),
            func.count().over(partition_by=week).label("answered"),
        )
        .where(*in_range, SupportInquiry.first_responded_at.is_not(None))
        .subquery()
    )
    middle = ranked.c.position.in_(((ranked.c.answered + 1) // 2, (ranked.c.answered + 2) // 2))
    rows = db.execute(select(ranked.c.week, func.avg(ranked.c.minutes)).where(middle).group_by(ranked.c.week)).all()
    return {week_index: float(value) for week_index, value in rows}
