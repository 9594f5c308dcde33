"""予約 › インシデント (§5.1, §5.3.1): record an incident with the spec's fields, list them by level with each level's
target response time and escalation (overdue ones flagged), fill in the response, recovery and prevention as they
become known, and report one to the executives. Executives read the records only (§5.3.2)."""

import re
from collections.abc import Callable

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from dashboards import auth, forms, reservations_api, sections
from dashboards.app_pages.reservations import common
from dashboards.components import badges, pickers, tables, timestamps, writes
from dashboards.fields import Field

PAGE = "reservations_incidents"
PICKER = f"{PAGE}_selected"
NEW = f"{PAGE}_new"
OVERDUE = "期限超過"
LATE = "目標超過で対応"
REPORTED, UNREPORTED, UNREPORTED_LATE = "報告済み", "未報告", "未報告・期限超過"
# The 期限超過 and 経営陣への報告 cells' colours, by their words (a report cell by its first word).
STATE_WORD_END = re.compile(r"[（ ]")
FLAG_COLOURS = {OVERDUE: "red", LATE: "orange", REPORTED: "green", UNREPORTED: "orange", UNREPORTED_LATE: "red"}


def level_help(level: str) -> str:
    """e.g. High: 一部機能停止、外部API障害（対応 1時間以内・2時間以内に経営陣に報告）."""
    policy = common.vocab()["incident_policies"][level]
    name = common.vocab()["incident_levels"][level]
    return f"{name}: {policy['definition']}（対応 {policy['target']}・{policy['escalation']}）"


def response_flag(incident: dict) -> str:
    return OVERDUE if incident["overdue"] else LATE if incident["responded_late"] else ""


def escalation_text(incident: dict) -> str:
    """When the executives were told, or when they are owed the report (Low: the weekly report)."""
    if incident["escalated_at"]:
        return f"{REPORTED} {timestamps.local_time(incident['escalated_at'])[:16]}"
    if incident["escalation_due_at"] is None:
        return incident["escalation_label"]
    state = UNREPORTED_LATE if incident["escalation_overdue"] else UNREPORTED
    return f"{state}（期限 {timestamps.local_time(incident['escalation_due_at'])[:16]}）"


def flag_colour(words: str) -> str | None:
    """A flag cell's colour, by the state word it starts with (e.g. 報告済み in 報告済み 2026-01-05 10:00)."""
    return FLAG_COLOURS.get(STATE_WORD_END.split(words, maxsplit=1)[0])


def incident_style(frame: pd.DataFrame) -> Styler:
    """The 期限超過 and 経営陣への報告 cells in colour: red overdue, orange late or still owed, green reported."""
    flagged = badges.status_cells(frame, "期限超過", FLAG_COLOURS)
    return badges.status_cells(flagged, "経営陣への報告", flag_colour)


def incident_row() -> Callable[[dict], dict]:
    head = common.headers("incident")

    def row(incident: dict) -> dict:
        return {
            "ID": incident["id"],
            head["occurred_at"]: timestamps.local_time(incident["occurred_at"])[:16],
            head["level"]: incident["level_label"],
            head["title"]: incident["title"],
            "対応時間目標": incident["target_label"],
            "対応期限": timestamps.local_time(incident["response_due_at"])[:16],
            head["responded_at"]: timestamps.local_time(incident["responded_at"])[:16],
            "期限超過": response_flag(incident),
            "経営陣への報告": escalation_text(incident),
            head["impact"]: incident["impact"],
            head["cause"]: incident["cause"],
            head["response"]: incident["response"],
            head["recovered_at"]: timestamps.local_time(incident["recovered_at"])[:16],
            head["prevention"]: incident["prevention"],
            head["created_by"]: incident["created_by"],
        }

    return row


def may_record(user: dict) -> bool:
    """Operators and support record and update incidents; executives read them."""
    return sections.can_view(user, common.DOMAIN, sections.RESV_STAFF)


def incident_field(column: str) -> Field:
    return common.field("incident", column)


def incident_fields(key: str, incident: dict | None = None) -> dict:
    """An incident's fields; a new one's (incident None) 発生日時 is the moment of recording unless set."""
    new = incident is None
    incident = incident or {
        "title": "",
        "level": "medium",
        "impact": "",
        "cause": "",
        "response": "",
        "prevention": "",
        "occurred_at": None,
        "responded_at": None,
        "recovered_at": None,
    }
    level = incident_field("level")
    levels = level.choices
    body = {
        "title": st.text_input(**incident_field("title").text(), value=incident["title"], key=f"{key}_title").strip(),
        "level": st.selectbox(
            level.label,
            list(levels),
            list(levels).index(incident["level"]),
            key=f"{key}_level",
            format_func={code: level_help(code) for code in levels}.__getitem__,
        ),
    }
    stored = {
        field: incident[field] and timestamps.local_datetime(incident[field])
        for field in ("occurred_at", "responded_at", "recovered_at")
    }
    occurred = incident_field("occurred_at").label
    body["occurred_at"] = (
        forms.moment(f"{key}_occurred", occurred)
        if new
        else common.moment(f"{key}_occurred", occurred, stored["occurred_at"], optional=False)
    )
    for field in ("impact", "cause", "response"):
        body[field] = st.text_area(**incident_field(field).text(), value=incident[field], key=f"{key}_{field}")
    for field, name in (("responded_at", "responded"), ("recovered_at", "recovered")):
        label = incident_field(field).label
        body[field] = common.moment(f"{key}_{name}", label, stored[field] or None, optional=True)
    body["prevention"] = st.text_area(
        **incident_field("prevention").text(), value=incident["prevention"], key=f"{key}_prevention"
    )
    return body


def new_incident() -> None:
    with st.expander("インシデントを記録", expanded=False):
        body = incident_fields(forms.prefix(NEW))
        if st.button("記録する", type="primary", key=f"{PAGE}_create"):
            if not body["title"]:
                st.error(incident_field("title").required_message())
                return
            body["occurred_at"] = forms.saved_at(body["occurred_at"])
            writes.act(
                PAGE,
                lambda: reservations_api.create_incident(body),
                f"インシデント「{body['title']}」を記録しました。",
                form=NEW,
            )


def escalate_button(incident: dict) -> None:
    """経営陣に報告: High and Medium before the sweeper does it at their deadline (Critical is reported at once)."""
    if incident["escalated_at"] or incident["escalation_due_at"] is None:
        return
    if st.button("経営陣に報告", key=f"{PAGE}_escalate_{incident['id']}", icon=":material/campaign:"):
        writes.act(
            PAGE,
            lambda: reservations_api.escalate_incident(incident["id"]),
            f"インシデント #{incident['id']} を経営陣に報告しました。",
        )


def edit_incident(shown: list[dict]) -> None:
    by_id = {incident["id"]: incident for incident in shown}
    chosen = pickers.record_picker(
        "更新するインシデント",
        {i: f"#{i} {incident['title']}" for i, incident in by_id.items()},
        PICKER,
        placeholder="インシデントを選択",
    )
    if chosen is None:
        return
    incident = by_id[chosen]
    common.paging_panel(
        PAGE,
        chosen,
        incident["paging"],
        lambda: reservations_api.acknowledge_incident(chosen),
        f"インシデント #{chosen} ",
    )
    escalate_button(incident)
    body = incident_fields(f"{PAGE}_edit_{chosen}", incident)
    if st.button("更新する", key=f"{PAGE}_update_{chosen}"):
        changes = {name: value for name, value in body.items() if not common.same(name, value, incident[name])}
        writes.act(
            PAGE,
            lambda: reservations_api.update_incident(chosen, changes),
            f"インシデント #{chosen} を更新しました。",
            changed=bool(changes),
        )


user = auth.require_page(__file__)
st.title("インシデント")
writes.show_flash(PAGE)
writer = may_record(user)
if writer:
    new_incident()
else:
    st.caption("インシデント記録の閲覧のみ（記録・更新は運営担当者とサポート担当）")
level = pickers.code_select("レベル", common.vocab()["incident_levels"], f"{PAGE}_level")
open_only = st.checkbox("未復旧のみ", key=f"{PAGE}_open_only")
overdue_only = st.checkbox("対応期限超過のみ", key=f"{PAGE}_overdue")
listed = tables.paginated_table(
    PAGE,
    reservations_api.list_incidents,
    incident_row(),
    filters={"level": level, "open_only": open_only or None, "overdue": overdue_only or None},
    export="/reservations/incidents/export",
    style=incident_style,
    picker=PICKER if writer else None,
)
if writer:
    edit_incident(listed["items"])
