"""The dashboard's numbers and the monthly customer report (JSON, CSV, PDF), every aggregate computed in SQL."""

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, literal, select
from sqlalchemy.orm import Session

from service.config import get_settings
from service.csvtools import csv_bytes
from service.dialect import epoch
from service.documents import FONT, japanese_pdf
from service.errors import ValidationFailed
from service.fleet import labels
from service.fleet.alerts import RESOLVED, open_overdue_condition, with_places
from service.fleet.models import Alert, Customer, Incident, Terminal
from service.fleet.schemas import AlertTypeCount, CriticalAlert, CustomerStatus, DashboardRead, MonthlyReport
from service.tenancy import TenantScope, scoped

STATUSES = ("online", "offline", "error", "maintenance")
CRITICAL_LIMIT = 10


def _status_count(status: str):
    return func.coalesce(func.sum(case((Terminal.status == status, 1), else_=0)), 0)


def _alert_count(db: Session, scope: TenantScope, condition) -> int:
    stmt = select(func.count()).select_from(Alert).where(condition)
    return db.scalar(scoped(stmt, scope, Alert.customer_id)) or 0


def dashboard(db: Session, *, scope: TenantScope, now: datetime) -> DashboardRead:
    counts = dict(
        db.execute(
            scoped(select(Terminal.status, func.count()), scope, Terminal.customer_id).group_by(Terminal.status)
        ).all()
    )
    total = sum(counts.values())
    open_alerts = _alert_count(db, scope, Alert.status != RESOLVED)
    sla_overdue = _alert_count(db, scope, open_overdue_condition(now))
    open_incidents = (
        db.scalar(
            scoped(
                select(func.count()).select_from(Incident).where(Incident.status != RESOLVED),
                scope,
                Incident.customer_id,
            )
        )
        or 0
    )
    monitored = total - counts.get("maintenance", 0)
    critical = [
        dict(a) | {"summary": _summary(a)} for a in db.execute(_critical(scope).limit(CRITICAL_LIMIT)).mappings()
    ]
    terminals = func.count(Terminal.id)
    customers = db.execute(
        scoped(
            select(
                Customer.id.label("customer_id"),
                Customer.company_name,
                terminals.label("terminals"),
                *(_status_count(s).label(s) for s in STATUSES),
            ).join(Terminal, Terminal.customer_id == Customer.id),
            scope,
            Customer.id,
        )
        .group_by(Customer.id, Customer.company_name)
        .order_by(terminals.desc(), Customer.company_name)
    ).mappings()
    return DashboardRead(
        **{status: counts.get(status, 0) for status in STATUSES},
        total=total,
        open_alerts=open_alerts,
        sla_overdue=sla_overdue,
        open_incidents=open_incidents,
        availability_pct=round(100 * counts.get("online", 0) / monitored, 1) if monitored else 0.0,
        critical_alerts=[
            CriticalAlert.model_validate(
                a | {"minutes_ago": max(0, int((now - a["created_at"]).total_seconds() // 60))}
            )
            for a in critical
        ],
        customers=[CustomerStatus.model_validate(dict(c)) for c in customers],
    )


def _critical(scope: TenantScope):
    """重要アラート: errors and offline terminals first, then resource alerts, then the rest; within each, the
    unacknowledged before the acknowledged, oldest first."""
    importance = case(
        (Alert.alert_type.in_(("error", "offline")), 0),
        (Alert.alert_type.in_(("high_cpu", "high_memory")), 1),
        else_=2,
    )
    stmt = with_places(
        Alert.id,
        Customer.company_name,
        Terminal.store_name,
        Terminal.serial_number,
        Alert.alert_type,
        Alert.created_at,
        Terminal.cpu_usage,
        Terminal.memory_usage,
    ).where(Alert.status != RESOLVED)
    acknowledged = case((Alert.status == "open", 0), else_=1)
    return scoped(stmt, scope, Alert.customer_id).order_by(importance, acknowledged, Alert.created_at, Alert.id)


def _summary(alert) -> str:
    """The alert as §3.2 shows it: «CPU使用率95%» for a resource alert, else its type."""
    usage = {"high_cpu": alert["cpu_usage"], "high_memory": alert["memory_usage"]}.get(alert["alert_type"])
    if usage is None:
        return labels.ALERT_TYPES.get(alert["alert_type"], alert["alert_type"])
    return f"{labels.USAGE_LABELS[alert['alert_type']]}{usage:.0f}%"


# --- monthly report -----------------------------------------------------------------------------


def month_bounds(month: str, now: datetime) -> tuple[datetime, datetime]:
    """[start, end) of a calendar month in the service's time zone, as UTC; a current month ends now."""
    try:
        year, number = (int(p) for p in month.split("-"))
        start = datetime(year, number, 1, tzinfo=ZoneInfo(get_settings().timezone))
    except ValueError as exc:
        raise ValidationFailed(
            "対象月はYYYY-MM形式で指定してください", details={"field": "month", "rule": "yyyy-mm"}
        ) from exc
    end = start.replace(year=year + number // 12, month=number % 12 + 1)
    if start > now:
        raise ValidationFailed("未来の月は指定できません", details={"field": "month", "rule": "not_future"})
    return start.astimezone(now.tzinfo), min(end, now)


def _clipped(column, lower: float, upper: float):
    """epoch(column) clipped into [lower, upper]; NULL counts as upper (still open)."""
    value = epoch(column)
    return case((column.is_(None), upper), (value > upper, upper), (value < lower, lower), else_=value)


def monthly_report(db: Session, *, customer: Customer, month: str, now: datetime) -> MonthlyReport:
    start, end = month_bounds(month, now)
    s, e = start.timestamp(), end.timestamp()
    terminals, terminal_seconds = db.execute(
        select(func.count(), func.coalesce(func.sum(literal(e) - _clipped(Terminal.created_at, s, e)), 0)).where(
            Terminal.customer_id == customer.id, Terminal.created_at < end
        )
    ).one()
    offline_seconds = db.scalar(
        select(func.coalesce(func.sum(_clipped(Alert.resolved_at, s, e) - _clipped(Alert.created_at, s, e)), 0)).where(
            Alert.customer_id == customer.id,
            Alert.alert_type == "offline",
            Alert.created_at < end,
            (Alert.resolved_at.is_(None)) | (Alert.resolved_at > start),
        )
    )
    in_month = (Alert.customer_id == customer.id, Alert.created_at >= start, Alert.created_at < end)
    by_type = dict(db.execute(select(Alert.alert_type, func.count()).where(*in_month).group_by(Alert.alert_type)).all())
    resolved, mttr = db.execute(
        select(func.count(), func.avg(epoch(Alert.resolved_at) - epoch(Alert.created_at))).where(
            *in_month, Alert.resolved_at.is_not(None)
        )
    ).one()
    availability = 100 * (1 - offline_seconds / terminal_seconds) if terminal_seconds else 100.0
    return MonthlyReport(
        customer_id=customer.id,
        company_name=customer.company_name,
        month=month,
        terminals=terminals,
        availability_pct=round(max(0.0, availability), 2),
        alerts_total=sum(by_type.values()),
        alerts_by_type=[
            AlertTypeCount(alert_type=k, label=v, count=by_type.get(k, 0)) for k, v in labels.ALERT_TYPES.items()
        ],
        resolved=resolved,
        mean_time_to_resolve_minutes=round(mttr / 60, 1) if mttr is not None else None,
    )


def _rows(report: MonthlyReport) -> list[tuple[str, str]]:
    names = labels.REPORT_LABELS
    mttr = (
        "-"
        if report.mean_time_to_resolve_minutes is None
        else f"{report.mean_time_to_resolve_minutes}{names['minutes']}"
    )
    rows = [
        (names["customer"], report.company_name),
        (names["month"], report.month),
        (names["terminals"], str(report.terminals)),
        (names["availability"], f"{report.availability_pct}%"),
        (names["alerts"], str(report.alerts_total)),
    ]
    rows += [(f"{names['alert_type']}: {t.label}", str(t.count)) for t in report.alerts_by_type]
    return rows + [(names["mttr"], mttr)]


def report_csv(report: MonthlyReport) -> bytes:
    return csv_bytes(labels.REPORT_CSV_HEADER, _rows(report))


def report_pdf(report: MonthlyReport) -> bytes:
    pdf = japanese_pdf()
    pdf.add_page()
    pdf.set_font(FONT, size=18)
    pdf.cell(0, 14, f"{labels.REPORT_TITLE} {report.company_name} {report.month}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=11)
    for name, value in _rows(report):
        pdf.cell(90, 9, name, border=1)
        pdf.cell(0, 9, value, border=1, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
