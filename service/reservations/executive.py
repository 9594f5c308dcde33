"""The executive view (§4.2.2): monthly reservations, revenue, service-type share and the shop ranking, computed by
a nightly job into reservations_monthly_stat, the month so far against the same days of the previous month, and the
monthly PDF report, e-mailed to every executive on the 1st."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import case, delete, func, select
from sqlalchemy.orm import Session

from service.config import get_settings
from service.documents import FONT, japanese_pdf
from service.errors import ValidationFailed
from service.identity.models import Grant, User
from service.outbox.models import OutboxMessage
from service.outbox.providers import Attachment
from service.outbox.service import enqueue
from service.reservations import labels
from service.reservations.models import MonthlyStat, Payment, Reservation, ServiceType, Shop

RECOMPUTE_MONTHS = 13  # a reservation's status can change until its date; a year back covers it
CONFIRMED = ("confirmed", "completed")
RANKING = 10
TREND_MONTHS = 12  # the report's trend table: the month and the 11 before it
DOMAIN = "reservations"
REPORT_REF = "executive_report"


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def _bounds(month: date) -> tuple[datetime, datetime]:
    zone = ZoneInfo(get_settings().timezone)
    start = datetime(month.year, month.month, 1, tzinfo=zone)
    following = add_months(month, 1)
    return start, datetime(following.year, following.month, 1, tzinfo=zone)


def _tallies():
    """Reservations, and the confirmed and the cancelled among them."""
    return (
        func.count(),
        func.coalesce(func.sum(case((Reservation.status.in_(CONFIRMED), 1), else_=0)), 0),
        func.coalesce(func.sum(case((Reservation.status == "cancelled", 1), else_=0)), 0),
    )


def _paid(start: datetime, end: datetime) -> tuple:
    return Payment.status == "paid", Payment.paid_at >= start, Payment.paid_at < end


def cancel_pct(cancelled: int, reservations: int) -> float | None:
    """キャンセル率: the cancelled share of the reservations made (§4.1.2)."""
    return round(100 * cancelled / reservations, 1) if reservations else None


def _totals(db: Session, start: datetime, end: datetime) -> dict:
    """Reservations made in [start, end) (the confirmed and cancelled among them) and the revenue paid in it."""
    reservations, confirmed, cancelled = db.execute(
        select(*_tallies()).where(Reservation.created_at >= start, Reservation.created_at < end)
    ).one()
    revenue = db.scalar(select(func.coalesce(func.sum(Payment.amount), 0)).where(*_paid(start, end)))
    return {
        "reservations": reservations,
        "confirmed": confirmed,
        "cancelled": cancelled,
        "cancel_pct": cancel_pct(cancelled, reservations),
        "revenue": revenue or 0,
    }


def _month_rows(db: Session, month: date, now: datetime) -> list[MonthlyStat]:
    start, end = _bounds(month)
    created = (Reservation.created_at >= start, Reservation.created_at < end)
    paid = _paid(start, end)
    revenue_by = {
        name: dict(
            db.execute(
                select(column, func.sum(Payment.amount))
                .join(Reservation, Reservation.id == Payment.reservation_id)
                .where(*paid)
                .group_by(column)
            ).all()
        )
        for name, column in (("service", Reservation.service_type_id), ("shop", Reservation.shop_id))
    }
    rows = []
    for dimension, column, names in (
        ("service", Reservation.service_type_id, dict(db.execute(select(ServiceType.id, ServiceType.name)).all())),
        ("shop", Reservation.shop_id, dict(db.execute(select(Shop.id, Shop.name)).all())),
    ):
        for key, count, confirmed, cancelled in db.execute(
            select(column, *_tallies()).where(*created, column.is_not(None)).group_by(column)
        ):
            rows.append(
                MonthlyStat(
                    month=month,
                    dimension=dimension,
                    key_id=key,
                    label=names.get(key, "")[:100],
                    reservations=count,
                    confirmed=confirmed,
                    cancelled=cancelled,
                    revenue=revenue_by[dimension].get(key) or 0,
                    computed_at=now,
                )
            )
    rows.append(
        MonthlyStat(
            month=month,
            dimension="total",
            key_id=0,
            label="",
            computed_at=now,
            **{k: v for k, v in _totals(db, start, end).items() if k != "cancel_pct"},
        )
    )
    return rows


def recompute(db: Session, *, now: datetime, months: list[date] | None = None) -> int:
    """Rewrite the summary for the given months (default: the last 13, or every month on the first run)."""
    if months is None:
        months = months_to_recompute(db, now)
    for month in months:
        db.execute(delete(MonthlyStat).where(MonthlyStat.month == month))
        db.add_all(_month_rows(db, month, now))
        db.flush()
    return len(months)


def months_to_recompute(db: Session, now: datetime) -> list[date]:
    current = month_start(now.astimezone(ZoneInfo(get_settings().timezone)).date())
    first = add_months(current, 1 - RECOMPUTE_MONTHS)
    if db.scalar(select(func.count()).select_from(MonthlyStat)) == 0:
        oldest = db.scalar(select(func.min(Reservation.created_at)))
        if oldest is not None:
            first = min(first, month_start(oldest.astimezone(ZoneInfo(get_settings().timezone)).date()))
    months = []
    while first <= current:
        months.append(first)
        first = add_months(first, 1)
    return months


def summary(db: Session, *, now: datetime, months: int) -> dict:
    """The last `months` months from the summary table: totals per month, service share and shop ranking; and this
    month so far against the same days of the previous month, both counted up to the nightly computation."""
    current = month_start(now.astimezone(ZoneInfo(get_settings().timezone)).date())
    computed = db.scalar(
        select(MonthlyStat.computed_at).where(MonthlyStat.month == current, MonthlyStat.dimension == "total")
    )
    return summary_between(db, first=add_months(current, 1 - months), last=current) | {
        "month_to_date": month_to_date(db, through=computed or now)
    }


def month_to_date(db: Session, *, through: datetime) -> dict:
    """This month up to `through` and the same stretch of the previous month (as long from its first day, never past
    its end), so a month in progress is never compared with a whole month."""
    zone = ZoneInfo(get_settings().timezone)
    local = through.astimezone(zone)
    this_month = month_start(local.date())
    start, _ = _bounds(this_month)
    previous_start, previous_end = _bounds(add_months(this_month, -1))
    previous_through = min(previous_start + (local - start), previous_end)
    return {
        "through": through,
        "days": local.day,
        "previous_days": min(local.day, (previous_end - previous_start).days),
        "current": _totals(db, start, local),
        "previous": _totals(db, previous_start, previous_through),
    }


def summary_between(db: Session, *, first: date, last: date) -> dict:
    """Totals per month from `first` to `last`, and the service share and shop ranking over those months."""
    period = (MonthlyStat.month >= first, MonthlyStat.month <= last)
    return {
        "months": monthly_totals(db, first=first, last=last),
        "services": _shares(db, "service", period),
        "shops": _shares(db, "shop", period, limit=RANKING),
        "computed_at": db.scalar(select(func.max(MonthlyStat.computed_at)).where(*period)),
    }


def monthly_totals(db: Session, *, first: date, last: date) -> list[dict]:
    """One row per month from `first` to `last` (zeros for a month without reservations)."""
    period = (MonthlyStat.month >= first, MonthlyStat.month <= last)
    totals = {
        row.month: row for row in db.scalars(select(MonthlyStat).where(*period, MonthlyStat.dimension == "total"))
    }
    month_rows = []
    month = first
    while month <= last:
        row = totals.get(month)
        month_rows.append(
            {
                "month": f"{month:%Y-%m}",
                "reservations": row.reservations if row else 0,
                "confirmed": row.confirmed if row else 0,
                "cancelled": row.cancelled if row else 0,
                "cancel_pct": cancel_pct(row.cancelled, row.reservations) if row else None,
                "revenue": row.revenue if row else 0,
            }
        )
        month = add_months(month, 1)
    return month_rows


def _shares(db: Session, dimension: str, period, limit: int | None = None) -> list[dict]:
    reservations = func.sum(MonthlyStat.reservations)
    stmt = (
        select(MonthlyStat.key_id, func.max(MonthlyStat.label), reservations, func.sum(MonthlyStat.confirmed))
        .where(*period, MonthlyStat.dimension == dimension)
        .group_by(MonthlyStat.key_id)
        .order_by(reservations.desc(), MonthlyStat.key_id)
    )
    rows = db.execute(stmt.limit(limit) if limit else stmt).all()
    whole = db.scalar(
        select(func.coalesce(func.sum(MonthlyStat.reservations), 0)).where(*period, MonthlyStat.dimension == dimension)
    )
    return [
        {
            "id": key,
            "name": name,
            "reservations": count,
            "confirmed": confirmed,
            "share_pct": round(100 * count / whole, 1) if whole else 0.0,
        }
        for key, name, count, confirmed in rows
    ]


def parse_month(text: str, now: datetime) -> date:
    try:
        year, number = (int(part) for part in text.split("-"))
        month = date(year, number, 1)
    except ValueError as exc:
        raise ValidationFailed(
            "対象月はYYYY-MM形式で指定してください", details={"field": "month", "rule": "yyyy-mm"}
        ) from exc
    if month > month_start(now.astimezone(ZoneInfo(get_settings().timezone)).date()):
        raise ValidationFailed("未来の月は指定できません", details={"field": "month", "rule": "not_future"})
    return month


def report_pdf(db: Session, *, month: date) -> bytes:
    """The month's numbers, service share and shop ranking, all of that month alone, and the trend of the 12 months
    up to it (its heading says so), as a Japanese PDF."""
    data = summary_between(db, first=month, last=month)
    trend = monthly_totals(db, first=add_months(month, 1 - TREND_MONTHS), last=month)
    names = labels.REPORT_LABELS
    pdf = japanese_pdf()
    pdf.add_page()
    pdf.set_font(FONT, size=18)
    pdf.cell(0, 14, f"{labels.REPORT_TITLE} {month:%Y-%m}", new_x="LMARGIN", new_y="NEXT")
    current = data["months"][-1]
    _table(
        pdf,
        [names["month"], names["reservations"], names["confirmed"], names["cancelled"], names["revenue"]],
        [
            [
                current["month"],
                current["reservations"],
                current["confirmed"],
                current["cancelled"],
                f"{current['revenue']:,}{names['yen']}",
            ]
        ],
    )
    _heading(pdf, names["services"].format(month=month))
    _table(
        pdf,
        ["", names["reservations"], names["share"]],
        [[s["name"], s["reservations"], f"{s['share_pct']}%"] for s in data["services"]],
    )
    _heading(pdf, names["shops"].format(month=month))
    _table(
        pdf,
        ["", names["reservations"], names["confirmed"]],
        [[s["name"], s["reservations"], s["confirmed"]] for s in data["shops"]],
    )
    _heading(pdf, names["trend"].format(months=TREND_MONTHS))
    _table(
        pdf,
        [names["month"], names["reservations"], names["confirmed"], names["cancelled"], names["revenue"]],
        [[m["month"], m["reservations"], m["confirmed"], m["cancelled"], f"{m['revenue']:,}"] for m in trend],
    )
    return bytes(pdf.output())


def _heading(pdf, text: str) -> None:
    pdf.ln(4)
    pdf.set_font(FONT, size=13)
    pdf.cell(0, 10, text, new_x="LMARGIN", new_y="NEXT")


def _table(pdf, header: list[str], rows: list[list]) -> None:
    width = (pdf.w - pdf.l_margin - pdf.r_margin) / len(header)
    pdf.set_font(FONT, size=10)
    for line in [header, *rows]:
        for value in line:
            pdf.cell(width, 8, str(value), border=1)
        pdf.ln(8)


def report_recipients(db: Session) -> list[User]:
    """Active users with the reservations executive role and an e-mail address."""
    stmt = (
        select(User)
        .join(Grant, Grant.user_id == User.id)
        .where(Grant.domain == DOMAIN, Grant.role == "executive", User.is_active, User.email != "")
        .order_by(User.id)
    )
    return list(db.scalars(stmt))


def send_monthly_report(db: Session, *, now: datetime) -> int:
    """Queue the previous month's PDF report to every executive, once per month: a month whose report was queued
    already sends nothing more (executives added since included). Returns how many e-mails were queued."""
    month = add_months(month_start(now.astimezone(ZoneInfo(get_settings().timezone)).date()), -1)
    ref = (OutboxMessage.domain == DOMAIN, OutboxMessage.ref_type == REPORT_REF, OutboxMessage.ref_id == f"{month}")
    if db.scalar(select(OutboxMessage.id).where(*ref).limit(1)) is not None:
        return 0
    recipients = report_recipients(db)
    if not recipients:
        return 0
    recompute(db, now=now, months=[month])  # its last days, even when last night's batch did not run
    pdf = Attachment(f"qrv-report-{month:%Y-%m}.pdf", "application/pdf", report_pdf(db, month=month))
    for user in recipients:
        enqueue(
            db,
            channel="email",
            recipient=user.email,
            subject=f"{labels.REPORT_TITLE} {month:%Y-%m}",
            body=labels.REPORT_MAIL_BODY.format(name=user.name, month=month),
            domain=DOMAIN,
            ref_type=REPORT_REF,
            ref_id=month,
            dedupe_key=f"{DOMAIN}:{REPORT_REF}:{month}:{user.id}",
            attachments=[pdf],
        )
    return len(recipients)
