"""What the 端末管理 pages share: who may do what (§5.1), the customer picker, status and SLA colours.

What any page could use (act, times, badges, the paged table) is in dashboards/components.py.
"""

from datetime import UTC, datetime

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from dashboards import auth, components, fleet_api, labels, sections

DOMAIN = "fleet"
REFRESH_SECONDS = 60
SLA_OVERDUE_HELP = (
    "障害対応フローの期限（初動確認・リモート診断・顧客連絡・対応実施）を過ぎた未解決のアラートの件数。"
    "解決済みのアラートは含みません。"
)
# §5.1: admin everything; operator monitoring and basic operations; support reading, alerts and customer contact.
ADMIN = ("admin",)
OPERATOR = ("admin", "operator")
READER = sections.FLEET_STAFF
PICKER_SIZE = 100

TERMINAL_PAGE = "app_pages/fleet_terminal.py"
ALERTS_PAGE = "app_pages/fleet_alerts.py"

STATUS_COLOURS = {"online": "green", "offline": "red", "error": "red", "maintenance": "gray"}
ALERT_STATUS_COLOURS = {"open": "red", "acknowledged": "blue", "resolved": "green"}
ROLLOUT_STATUS_COLOURS = {"running": "blue", "paused": "orange", "completed": "green", "cancelled": "gray"}
TASK_STATUS_COLOURS = {
    "queued": "gray",
    "pending": "gray",
    "in_progress": "blue",
    "installed": "blue",
    "succeeded": "green",
    "failed": "red",
    "timed_out": "red",
    "cancelled": "gray",
}
COMMAND_STATUS_COLOURS = {"pending": "gray", "sent": "blue", "done": "green", "failed": "red", "cancelled": "gray"}


def may(user: dict, roles: tuple[str, ...]) -> bool:
    """Whether the user's fleet role is one of these (platform admins may do everything)."""
    return sections.can_view(user, DOMAIN, roles)


def unrestricted(user: dict) -> bool:
    """True unless the user's fleet grant is limited to one customer."""
    return auth.tenant_scope(user, DOMAIN) is None


# At 1440 px the wide layout leaves about 980 px beside the open sidebar (300 px, and 80 px padding either side): a
# table gives each column a width in pixels, their sum within this, so nothing scrolls sideways.
TABLE_WIDTH_PX = 940


def fitted_columns(widths: dict[str, int]) -> dict:
    """A table's column_config giving its columns these widths (summing within TABLE_WIDTH_PX); long text ends in an
    ellipsis."""
    return {name: st.column_config.Column(width=px) for name, px in widths.items()}


def fitted_table(frame, widths: dict[str, int]) -> None:
    """A table whose columns have these widths (see fitted_columns)."""
    st.dataframe(frame, hide_index=True, column_config=fitted_columns(widths))


def ingest_banner() -> None:
    """The platform alert while no heartbeat arrives at all: terminals then keep the state they had (the service's
    wording says so); a notice when nothing is expected to arrive (make run without its demo agents)."""
    ingest = fleet_api.ingest()
    if ingest["banner"]:
        show = st.error if ingest["heartbeats_expected"] else st.info
        show(ingest["banner"], icon=":material/sensors_off:")


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

SOON_MINUTES = 5
# An SLA cell starts with its state word, which gives its colour: 超過 (red), 間近 (orange), 期限内 (green).
OVERDUE, SOON, IN_TIME = "超過", "間近", "期限内"
RESOLVED_LATE, RESOLVED_IN_TIME = "期限超過あり（解決済み）", "期限内に解決"
SLA_COLOURS = {
    OVERDUE: "red",
    SOON: "orange",
    IN_TIME: "green",
    RESOLVED_LATE: "orange",
    RESOLVED_IN_TIME: "green",
}


def minutes_left(due_at: str, now: datetime) -> int:
    """Whole minutes until a due time; negative once it has passed (-3: three minutes late)."""
    seconds = (datetime.fromisoformat(due_at) - now).total_seconds()
    return int(seconds // 60) if seconds >= 0 else -int(-seconds // 60)


def sla_text(alert: dict, now: datetime | None = None) -> str:
    """Where the alert stands against §4.2, state word first: the next step's time left, or how the work went."""
    now = now or datetime.now(UTC)
    steps = alert["sla"]
    report = steps[-1]  # 完了報告, owed after the resolution
    if alert["status"] == "resolved" and not (report["required"] and report["done_at"] is None):
        late = any(step["done_at"] and step["overdue"] for step in steps)
        return RESOLVED_LATE if late else RESOLVED_IN_TIME
    if alert["status"] == "resolved":
        return step_text(report, now)
    return step_text(next(step for step in steps if step["done_at"] is None), now)


def step_text(step: dict, now: datetime) -> str:
    """A step still to be done: overdue, due soon, or in time, e.g. 超過 初動確認（3分超過）."""
    left = minutes_left(step["due_at"], now)
    if step["overdue"] or left < 0:
        word, detail = OVERDUE, f"{max(-left, 0)}分超過"
    elif left <= SOON_MINUTES:
        word, detail = SOON, f"残り{left}分"
    else:
        word, detail = IN_TIME, f"残り{left}分"
    return f"{word} {step['label']}（{detail}）"


def sla_colour(words: str) -> str | None:
    """An SLA cell's colour, from the state word it starts with."""
    return SLA_COLOURS.get(words.split(" ", 1)[0])


def alert_style(frame: pd.DataFrame) -> Styler:
    """The alert table's 状態 and SLA cells in their colours."""
    states = components.word_colours(fleet_api.words("alert_statuses"), ALERT_STATUS_COLOURS)
    return components.status_cells(components.status_cells(frame, "状態", states), "SLA", sla_colour)


def terminal_style(frame: pd.DataFrame) -> Styler:
    """A terminal table's 状態 cells in their colours (オンライン green, オフライン/エラー red)."""
    return components.status_cells(
        frame, "状態", components.word_colours(fleet_api.words("terminal_statuses"), STATUS_COLOURS)
    )


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
