"""What the 端末管理 pages share: who may do what (§5.1), the customer picker, status and SLA colours.

What any page could use (act, times, badges, the paged table) is in dashboards/components.py.
"""

from datetime import UTC, datetime

import streamlit as st

from dashboards import auth, components, fleet_api, labels, sections

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
    return auth.tenant_scope(user, DOMAIN) is None


# At 1440 px the wide layout leaves about 980 px beside the open sidebar (300 px, and 80 px padding either side): a
# table gives each column a width in pixels, their sum within this, so nothing scrolls sideways.
TABLE_WIDTH_PX = 940


def fitted_table(frame, widths: dict[str, int]) -> None:
    """A table whose columns have these widths (summing within TABLE_WIDTH_PX); long text ends in an ellipsis."""
    st.dataframe(
        frame, hide_index=True, column_config={name: st.column_config.Column(width=px) for name, px in widths.items()}
    )


def ingest_banner() -> None:
    """The platform alert while no heartbeat arrives at all: terminals then keep the state they had (the service's
    wording says so)."""
    banner = fleet_api.ingest()["banner"]
    if banner:
        st.error(banner, icon=":material/sensors_off:")


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
        label,
        options,
        key=key,
        format_func=lambda i: labels.ALL_LABEL if i is None else names.get(i, str(i)),
        index=0 if options else None,
        placeholder="顧客がありません",
    )


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
    report = steps[-1]  # 完了報告, owed after the resolution
    if alert["status"] == "resolved" and not (report["required"] and report["done_at"] is None):
        late = any(step["done_at"] and step["overdue"] for step in steps)
        return ("orange", "期限超過あり（解決済み）") if late else ("green", "期限内に解決")
    if alert["status"] == "resolved":
        return step_state(report, now)
    return step_state(next(step for step in steps if step["done_at"] is None), now)


def step_state(step: dict, now: datetime) -> tuple[str, str]:
    """(colour, words) for a step still to be done: overdue, due soon, or in time."""
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
