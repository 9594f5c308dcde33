"""The weekly report (§6.2 週次レポート): a week's figures beside the week before's, the support KPIs of §7.3.1, service
share, shop ranking and the week's incidents (§5.1: a Low one is shared here); e-mailed on Monday by the beat."""

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

from service.documents import Table
from service.errors import ValidationFailed
from service.figures import day_start, local
from service.outbox.models import OutboxMessage
from service.outbox.providers import Attachment
from service.outbox.service import enqueue
from service.reservations import labels
from service.reservations.models import Incident, Reservation, ServiceType, Shop
from service.reservations.reports import executive, figures
from service.reservations.reports.executive import RANKING, report_document, report_recipients, summary_figure
from service.reservations.reports.figures import cancel_pct
from service.reservations.support import figures as support_figures

WEEK = timedelta(days=7)
DOMAIN = "reservations"
REPORT_REF = "weekly_report"
SUPPORT_WIDTHS = (4, 4, 5)
RECIPIENT_ROLES = ("operator", "executive")  # 運営担当者 make it (§6.2); 経営陣 read its Low incidents (§5.1)


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def last_week(now: datetime) -> date:
    """Japan time."""
    return week_start(local(now).date()) - WEEK


def parse_week(text: str, now: datetime) -> date:
    """A week not yet begun is refused."""
    try:
        day = date.fromisoformat(text)
    except ValueError as exc:
        raise ValidationFailed(
            "対象週はYYYY-MM-DD形式の日付で指定してください", details={"field": "week", "rule": "yyyy-mm-dd"}
        ) from exc
    if day > local(now).date():
        raise ValidationFailed("未来の週は指定できません", details={"field": "week", "rule": "not_future"})
    return week_start(day)


def report_pdf(db: Session, *, monday: date, now: datetime) -> bytes:
    sunday = monday + timedelta(days=6)
    shown = figures.days_figures(db, first=monday, last=sunday, now=now)
    before = figures.values(db, monday - WEEK, sunday - WEEK)
    value = {f.key: f.value for f in shown}
    names = labels.WEEKLY_REPORT_LABELS
    summary = [
        [f.label, summary_figure(f), summary_figure(f.model_copy(update={"value": before[f.key]}))] for f in shown
    ]
    rate = [cancel_pct(counts[figures.CANCELLED.key], counts[figures.RESERVATIONS.key]) for counts in (value, before)]
    summary.append([names["cancel_rate"], *("-" if pct is None else f"{pct}%" for pct in rate)])
    start, end = day_start(monday), day_start(monday + WEEK)
    return report_document(
        labels.WEEKLY_REPORT_TITLE,
        shown,
        [
            Table("", [names["item"], names["week"], names["previous"]], summary),
            Table(
                names["support"],
                [names["item"], names["value"], names["period"]],
                _support(db, sunday, now),
                widths=SUPPORT_WIDTHS,
            ),
            Table(
                names["services"],
                ["", names["reservations"], names["share"]],
                _shares(db, Reservation.service_type_id, ServiceType, start, end),
            ),
            Table(
                names["shops"],
                ["", names["reservations"], names["confirmed"]],
                _ranking(db, start, end),
            ),
            Table(
                names["incidents"],
                [names["occurred_at"], names["level"], names["title"], names["recovered_at"]],
                _incidents(db, start, end),
            ),
        ],
        partial=names["partial"],
    )


def _support(db: Session, sunday: date, now: datetime) -> list[list]:
    until = min(sunday, local(now).date())
    return [
        [
            figure.label,
            labels.WEEKLY_REPORT_LABELS["basis"].format(value=summary_figure(figure), basis=figure.basis or 0),
            figure.period_label,
        ]
        for figure in support_figures.support_figures(db, now=now, until=until)
    ]


def _made_in(start: datetime, end: datetime) -> tuple:
    """The same as the figures' list filter."""
    return Reservation.created_at >= start, Reservation.created_at < end


def _by(db: Session, column: InstrumentedAttribute, model, start: datetime, end: datetime) -> list:
    reservations, confirmed, _ = executive.tallies()
    stmt = (
        select(model.name, reservations, confirmed)
        .join(model, model.id == column)
        .where(*_made_in(start, end))
        .group_by(model.id, model.name)
        .order_by(reservations.desc(), model.name)
    )
    return list(db.execute(stmt))


def _shares(db: Session, column: InstrumentedAttribute, model, start: datetime, end: datetime) -> list[list]:
    rows = _by(db, column, model, start, end)
    whole = sum(count for _, count, _ in rows)
    return [[name, count, f"{round(100 * count / whole, 1)}%"] for name, count, _ in rows]


def _ranking(db: Session, start: datetime, end: datetime) -> list[list]:
    return [[name, count, confirmed] for name, count, confirmed in _by(db, Reservation.shop_id, Shop, start, end)][
        :RANKING
    ]


def _incidents(db: Session, start: datetime, end: datetime) -> list[list]:
    stmt = (
        select(Incident).where(Incident.occurred_at >= start, Incident.occurred_at < end).order_by(Incident.occurred_at)
    )
    return [
        [
            f"{local(i.occurred_at):%m/%d %H:%M}",
            labels.INCIDENT_LEVELS[i.level],
            i.title,
            f"{local(i.recovered_at):%m/%d %H:%M}" if i.recovered_at else labels.WEEKLY_REPORT_LABELS["unrecovered"],
        ]
        for i in db.scalars(stmt)
    ]


def send_weekly_report(db: Session, *, now: datetime) -> int:
    """Once per week: a week whose report was queued sends nothing more."""
    monday = last_week(now)
    ref = (OutboxMessage.domain == DOMAIN, OutboxMessage.ref_type == REPORT_REF, OutboxMessage.ref_id == f"{monday}")
    if db.scalar(select(OutboxMessage.id).where(*ref).limit(1)) is not None:
        return 0
    recipients = report_recipients(db, roles=RECIPIENT_ROLES)
    if not recipients:
        return 0
    pdf = Attachment(f"qrv-weekly-{monday}.pdf", "application/pdf", report_pdf(db, monday=monday, now=now))
    sunday = monday + timedelta(days=6)
    for user in recipients:
        enqueue(
            db,
            channel="email",
            recipient=user.email,
            subject=f"{labels.WEEKLY_REPORT_TITLE} {monday:%Y/%m/%d}〜{sunday:%m/%d}",
            body=labels.WEEKLY_REPORT_MAIL_BODY.format(name=user.name, monday=monday, sunday=sunday),
            domain=DOMAIN,
            ref_type=REPORT_REF,
            ref_id=monday,
            dedupe_key=f"{DOMAIN}:{REPORT_REF}:{monday}:{user.id}",
            attachments=[pdf],
        )
    return len(recipients)
