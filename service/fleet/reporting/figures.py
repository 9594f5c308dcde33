"""The fleet's named figures (service/figures.py): each card of ダッシュボード and アラート一覧, and the monthly
report's 端末数, defined once by the list filter that shows its rows; its value is that filter's count, so the card, the
list, its CSV and the monthly report agree."""

from datetime import date, datetime

from sqlalchemy.orm import Session

from service.figures import Figure, FigureRead, serve
from service.fleet import labels
from service.fleet.alerting import alerts
from service.fleet.alerting.alerts import AlertFilter
from service.fleet.registry import terminals
from service.fleet.registry.schemas import TerminalFilter
from service.tenancy import TenantScope

TERMINALS_ROUTE = "/fleet/terminals"
ALERTS_ROUTE = "/fleet/alerts"
TERMINAL_COUNTER = labels.REPORT_UNITS["terminals"]  # 台: the report counts terminals in it

TERMINALS = Figure(
    "fleet.terminals", "総端末数", "登録されている端末の台数", "now", "fleet", TERMINALS_ROUTE, counter=TERMINAL_COUNTER
)
ONLINE_WORD = labels.TERMINAL_STATUSES["online"]
OPEN_WORD, ACKNOWLEDGED_WORD = labels.ALERT_STATUSES["open"], labels.ALERT_STATUSES["acknowledged"]
ONLINE = Figure(
    "fleet.online",
    ONLINE_WORD,
    f"状態が{ONLINE_WORD}の端末の台数",
    "now",
    "fleet",
    TERMINALS_ROUTE,
    counter=TERMINAL_COUNTER,
)
REGISTERED = Figure(
    "fleet.registered",
    labels.REPORT_LABELS["terminals"],
    "その月の末日（今月は今日）までに登録された端末の台数（月次レポートの「端末数」。稼働率はこの端末の稼働時間で割ります）",
    "month",
    "fleet",
    TERMINALS_ROUTE,
    counter=TERMINAL_COUNTER,
)
OPEN_ALERTS = Figure(
    "fleet.open_alerts",
    "未解決のアラート",
    f"{OPEN_WORD}と{ACKNOWLEDGED_WORD}のアラートの件数",
    "now",
    "fleet",
    ALERTS_ROUTE,
)
UNACKNOWLEDGED = Figure(
    "fleet.alerts_open", OPEN_WORD, f"状態が{OPEN_WORD}のアラートの件数", "now", "fleet", ALERTS_ROUTE
)
ACKNOWLEDGED = Figure(
    "fleet.alerts_acknowledged",
    ACKNOWLEDGED_WORD,
    f"状態が{ACKNOWLEDGED_WORD}のアラートの件数",
    "now",
    "fleet",
    ALERTS_ROUTE,
)
SLA_OVERDUE_OPEN = Figure(
    "fleet.sla_overdue_open",
    "SLA超過（未解決）",
    "障害対応フローの期限（初動確認・リモート診断・顧客連絡・対応実施）を過ぎても済んでいない未解決のアラートの件数。"
    "解決済みのアラートは含みません。",
    "now",
    "fleet",
    ALERTS_ROUTE,
)
SLA_OVERDUE = Figure(
    "fleet.sla_overdue",
    "SLA超過（完了報告の遅れを含む）",
    "期限を過ぎても済んでいない手順のあるアラートの件数: 未解決のアラートの手順に加え、"
    "解決済みのアラートの完了報告の遅れも数えます。",
    "now",
    "fleet",
    ALERTS_ROUTE,
)

TERMINAL_FIGURES = {TERMINALS: TerminalFilter(), ONLINE: TerminalFilter(status="online")}
ALERT_FIGURES = {
    OPEN_ALERTS: AlertFilter(open_only=True),
    UNACKNOWLEDGED: AlertFilter(status=alerts.OPEN),
    ACKNOWLEDGED: AlertFilter(status=alerts.ACKNOWLEDGED),
    SLA_OVERDUE_OPEN: AlertFilter(overdue=True, open_only=True),
    SLA_OVERDUE: AlertFilter(overdue=True),
}
DASHBOARD = (TERMINALS, ONLINE, OPEN_ALERTS, SLA_OVERDUE_OPEN)
ALERT_LIST = (UNACKNOWLEDGED, ACKNOWLEDGED, SLA_OVERDUE_OPEN, SLA_OVERDUE)


def figure_of(db: Session, figure: Figure, *, scope: TenantScope, now: datetime) -> FigureRead:
    """The figure's value: the count of its list's rows under its filter, in the caller's scope."""
    if figure in TERMINAL_FIGURES:
        terminal_filter = TERMINAL_FIGURES[figure]
        count = terminals.count_terminals(db, scope=scope, flt=terminal_filter)
        return serve(figure, count, now=now, flt=terminal_filter)
    alert_filter = ALERT_FIGURES[figure]
    count = alerts.count_alerts(db, scope=scope, flt=alert_filter, now=now)
    return serve(figure, count, now=now, flt=alert_filter)


def figures(db: Session, shown: tuple[Figure, ...], *, scope: TenantScope, now: datetime) -> list[FigureRead]:
    return [figure_of(db, figure, scope=scope, now=now) for figure in shown]


def registered_filter(customer_id: int | None, last: date) -> TerminalFilter:
    """The terminal list's filter of a month's 端末数: registered by its last day counted (today while it runs)."""
    return TerminalFilter(customer_id=customer_id, registered_to=last)


def registered(db: Session, flt: TerminalFilter, *, scope: TenantScope, month: date, now: datetime) -> FigureRead:
    """The month's 端末数: the terminal list's total under the filter, in the caller's scope."""
    return serve(REGISTERED, terminals.count_terminals(db, scope=scope, flt=flt), now=now, flt=flt, month=month)
