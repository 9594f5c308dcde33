"""The dashboard's numbers and the monthly report (JSON, CSV, PDF), every aggregate computed in SQL."""

from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Float,
    Integer,
    Select,
    and_,
    case,
    cast,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from service.config import get_settings
from service.csvtools import csv_bytes
from service.dialect import epoch
from service.documents import FONT, japanese_pdf
from service.errors import ValidationFailed
from service.figures import as_of_label, local, month_label
from service.fleet import labels
from service.fleet.alerting.alerts import ALERT_PLACE, RESOLVED, SYSTEM_LABEL, sla_steps, with_places
from service.fleet.alerting.incidents import open_member_stores, open_members
from service.fleet.kinds import AlertKind, TerminalStatus
from service.fleet.models import Alert, Customer, Incident, Terminal
from service.fleet.registry.terminals import filtered_terminals
from service.fleet.reporting import figures as fleet_figures
from service.fleet.reporting.schemas import (
    AlertTypeCount,
    CriticalAlert,
    CustomerStatus,
    FleetDashboardRead,
    MonthlyReport,
    ReportLine,
)
from service.identity.models import User
from service.roles import DOMAINS
from service.tenancy import TenantScope, scoped

STATUSES = tuple(status.value for status in TerminalStatus)
CRITICAL_LIMIT = 10
# The columns §4.2's steps are read from (alerts.sla_steps), for 重要アラート's SLA state.
CRITICAL_WORK = (
    "status",
    "acknowledged_at",
    "diagnosed_at",
    "customer_contacted_at",
    "resolved_at",
    "resolved_by",
    "reported_at",
)
TENTH = Decimal("0.1")
# Not "-", which a CSV cell would have to keep from reading as a formula («'-»).
NONE_SHOWN = "なし"
# A step recorded at its due time meets it: SQLite's epoch (julianday) is exact to some 50 µs only.
SAME_MOMENT = 0.001


def _status_count(status: str):
    return func.coalesce(func.sum(case((Terminal.status == status, 1), else_=0)), 0)


def dashboard(db: Session, *, scope: TenantScope, now: datetime) -> FleetDashboardRead:
    counts = dict(
        db.execute(
            scoped(select(Terminal.status, func.count()), scope, Terminal.customer_id).group_by(Terminal.status)
        ).all()
    )
    total = sum(counts.values())
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
    return FleetDashboardRead(
        **{status: counts.get(status, 0) for status in STATUSES},
        total=total,
        figures=fleet_figures.figures(db, fleet_figures.DASHBOARD, scope=scope, now=now),
        open_incidents=open_incidents,
        availability_pct=round(100 * counts.get("online", 0) / monitored, 1) if monitored else 0.0,
        critical_alerts=[
            CriticalAlert.model_validate(
                a
                | {
                    "minutes_ago": max(0, int((now - a["created_at"]).total_seconds() // 60)),
                    "sla": sla_steps(SimpleNamespace(**a), now),  # type: ignore[arg-type]
                }
            )
            for a in critical
        ],
        customers=[CustomerStatus.model_validate(dict(c)) for c in customers],
    )


def _importance(alert_type):
    """§3.2: a terminal (or store) that cannot take payments first, then the store PC's load."""
    return case({kind.value: kind.importance for kind in AlertKind}, value=alert_type, else_=0)


def _work_columns(model: type[Alert] | type[Incident]) -> tuple:
    return (*(getattr(model, name) for name in CRITICAL_WORK), User.name.label("assignee_name"))


def _critical(scope: TenantScope):
    """Each open incident is one row standing for its alerts."""
    single = (
        with_places(
            literal_column("'alert'").label("kind"),
            Alert.id,
            Alert.terminal_id,
            cast(null(), Integer).label("terminal_count"),
            cast(null(), Integer).label("store_count"),
            Customer.company_name,
            ALERT_PLACE.label("store_name"),
            Terminal.serial_number,
            Alert.alert_type,
            Alert.created_at,
            *(getattr(Terminal, usage.column) for _, usage in AlertKind.usages()),
            _importance(Alert.alert_type).label("importance"),
            *_work_columns(Alert),
        )
        .outerjoin(User, User.id == Alert.assignee_id)
        .where(Alert.status != RESOLVED, Alert.incident_id.is_(None))
    )
    grouped = (
        select(
            literal_column("'incident'").label("kind"),
            Incident.id,
            cast(null(), Integer).label("terminal_id"),
            open_members().label("terminal_count"),
            open_member_stores().label("store_count"),
            Customer.company_name,
            literal_column("''").label("store_name"),
            literal_column("''").label("serial_number"),
            Incident.alert_type,
            Incident.created_at,
            *(cast(null(), Float).label(usage.column) for _, usage in AlertKind.usages()),
            _importance(Incident.alert_type).label("importance"),
            *_work_columns(Incident),
        )
        .join(Customer, Customer.id == Incident.customer_id)
        .outerjoin(User, User.id == Incident.assignee_id)
        .where(Incident.status != RESOLVED)
    )
    rows = union_all(scoped(single, scope, Alert.customer_id), scoped(grouped, scope, Incident.customer_id)).subquery()
    return select(rows).order_by(rows.c.importance, rows.c.created_at.desc(), rows.c.kind, rows.c.id.desc())


def _summary(alert) -> str:
    """«店舗PC CPU使用率95%», «5店舗・13台オフライン», else its type."""
    kind = labels.ALERT_TYPES.get(alert["alert_type"], alert["alert_type"])
    if alert["kind"] == "incident":
        places = labels.incident_places(alert["store_count"], alert["terminal_count"])
        return labels.INCIDENT_SUMMARY.format(places=places, kind=kind)
    usage = AlertKind.of(alert["alert_type"]).usage
    if usage is None:
        return kind
    return f"{usage.label}{alert[usage.column]:.0f}%"


# --- monthly report -----------------------------------------------------------------------------


def month_bounds(month: str, now: datetime) -> tuple[datetime, datetime]:
    """A current month ends now."""
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
    """NULL counts as upper (still open)."""
    value = epoch(column)
    return case((column.is_(None), upper), (value > upper, upper), (value < lower, lower), else_=value)


def customer_report(db: Session, *, customer: Customer, month: str, now: datetime) -> MonthlyReport:
    scope = TenantScope("fleet", DOMAINS["fleet"].scope_kind, str(customer.id))
    return monthly_report(db, scope=scope, month=month, now=now, customer=customer)


def one_decimal(value: float) -> float:
    """99.95 → 100.0: the report's rounding, in JSON as on paper."""
    return float(Decimal(str(value)).quantize(TENTH, rounding=ROUND_HALF_UP))


def sla_missed_condition(now: datetime):
    """Judged at `now` (see alerts.sla_steps); an alert still within every target counts as met so far."""
    at = literal(now.timestamp())
    detected = epoch(Alert.created_at)
    late = [
        func.coalesce(epoch(getattr(Alert, f"{step}_at")), epoch(Alert.resolved_at), at)
        > detected + minutes * 60 + SAME_MOMENT
        for step, _, minutes in labels.SLA_STEPS
    ]
    report_owed = and_(
        Alert.resolved_at.is_not(None),
        or_(Alert.resolved_by != SYSTEM_LABEL, Alert.customer_contacted_at.is_not(None)),
    )
    report_late = func.coalesce(epoch(Alert.reported_at), at) > (
        epoch(Alert.resolved_at) + labels.REPORT_STEP[2] * 60 + SAME_MOMENT
    )
    return or_(*late, and_(report_owed, report_late))


def monthly_report(
    db: Session, *, scope: TenantScope, month: str, now: datetime, customer: Customer | None = None
) -> MonthlyReport:
    customer = customer or _scope_customer(db, scope)
    start, end = month_bounds(month, now)
    s, e = start.timestamp(), end.timestamp()
    period, partial = month_label(local(start).date(), now)
    customers = db.scalar(scoped(select(func.count()).select_from(Customer), scope, Customer.id)) or 0
    registered = fleet_figures.registered_filter(customer.id if customer else None, _last_day(end, partial))
    terminals = fleet_figures.registered(db, registered, scope=scope, month=local(start).date(), now=now)
    terminal_seconds = db.scalar(
        filtered_terminals(
            scoped(
                select(func.coalesce(func.sum(literal(e) - _clipped(Terminal.created_at, s, e)), 0)),
                scope,
                Terminal.customer_id,
            ),
            registered,
        )
    )
    offline_seconds = db.scalar(
        scoped(
            select(func.coalesce(func.sum(_clipped(Alert.resolved_at, s, e) - _clipped(Alert.created_at, s, e)), 0)),
            scope,
            Alert.customer_id,
        ).where(
            Alert.alert_type == "offline",
            Alert.created_at < end,
            (Alert.resolved_at.is_(None)) | (Alert.resolved_at > start),
        )
    )
    by_type = dict(
        db.execute(
            _in_month(select(Alert.alert_type, func.count()), scope, start, end).group_by(Alert.alert_type)
        ).all()
    )
    resolved, mttr, sla_met = db.execute(
        _in_month(
            select(
                func.count(Alert.resolved_at),
                func.avg(epoch(Alert.resolved_at) - epoch(Alert.created_at)),
                func.coalesce(func.sum(case((sla_missed_condition(now), 0), else_=1)), 0),
            ),
            scope,
            start,
            end,
        )
    ).one()
    alerts_total = sum(by_type.values())
    availability = 100 * (1 - offline_seconds / terminal_seconds) if terminal_seconds else 100.0
    report = MonthlyReport(
        customer_id=customer.id if customer else None,
        company_name=customer.company_name if customer else labels.REPORT_LABELS["all_customers"],
        customers=customers,
        month=month,
        period_label=period,
        partial=partial,
        as_of_label=as_of_label(now),
        terminals=terminals.value,
        figures=[terminals],
        availability_pct=one_decimal(max(0.0, availability)),
        alerts_total=alerts_total,
        alerts_by_type=[
            AlertTypeCount(alert_type=k, label=v, count=by_type.get(k, 0)) for k, v in labels.ALERT_TYPES.items()
        ],
        resolved=resolved,
        mean_time_to_resolve_minutes=one_decimal(mttr / 60) if mttr is not None else None,
        sla_met=sla_met,
        sla_compliance_pct=one_decimal(100 * sla_met / alerts_total) if alerts_total else None,
    )
    return report.model_copy(update={"lines": report_lines(report)})


def _last_day(end: datetime, partial: bool) -> date:
    day = local(end).date()
    return day if partial else day - timedelta(days=1)


def _scope_customer(db: Session, scope: TenantScope) -> Customer | None:
    return None if scope.unrestricted else db.scalar(scoped(select(Customer), scope, Customer.id))


def _in_month(stmt: Select, scope: TenantScope, start: datetime, end: datetime) -> Select:
    return scoped(stmt, scope, Alert.customer_id).where(Alert.created_at >= start, Alert.created_at < end)


def _count(value: int, unit: str) -> str:
    return f"{value:,}{labels.REPORT_UNITS[unit]}"


def _percent(value: float | None) -> str:
    return NONE_SHOWN if value is None else f"{value:.1f}%"


def report_lines(report: MonthlyReport) -> list[ReportLine]:
    """The one formatting the page, the CSV and the PDF share."""
    names = labels.REPORT_LABELS
    mttr = report.mean_time_to_resolve_minutes
    lines = [
        ("customer", names["customer"], report.company_name),
        ("month", names["month"], report.period_label),
        ("as_of", names["as_of"], report.as_of_label),
    ]
    if report.customer_id is None:
        lines.append(("customers", names["customers"], _count(report.customers, "customers")))
    lines += [
        ("terminals", names["terminals"], _count(report.terminals, "terminals")),
        ("availability", names["availability"], _percent(report.availability_pct)),
        ("alerts", names["alerts"], _count(report.alerts_total, "alerts")),
    ]
    lines += [
        (f"alert_type:{t.alert_type}", f"{names['alert_type']}: {t.label}", _count(t.count, "alerts"))
        for t in report.alerts_by_type
    ]
    lines += [
        ("resolved", names["resolved"], _count(report.resolved, "alerts")),
        ("mttr", names["mttr"], NONE_SHOWN if mttr is None else f"{mttr:,.1f}{names['minutes']}"),
        ("sla", names["sla"], _percent(report.sla_compliance_pct)),
        ("sla_met", names["sla_met"], f"{_count(report.sla_met, 'alerts')} / {_count(report.alerts_total, 'alerts')}"),
    ]
    return [ReportLine(key=key, label=label, value=value) for key, label, value in lines]


def _rows(report: MonthlyReport) -> list[tuple[str, str]]:
    return [(line.label, line.value) for line in report.lines]


def report_csv(report: MonthlyReport) -> bytes:
    return csv_bytes(labels.REPORT_CSV_HEADER, _rows(report))


def report_pdf(report: MonthlyReport) -> bytes:
    pdf = japanese_pdf()
    pdf.add_page()
    pdf.set_font(FONT, size=18)
    title = f"{labels.REPORT_TITLE} {report.company_name} {report.period_label}"
    pdf.cell(0, 14, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=11)
    for name, value in _rows(report):
        pdf.cell(90, 9, name, border=1)
        pdf.cell(0, 9, value, border=1, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
