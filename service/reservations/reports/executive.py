"""The executive view (§4.2.2): monthly figures computed nightly into reservations_monthly_stat, the month so far
against the same days of the previous month, and the monthly PDF report e-mailed to every executive on the 1st."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import case, delete, func, select
from sqlalchemy.orm import Session

from service import figures as figures_core
from service.config import get_settings
from service.documents import FONT, Table, draw_table, japanese_pdf
from service.errors import ValidationFailed
from service.figures import FigureRead
from service.identity.models import Grant, User
from service.outbox.models import OutboxMessage
from service.outbox.providers import Attachment
from service.outbox.service import enqueue
from service.reservations import labels
from service.reservations.console.console import CONFIRMED
from service.reservations.models import MonthlyStat, Payment, Reservation, ServiceType, Shop
from service.reservations.reports import figures
from service.reservations.reports.figures import cancel_pct

RECOMPUTE_MONTHS = 13  # a reservation's status can change until its date; a year back covers it
RANKING = 10
TREND_MONTHS = 12
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


def tallies():
    """The same as figures.py's filters, by group."""
    return (
        func.count(),
        func.coalesce(func.sum(case((Reservation.status.in_(CONFIRMED), 1), else_=0)), 0),
        func.coalesce(func.sum(case((Reservation.status == "cancelled", 1), else_=0)), 0),
    )


def _paid(start: datetime, end: datetime) -> tuple:
    return Payment.status == "paid", Payment.paid_at >= start, Payment.paid_at < end


def _totals(db: Session, first: date, last: date) -> dict:
    found = figures.values(db, first, last)
    return {figure.key.split(".")[1]: found[figure.key] for figure in figures.MONTH}


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
            select(column, *tallies()).where(*created, column.is_not(None)).group_by(column)
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
            **_totals(db, month, figures.last_day(month)),
        )
    )
    return rows


def recompute(db: Session, *, now: datetime, months: list[date] | None = None) -> int:
    """Default: the last 13, or every month on the first run."""
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
    current = month_start(now.astimezone(ZoneInfo(get_settings().timezone)).date())
    return summary_between(db, first=add_months(current, 1 - months), last=current) | {
        "months_label": figures_core.MONTHS_LABEL.format(months=months),
        "month_to_date": month_to_date(db, now=now),
    }


def month_to_date(db: Session, *, now: datetime) -> dict:
    """As many days from the previous month's first, never past its end: a month in progress is never compared with a
    whole month."""
    today = now.astimezone(ZoneInfo(get_settings().timezone)).date()
    this_month = month_start(today)
    previous = add_months(this_month, -1)
    previous_last = min(previous.replace(day=1) + (today - this_month), figures.last_day(previous))
    shown = figures.month_figures(db, month=this_month, now=now)
    value = {figure.key: figure.value for figure in shown}
    before = figures.values(db, previous, previous_last)
    return {
        "days": today.day,
        "previous_days": previous_last.day,
        "figures": shown,
        "previous": before,
        "cancel_pct": cancel_pct(value[figures.CANCELLED.key], value[figures.RESERVATIONS.key]),
        "previous_cancel_pct": cancel_pct(before[figures.CANCELLED.key], before[figures.RESERVATIONS.key]),
    }


def summary_between(db: Session, *, first: date, last: date) -> dict:
    period = (MonthlyStat.month >= first, MonthlyStat.month <= last)
    return {
        "months": monthly_totals(db, first=first, last=last),
        "services": _shares(db, "service", period),
        "shops": _shares(db, "shop", period, limit=RANKING),
        "computed_at": db.scalar(select(func.max(MonthlyStat.computed_at)).where(*period)),
    }


def monthly_totals(db: Session, *, first: date, last: date) -> list[dict]:
    """Zeros for a month without reservations."""
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


def report_pdf(db: Session, *, month: date, now: datetime) -> bytes:
    """Money in 万円 with the exact sum beside it; a month still running marked partial."""
    shown = figures.month_figures(db, month=month, now=now)
    data = summary_between(db, first=month, last=month)
    trend = monthly_totals(db, first=add_months(month, 1 - TREND_MONTHS), last=month)
    names = labels.REPORT_LABELS
    nightly = names["nightly"].format(at=figures_core.as_of_label(data["computed_at"]) if data["computed_at"] else "-")
    return report_document(
        labels.REPORT_TITLE,
        shown,
        [
            Table("", [names["item"], names["value"]], [[f.label, summary_figure(f)] for f in shown]),
            Table(
                f"{names['services'].format(month=month)} {nightly}",
                ["", names["reservations"], names["share"]],
                [[s["name"], s["reservations"], f"{s['share_pct']}%"] for s in data["services"]],
            ),
            Table(
                names["shops"].format(month=month),
                ["", names["reservations"], names["confirmed"]],
                [[s["name"], s["reservations"], s["confirmed"]] for s in data["shops"]],
            ),
            Table(
                names["trend"].format(months=TREND_MONTHS),
                [names["month"], names["reservations"], names["confirmed"], names["cancelled"], names["revenue"]],
                [[m["month"], m["reservations"], m["confirmed"], m["cancelled"], f"{m['revenue']:,}"] for m in trend],
            ),
        ],
        partial=names["partial"],
    )


def report_document(title: str, shown: list[FigureRead], tables: list[Table], *, partial: str) -> bytes:
    names = labels.REPORT_LABELS
    period = shown[0].period_label
    pdf = japanese_pdf()
    pdf.add_page()
    pdf.set_font(FONT, size=18)
    pdf.cell(0, 14, f"{title} {period}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=10)
    pdf.cell(0, 8, names["as_of"].format(at=shown[0].as_of_label), new_x="LMARGIN", new_y="NEXT")
    if shown[0].partial:
        pdf.cell(0, 8, partial.format(period=period), new_x="LMARGIN", new_y="NEXT")
    for table in tables:
        draw_table(pdf, table)
    return bytes(pdf.output())


def summary_figure(figure: FigureRead) -> str:
    """As its card does: 103件, 89.9万円（899,000円）, 85.0%, 12.5分, 4.20 (of no rows: —)."""
    names = labels.REPORT_LABELS
    if figure.basis == 0:
        return names["no_basis"]
    if figure.unit == "yen":
        return f"{figures_core.money_man_yen(figure.value)}（{figure.value:,}{names['yen']}）"
    if figure.unit == "percent":
        return f"{figure.value * 100:.1f}%"
    if figure.unit == "rating":
        return f"{figure.value:.2f}"
    if figure.unit in labels.REPORT_UNITS:
        text = f"{figure.value:.2f}"  # to one decimal, or two where a median of an even count has them
        return f"{text[:-1] if text.endswith('0') else text}{labels.REPORT_UNITS[figure.unit]}"
    return f"{figure.value:,}{figure.counter}"


def report_recipients(db: Session, *, roles: tuple[str, ...] = ("executive",)) -> list[User]:
    """Each once."""
    stmt = (
        select(User)
        .where(User.is_active, User.email != "")
        .where(select(Grant.id).where(Grant.user_id == User.id, Grant.domain == DOMAIN, Grant.role.in_(roles)).exists())
        .order_by(User.id)
    )
    return list(db.scalars(stmt))


def send_monthly_report(db: Session, *, now: datetime) -> int:
    """Once per month: a month whose report was queued sends nothing more (executives added since included)."""
    month = add_months(month_start(now.astimezone(ZoneInfo(get_settings().timezone)).date()), -1)
    ref = (OutboxMessage.domain == DOMAIN, OutboxMessage.ref_type == REPORT_REF, OutboxMessage.ref_id == f"{month}")
    if db.scalar(select(OutboxMessage.id).where(*ref).limit(1)) is not None:
        return 0
    recipients = report_recipients(db)
    if not recipients:
        return 0
    recompute(db, now=now, months=[month])  # even when last night's batch did not run
    pdf = Attachment(f"qrv-report-{month:%Y-%m}.pdf", "application/pdf", report_pdf(db, month=month, now=now))
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
