"""What the 端末管理 pages share; what any page could use is in dashboards/components/."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from dashboards import api, auth, clock, fleet_api, formats, forms, labels, sections
from dashboards.components import badges, tables, timestamps, writes
from dashboards.fields import Field
from dashboards.fields import field as served_field
from dashboards.fields import headers as served_headers

DOMAIN = "fleet"
REFRESH_SECONDS = 60
# §5.1: admin everything; operator monitoring and basic operations; support reading, alerts and customer contact.
ADMIN = ("admin",)
OPERATOR = ("admin", "operator")
READER = sections.FLEET_STAFF
PICKER_SIZE = 100

TERMINAL_PAGE = "app_pages/fleet/terminal.py"
ALERTS_PAGE = "app_pages/fleet/alerts.py"
INCIDENTS_PAGE = "app_pages/fleet/incidents.py"

STATUS_COLOURS: dict[str, badges.BadgeColour] = {
    "online": "green",
    "offline": "red",
    "error": "red",
    "maintenance": "gray",
}
ALERT_STATUS_COLOURS: dict[str, badges.BadgeColour] = {"open": "red", "acknowledged": "blue", "resolved": "green"}
ROLLOUT_STATUS_COLOURS: dict[str, badges.BadgeColour] = {
    "running": "blue",
    "paused": "orange",
    "completed": "green",
    "cancelled": "gray",
}
TASK_STATUS_COLOURS: dict[str, badges.BadgeColour] = {
    "queued": "gray",
    "pending": "gray",
    "in_progress": "blue",
    "installed": "blue",
    "succeeded": "green",
    "failed": "red",
    "timed_out": "red",
    "cancelled": "gray",
}
COMMAND_STATUS_COLOURS: dict[str, badges.BadgeColour] = {
    "pending": "gray",
    "sent": "blue",
    "done": "green",
    "failed": "red",
    "cancelled": "gray",
}


def may(user: dict, roles: tuple[str, ...]) -> bool:
    """Platform admins may do everything."""
    return sections.can_view(user, DOMAIN, roles)


def unrestricted(user: dict) -> bool:
    """True unless the user's fleet grant is limited to one customer."""
    return auth.tenant_scope(user, DOMAIN) is None


# At 1440 px the wide layout leaves about 980 px beside the open sidebar (300 px, and 80 px padding either side): a
# table gives each column a width in pixels, their sum within this, so nothing scrolls sideways.
TABLE_WIDTH_PX = 940


def fitted_columns(widths: dict[str, int]) -> dict:
    """Long text ends in an ellipsis."""
    return {name: st.column_config.Column(width=px) for name, px in widths.items()}


def fitted_table(frame, widths: dict[str, int]) -> None:
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


def usage(terminal: dict, key: str) -> str:
    """The store PC's cpu/memory/disk as last reported; 「-」 for a terminal that never reported (not 0.0 %)."""
    return percent(terminal[f"{key}_usage"] if terminal["last_heartbeat_at"] else None)


def customer_word() -> str:
    """What a terminal's customer is called (顧客企業), and so the customer of its alerts, incidents and rollouts."""
    return field("terminal", "customer_id").label


def customer_select(key: str, *, label: str = "", include_all: bool = True) -> int | None:
    """The first 100 by name, narrowed by a search box when there are more; labelled with the customer's word by
    default."""
    label = label or customer_word()
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
        placeholder=f"{customer_word()}がありません",
    )


# Alerts and their §4.2 SLA steps, shown the same way on the alert list and a terminal's alert tab.

SOON_MINUTES = 5
# An SLA cell starts with its state word, which gives its colour: 超過 (red), 間近 (orange), 期限内 (green).
OVERDUE, SOON, IN_TIME = "超過", "間近", "期限内"
RESOLVED_LATE, RESOLVED_IN_TIME = "期限超過あり（解決済み）", "期限内に解決"
REPORT_STEP = "reported"  # §4.2 step 6 完了報告, owed after the resolution
SLA_COLOURS = {
    OVERDUE: "red",
    SOON: "orange",
    IN_TIME: "green",
    RESOLVED_LATE: "orange",
    RESOLVED_IN_TIME: "green",
}


def minutes_left(due_at: str, now: datetime) -> int:
    """Negative once it has passed."""
    seconds = (datetime.fromisoformat(due_at) - now).total_seconds()
    return int(seconds // 60) if seconds >= 0 else -int(-seconds // 60)


def sla_text(alert: dict, now: datetime | None = None) -> str:
    """Where the alert stands against §4.2, state word first: the next step's time left, or how the work went."""
    now = now or clock.now()
    steps = alert["sla"]
    report = steps[-1]
    if alert["status"] == "resolved" and not (report["required"] and report["done_at"] is None):
        late = any(step["done_at"] and step["overdue"] for step in steps)
        return RESOLVED_LATE if late else RESOLVED_IN_TIME
    if alert["status"] == "resolved":
        return step_text(report, now)
    return step_text(next(step for step in steps if step["done_at"] is None), now)


def step_text(step: dict, now: datetime) -> str:
    """A step still to be done: overdue, due soon, or in time, e.g. 超過 初動確認（3分超過）; 完了報告 with no time (its
    resolution's unknown) by its target."""
    if step["due_at"] is None:
        return f"{IN_TIME} {step['label']}（{fleet_api.vocabulary()['report_due']}）"
    left = minutes_left(step["due_at"], now)
    if step["overdue"] or left < 0:
        word, detail = OVERDUE, f"{max(-left, 0)}分超過"
    elif left <= SOON_MINUTES:
        word, detail = SOON, f"残り{left}分"
    else:
        word, detail = IN_TIME, f"残り{left}分"
    return f"{word} {step['label']}（{detail}）"


def outage_warning(record: dict) -> None:
    """While an outage alert's or incident's terminals are still offline: resolving it does not end the outage."""
    if record["outage_warning"]:
        st.warning(record["outage_warning"])


def clock_time(value: str) -> str:
    """10:08."""
    return timestamps.local_time(value)[11:16]


def minutes_late(step: dict) -> int:
    """How long after its time a step was recorded (0 when in time)."""
    return max(-minutes_left(step["due_at"], datetime.fromisoformat(step["done_at"])), 0)


def done_words(step: dict) -> str:
    """A recorded step, with who recorded it and, when late, by how much: 完了 10:08（佐藤・3分超過）."""
    said = [step["done_by"]] if step["done_by"] else []
    if step["overdue"]:
        said.append(f"{minutes_late(step)}分{OVERDUE}")
    return f"完了 {clock_time(step['done_at'])}" + (f"（{'・'.join(said)}）" if said else "")


def step_badge(step: dict, resolved: bool, now: datetime) -> None:
    """One §4.2 step: done in time (green), done late (orange, and said), overdue (red), still in time (blue); 完了報告
    waits for the resolution (no time before it)."""
    colour: badges.BadgeColour
    if step["done_at"]:
        colour, words = ("orange" if step["overdue"] else "green"), done_words(step)
    elif not step["required"]:
        colour, words = "gray", "不要（自動復旧）"
    elif step["due_at"] is None:
        colour, words = "gray", "解決後に記録"
    elif resolved and step["step"] != REPORT_STEP:
        colour, words = "gray", "記録なし"
    elif step["overdue"]:
        colour, words = "red", "期限超過"
    else:
        colour, words = "blue", f"残り{minutes_left(step['due_at'], now)}分"
    st.badge(f"{step['label']}: {labels.plain(words)}", color=colour)
    due = clock_time(step["due_at"]) if step["due_at"] else fleet_api.vocabulary()["report_due"]
    st.caption(f"期限 {due}")


def step_entry(step: dict) -> str:
    """A recorded step in 「対応の記録」: against its time, in words."""
    due = clock_time(step["due_at"])
    return f"期限 {due} を{minutes_late(step)}分{OVERDUE}" if step["overdue"] else f"期限 {due} 内"


def work_record(record: dict, notes: list[dict]) -> None:
    """「対応の記録」: each §4.2 step recorded (when, who, and when late by how much) and the record's own entries (what
    the customer was told, the notes), oldest first."""
    entries = [
        (step["done_at"], step["done_by"], step["label"], step_entry(step)) for step in record["sla"] if step["done_at"]
    ]
    entries += [(note["created_at"], note["author"], note["kind_label"], note["body"]) for note in notes]
    if not entries:
        return
    st.markdown("**対応の記録**")
    for at, who, kind, words in sorted(entries, key=lambda entry: datetime.fromisoformat(entry[0])):
        st.markdown(f"- {timestamps.local_time(at)} {labels.plain(who)}【{kind}】 {labels.plain(words)}")


# §2.1: each customer has them; a customer registered before they were required may lack some.
CONTACTS = ("contact_person", "contact_email", "contact_phone")
MISSING = "未入力"


def field(table: str, column: str) -> Field:
    return served_field(DOMAIN, f"fleet_{table}", column)


def headers(table: str) -> dict[str, str]:
    return served_headers(DOMAIN, f"fleet_{table}")


def assignee_word() -> str:
    """Who works an alert or an incident: 担当者."""
    return field("alert", "assignee_id").label


def resolution() -> Field:
    """対応内容: an incident's resolution; a bulk 解決's note, the same for each record (an alert's as its note)."""
    return field("incident", "resolution")


def contact_labels() -> dict[str, str]:
    return {name: field("customer", name).label for name in CONTACTS}


def contact(customer: dict, field: str) -> str:
    """A contact as shown: the phone number as dialled, 未入力 when the customer has none."""
    value = formats.phone(customer[field]) if field == "contact_phone" else customer[field]
    return value or MISSING


def customer_contact(record: dict) -> None:
    """Whom to call for 顧客連絡 and 完了報告: the customer's contact person, phone and e-mail."""
    parts = [
        f"**{contact_labels()[key]}**: {labels.plain(contact(record, key))}"
        for key in ("contact_person", "contact_phone", "contact_email")
    ]
    st.markdown(f"**顧客連絡先**（{labels.plain(record['company_name'])}）　" + "　".join(parts))


def sla_colour(words: str) -> str | None:
    return SLA_COLOURS.get(words.split(" ", 1)[0])


def alert_style(frame: pd.DataFrame, table: str = "alert") -> Styler:
    states = badges.word_colours(fleet_api.words("alert_statuses"), ALERT_STATUS_COLOURS)
    return badges.status_cells(badges.status_cells(frame, headers(table)["status"], states), "SLA", sla_colour)


def terminal_style(frame: pd.DataFrame) -> Styler:
    """A terminal table's 状態 cells in their colours (オンライン green, オフライン/エラー red)."""
    return badges.status_cells(
        frame,
        headers("terminal")["status"],
        badges.word_colours(fleet_api.words("terminal_statuses"), STATUS_COLOURS),
    )


def alert_row() -> Callable[[dict], dict]:
    """An alert as a list shows it: its state, SLA and 担当者 before where it is, so they stay in sight at 1440 px (the
    message is on the alert's own panel); its headers read once."""
    alert_head, terminal = headers("alert"), headers("terminal")

    def row(alert: dict) -> dict:
        return {
            "ID": alert["id"],
            "発生日時": timestamps.local_time(alert["created_at"]),
            alert_head["status"]: alert["status_label"],
            "SLA": sla_text(alert),
            alert_head["assignee_id"]: alert["assignee_name"] or "",
            terminal["customer_id"]: alert["company_name"],
            terminal["store_name"]: alert["place"],
            "種別": alert["alert_type_label"],
            terminal["serial_number"]: "" if names_no_terminal(alert["alert_type"]) else alert["serial_number"],
        }

    return row


def names_no_terminal(alert_type: str) -> bool:
    """A store alert is about its store: it shows no serial number (the served kind's place)."""
    return fleet_api.vocabulary()["alert_kinds"][alert_type]["place"] == "store"


def alert_widths() -> dict[str, int]:
    """alert_row's columns within TABLE_WIDTH_PX, the row boxes of a bulk selection (about 35 px) included."""
    alert, terminal = headers("alert"), headers("terminal")
    return {
        "ID": 55,
        "発生日時": 125,
        alert["status"]: 65,
        "SLA": 185,
        alert["assignee_id"]: 95,
        terminal["customer_id"]: 100,
        terminal["store_name"]: 85,
        "種別": 90,
        terminal["serial_number"]: 95,
    }


# The buttons for §4.2 steps: API step, the field that records it, button label, who may press it. 顧客連絡 is a form
# (contact_form): it says what the customer was told.
STEP_BUTTONS = (
    ("acknowledge", "acknowledged_at", "初動確認", READER),
    ("diagnosed", "diagnosed_at", "リモート診断済み", OPERATOR),
)
REPORT_BUTTON = ("reported", "reported_at", "完了報告済み", READER)


@dataclass(frozen=True)
class WorkItem:
    """What the alert and incident pages work through the §4.2 steps."""

    page: str
    noun: str
    record_step: Callable[[int, str], object]
    assignees: Callable[[int], list[dict]]
    assign: Callable[[int, int | None], object]
    contact: Callable[[int, str], object]  # 顧客連絡 with what the customer was told
    notes: str  # the table of its record's entries: alert_note, incident_note


def step_buttons(item: WorkItem, user: dict, record: dict, buttons=STEP_BUTTONS, also: tuple = ()) -> None:
    """One button per step this user may record and nobody has yet, then the `also` buttons."""
    allowed = [step for step in buttons if may(user, step[3]) and record[step[1]] is None] + list(also)
    for column, (step, _, label, _) in zip(st.columns(max(len(allowed), 1)), allowed, strict=False):
        with column:
            if st.button(label, key=f"{item.page}_{step}_{record['id']}", icon=":material/check:"):
                writes.act(
                    item.page,
                    partial(item.record_step, record["id"], step),
                    f"{item.noun} #{record['id']} に「{label}」を記録しました。",
                )


def contact_form(item: WorkItem, record: dict) -> None:
    """顧客連絡: what the customer was told, kept on the record; a later call adds to it."""
    form = f"{item.page}_contact_{record['id']}"
    said = field(item.notes, "kind").choices["customer_contact"]
    with st.form(form):
        message = st.text_area(
            said, key=forms.key(form, "customer_contact"), max_chars=field(item.notes, "body").max_chars
        ).strip()
        submitted = st.form_submit_button("顧客連絡を記録", icon=":material/call:")
    if submitted and not writes.show_errors([] if message else [f"{said}を入力してください。"]):
        writes.act(
            item.page,
            lambda: item.contact(record["id"], message),
            f"{item.noun} #{record['id']} に顧客連絡を記録しました。",
            form=form,
        )


def assign_form(item: WorkItem, user: dict, record: dict) -> None:
    staff = {person["id"]: person["name"] for person in item.assignees(record["id"])}
    choices = {None: "未割り当て"} | {i: f"{name}（自分）" if i == user["id"] else name for i, name in staff.items()}
    if record["assignee_id"] is not None:
        choices.setdefault(record["assignee_id"], record["assignee_name"] or f"ユーザー {record['assignee_id']}")
    with st.form(f"{item.page}_assign_{record['id']}"):
        assignee = st.selectbox(
            assignee_word(),
            list(choices),
            index=list(choices).index(record["assignee_id"]),
            format_func=choices.__getitem__,
            key=f"{item.page}_assignee_{record['id']}",
        )
        submitted = st.form_submit_button("担当者を設定")
    if submitted:
        writes.act(
            item.page,
            lambda: item.assign(record["id"], assignee),
            f"{item.noun} #{record['id']} の担当者を「{labels.plain(choices[assignee])}」にしました。",
            changed=assignee != record["assignee_id"],
        )


# 一括操作: a list's row boxes choose records (kept by id), one form acts on all of them in one request.

BULK_HINT = "行の左端のチェックで複数の行を選ぶと、まとめて操作できます（1回に{max}件まで）。"


@dataclass(frozen=True)
class Everything:
    """「条件に合う全件」: the list's filters as the API takes them and how many records they select now."""

    filters: dict[str, Any]
    total: int


@dataclass(frozen=True)
class BulkRequest:
    """An action about to run: on the chosen ids, or on everything the filters select."""

    action: str
    ids: tuple[int, ...]
    everything: Everything | None
    options: dict[str, Any]

    @property
    def count(self) -> int:
        return self.everything.total if self.everything else len(self.ids)


@dataclass(frozen=True)
class BulkWork:
    """A list's bulk work: its page (session-state prefix), the API's list (terminals, alerts, incidents), the noun,
    the vocabulary table of its actions, and the 担当者 options of a record (alerts, incidents) or None."""

    page: str
    kind: str
    noun: str
    actions: str
    assignees: Callable[[int], list[dict]] | None = None

    @property
    def chosen(self) -> str:
        """tables.record_table's rows_chosen."""
        return f"{self.page}_chosen"

    @property
    def action_key(self) -> str:
        return f"{self.page}_bulk_action"

    @property
    def target_key(self) -> str:
        return f"{self.page}_bulk_target"


CHOSEN, EVERYTHING = "chosen", "everything"
DISRUPTIVE = "{count:,}{unit}の{noun}で「{action}」を実行します。よろしいですか？"
STALE_COUNT = "bulk_count_changed"  # the API's refusal: the filters select another count than the one confirmed


def bulk_form(work: BulkWork, everything: Everything | None = None) -> None:
    """What to do with the chosen rows, or with every record the filters select (everything, terminals only): one
    action (and for 担当者/解決 the person and the note all of them get). A disruptive action asks first, with its
    count."""
    ids = tables.chosen_rows(work.chosen)
    most = fleet_api.vocabulary()["bulk_max"]  # the API's limit per request
    if pending_request(work):
        confirm_bulk(work)
        return
    refusal = st.session_state.pop(stale_key(work), None)
    if refusal:
        st.error(refusal)  # above the form drawn again with the count the filters select now
    if not ids:
        st.caption(BULK_HINT.format(max=most))
    if not ids and not (everything and everything.total):
        return
    actions = fleet_api.words(work.actions)
    with st.form(f"{work.page}_bulk"):
        if everything is None:
            st.markdown(f"**選択中の{work.noun}: {len(ids):,}件**")
        target = bulk_target(work, ids, everything) if everything else CHOSEN
        action = st.selectbox("一括操作", list(actions), format_func=actions.__getitem__, key=work.action_key)
        options = bulk_options(work, ids[0]) if ids else {}
        submitted = st.form_submit_button("実行" if everything else "選択した行に実行", type="primary")
    if ids:
        st.button("選択を解除", key=f"{work.page}_bulk_clear", on_click=tables.clear_chosen_rows, args=(work.chosen,))
    if submitted:
        chosen = tuple(ids) if target == CHOSEN else ()
        request = BulkRequest(action, chosen, everything if target == EVERYTHING else None, options)
        refusal = too_many(work, request)
        if refusal:
            st.error(refusal)
        elif action in fleet_api.vocabulary()["terminal_bulk_disruptive"]:
            st.session_state[pending_key(work)] = request
            st.rerun()
        else:
            run_bulk(work, request)


def bulk_target(work: BulkWork, ids: list[int], everything: Everything | None) -> str:
    """選択した行 or 「条件に合う全件（N台）」."""
    unit = BULK_UNITS.get(work.kind, "件")
    targets = {}
    if ids:
        targets[CHOSEN] = f"選択した行（{len(ids):,}{unit}）"
    if everything and everything.total:
        targets[EVERYTHING] = f"条件に合う全件（{everything.total:,}{unit}）"
    return st.radio("対象", list(targets), format_func=targets.__getitem__, key=work.target_key)


BULK_UNITS = {"terminals": "台"}


def too_many(work: BulkWork, request: BulkRequest) -> str:
    """The API's limits, said before asking: the chosen rows per request, everything the filters select."""
    vocabulary = fleet_api.vocabulary()
    most = vocabulary["bulk_all_max"] if request.everything else vocabulary["bulk_max"]
    if request.count <= most:
        return ""
    if request.everything:
        unit = BULK_UNITS.get(work.kind, "件")
        return f"条件に合う{work.noun}は一度に{most:,}{unit}まで操作できます。条件を絞り込んでください。"
    return f"一度に操作できるのは{most}件までです。選択を減らしてください。"


def pending_key(work: BulkWork) -> str:
    return f"{work.page}_bulk_pending"


def stale_key(work: BulkWork) -> str:
    return f"{work.page}_bulk_stale"


def pending_request(work: BulkWork) -> BulkRequest | None:
    return st.session_state.get(pending_key(work))


def confirm_bulk(work: BulkWork) -> None:
    """The disruptive action waiting for a yes, with its count."""
    request = pending_request(work)
    if request is None:
        return
    action = fleet_api.words(work.actions)[request.action]
    unit = BULK_UNITS.get(work.kind, "件")
    interrupts = fleet_api.vocabulary()["terminal_bulk_disruptive"][request.action]
    st.warning(
        DISRUPTIVE.format(count=request.count, unit=unit, noun=work.noun, action=action) + interrupts,
        icon=":material/warning:",
    )
    columns = st.columns([1, 1, 3])
    if columns[0].button(f"{request.count:,}{unit}で実行する", type="primary", key=f"{work.page}_bulk_yes"):
        del st.session_state[pending_key(work)]
        run_bulk(work, request)
    if columns[1].button("やめる", key=f"{work.page}_bulk_no"):
        del st.session_state[pending_key(work)]
        st.rerun()


def run_bulk(work: BulkWork, request: BulkRequest) -> None:
    action = fleet_api.words(work.actions)[request.action]
    unit = BULK_UNITS.get(work.kind, "件")

    def send() -> None:
        if request.everything:
            everything = request.everything
            try:
                fleet_api.bulk_all(work.kind, everything.filters, everything.total, request.action, **request.options)
            except api.ApiError as exc:
                redraw_at_the_new_count(work, request, exc)
        else:
            fleet_api.bulk(work.kind, list(request.ids), request.action, **request.options)
        tables.clear_chosen_rows(work.chosen)

    writes.act(work.page, send, f"{request.count:,}{unit}の{work.noun}に「{action}」を実行しました。")


def redraw_at_the_new_count(work: BulkWork, request: BulkRequest, exc: api.ApiError) -> None:
    """A count the person confirmed that the filters no longer select: the page runs again at once, its list and
    form at the new count (the refused write cleared the cached list), the person's action still chosen (the form
    was not drawn while it asked) and the refusal above the form."""
    if exc.code != STALE_COUNT:
        raise exc
    st.session_state[stale_key(work)] = exc.message
    st.session_state[work.action_key] = request.action
    st.session_state[work.target_key] = EVERYTHING
    st.rerun()


def bulk_options(work: BulkWork, first_id: int) -> dict:
    """The 担当者 and the note of an alert or incident bulk form (the people who can take the first chosen one)."""
    if work.assignees is None:
        return {}
    staff = {None: "未割り当て"} | {person["id"]: person["name"] for person in work.assignees(first_id)}
    columns = st.columns(2)
    with columns[0]:
        who = assignee_word()
        assignee = st.selectbox(
            f"{who}（{who}を設定するとき）", list(staff), format_func=staff.__getitem__, key=f"{work.page}_bulk_person"
        )
    with columns[1]:
        said = resolution()
        note = st.text_input(
            f"{said.label}（解決するとき。全件に同じ内容）", max_chars=said.max_chars, key=f"{work.page}_bulk_note"
        )
    return {"assignee_id": assignee, "note": note.strip()}


# 保存したビュー: a person's filters of a list, saved by name and opened again.


def saved_views(page: str, view_page: str, fields: tuple[str, ...]) -> None:
    """Open, save or delete the person's views of this list; a view holds the values of the filter widgets
    `{page}_{field}`."""
    keys = {field: f"{page}_{field}" for field in fields}
    with st.expander("保存したビュー", icon=":material/bookmark:"):
        views = {view["id"]: view for view in fleet_api.saved_views(view_page)}
        if views:
            columns = st.columns([3, 1, 1], vertical_alignment="bottom")
            with columns[0]:
                view_id = st.selectbox(
                    "ビュー", list(views), format_func=lambda i: views[i]["name"], key=f"{page}_view"
                )
            with columns[1]:
                st.button("開く", key=f"{page}_view_open", on_click=open_view, args=(keys, views[view_id]["filters"]))
            with columns[2]:
                if st.button("削除", key=f"{page}_view_delete"):
                    name = labels.plain(views[view_id]["name"])
                    writes.act(page, lambda: fleet_api.delete_view(view_id), f"ビュー「{name}」を削除しました。")
        named = field("saved_view", "name")
        with st.form(f"{page}_view_new"):
            name = st.text_input(
                **named.text(), placeholder="例: 朝の未解決オフライン", key=forms.key(f"{page}_view_new", "name")
            ).strip()
            submitted = st.form_submit_button("今の絞り込み条件を保存")
    if submitted and not writes.show_errors([] if name else [named.required_message()]):
        current = {field: st.session_state.get(key) for field, key in keys.items()}
        writes.act(
            page,
            lambda: fleet_api.save_view(view_page, name, current),
            f"ビュー「{labels.plain(name)}」を保存しました。",
            form=f"{page}_view_new",
        )


def open_view(keys: dict[str, str], filters: dict) -> None:
    """Put a saved view's values into the filter widgets (a callback: before they are drawn again)."""
    for field, key in keys.items():
        if field in filters:
            st.session_state[key] = filters[field]
