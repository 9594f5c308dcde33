"""What the 端末管理 pages share: who may do what (§5.1), the customer picker, times, SLA colours, write-then-rerun."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import streamlit as st

from dashboards import api, components, fleet_api, labels, sections

DOMAIN = "fleet"
REFRESH_SECONDS = 60
# §5.1: admin everything; operator monitoring and basic operations; support reading, alerts and customer contact.
ADMIN = ("admin",)
OPERATOR = ("admin", "operator")
READER = sections.FLEET_STAFF
PICKER_SIZE = 100

TERMINAL_PAGE = "app_pages/fleet_terminal.py"
ALERTS_PAGE = "app_pages/fleet_alerts.py"

STATUS_COLOURS = {"online": "green", "offline": "red", "error": "red", "maintenance": "gray"}
ALERT_STATUS_COLOURS = {"open": "red", "acknowledged": "orange", "resolved": "green"}
ROLLOUT_STATUS_COLOURS = {"running": "blue", "paused": "orange", "completed": "green", "cancelled": "gray"}


def may(user: dict, roles: tuple[str, ...]) -> bool:
    """Whether the user's fleet role is one of these (platform admins may do everything)."""
    return sections.can_view(user, DOMAIN, roles)


def unrestricted(user: dict) -> bool:
    """True unless the user's fleet grant is limited to one customer."""
    grant = sections.grants_by_domain(user).get(DOMAIN)
    return sections.is_platform_admin(user) or grant is None or not grant.get("scope")


def relative_time(value: str | None, now: datetime | None = None) -> str:
    """An API timestamp as 'たった今', '10分前', '3時間前' or '2日前'."""
    if not value:
        return ""
    seconds = ((now or datetime.now(UTC)) - datetime.fromisoformat(value)).total_seconds()
    minutes = max(0, int(seconds // 60))
    if minutes < 1:
        return "たった今"
    if minutes < 60:
        return f"{minutes}分前"
    if minutes < 24 * 60:
        return f"{minutes // 60}時間前"
    return f"{minutes // (24 * 60)}日前"


def local_datetime(value: str) -> datetime:
    """An API timestamp (UTC) as a datetime in Japan time, for chart axes."""
    return datetime.fromisoformat(value).astimezone(components.LOCAL_TZ)


def terminal_label(terminal: dict) -> str:
    """e.g. TC200-0001（ABC商事 - 新宿店）."""
    return f"{terminal['serial_number']}（{terminal['company_name']} - {terminal['store_name']}）"


def percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}%"


def customer_select(label: str, key: str, *, include_all: bool = True) -> int | None:
    """A customer picker (the first 100 by name, narrowed by a search box when there are more); returns the id."""
    query = st.session_state.get(f"{key}_q", "")
    found = fleet_api.list_customers(page_size=PICKER_SIZE, q=query)
    if found["total"] > PICKER_SIZE or query:
        st.text_input(f"{label}を検索", key=f"{key}_q", placeholder="会社名の一部")
    names = {c["id"]: c["company_name"] for c in found["items"]}
    options: list[int | None] = [None, *names] if include_all else list(names)
    return st.selectbox(
        label, options, key=key, format_func=lambda i: labels.ALL_LABEL if i is None else names.get(i, str(i)),
        index=0 if options else None, placeholder="顧客がありません",
    )


def act(page_key: str, call: Callable[[], Any], success: str) -> None:
    """Run one write; on success keep the message for after the rerun and rerun, else show the API's refusal."""
    try:
        call()
    except api.ApiError as exc:
        components.api_error(exc)
        return
    components.flash(page_key, success)
    st.rerun()


def status_badge(mapping: dict[str, str], colours: dict[str, str], code: str) -> None:
    st.badge(mapping.get(code, code), color=colours.get(code, "gray"))


# Alerts and their §4.2 SLA steps, shown the same way on the alert list and a terminal's alert tab.

SLA_MARKS = {"red": "🔴", "orange": "🟠", "green": "🟢"}
SOON_MINUTES = 5


def minutes_left(due_at: str, now: datetime) -> int:
    """Whole minutes until a due time; negative once it has passed (-3: three minutes late)."""
    seconds = (datetime.fromisoformat(due_at) - now).total_seconds()
    return int(seconds // 60) if seconds >= 0 else -int(-seconds // 60)


def sla_state(alert: dict, now: datetime | None = None) -> tuple[str, str]:
    """(colour, words) for where the alert stands against §4.2: the next step's time left, or how the work went."""
    now = now or datetime.now(UTC)
    steps = alert["sla"]
    if alert["status"] == "resolved":
        late = any(step["done_at"] and step["overdue"] for step in steps)
        return ("orange", "期限超過あり（解決済み）") if late else ("green", "期限内に解決")
    step = next(step for step in steps if step["done_at"] is None)
    left = minutes_left(step["due_at"], now)
    if step["overdue"] or left < 0:
        return "red", f"超過 {step['label']}（{max(-left, 0)}分超過）"
    if left <= SOON_MINUTES:
        return "orange", f"間近 {step['label']}（残り{left}分）"
    return "green", f"期限内 {step['label']}（残り{left}分）"


def sla_text(alert: dict) -> str:
    colour, words = sla_state(alert)
    return f"{SLA_MARKS[colour]} {words}"


def alert_row(alert: dict) -> dict:
    return {
        "ID": alert["id"],
        "発生日時": components.local_time(alert["created_at"]),
        "顧客企業": alert["company_name"],
        "設置店舗名": alert["store_name"],
        "シリアル番号": alert["serial_number"],
        "種別": alert["alert_type_label"],
        "状態": alert["status_label"],
        "SLA": sla_text(alert),
        "担当者": alert["assignee_name"] or "",
        "詳細メッセージ": alert["message"],
    }
