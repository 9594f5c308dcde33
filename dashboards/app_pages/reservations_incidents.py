"""予約 › インシデント (§5.1, §5.3.1): record an incident with the spec's fields, list them by level, and fill in the
recovery and prevention as they become known."""

from datetime import datetime

import streamlit as st

from dashboards import auth, components, reservations_api
from dashboards.app_pages import reservations_common as common

PAGE = "reservations_incidents"
LEVEL_HELP = {
    "critical": "システム全体停止、決済システム障害（30分以内）",
    "high": "一部機能停止、外部API障害（1時間以内）",
    "medium": "パフォーマンス劣化、マニュアルオペ多発（2時間以内）",
    "low": "軽微な不具合、一時的なエラー（24時間以内）",
}


def incident_row(incident: dict) -> dict:
    return {
        "ID": incident["id"],
        "発生日時": components.local_time(incident["occurred_at"])[:16],
        "レベル": common.vocab()["incident_levels"][incident["level"]],
        "件名": incident["title"],
        "影響範囲": incident["impact"],
        "原因": incident["cause"],
        "対応内容": incident["response"],
        "復旧日時": components.local_time(incident["recovered_at"])[:16],
        "再発防止策": incident["prevention"],
        "記録者": incident["created_by"],
    }


def moment(key: str, label: str, value: datetime | None, *, optional: bool) -> str | None:
    """A date and a time in Japan time as ISO text; None when optional and left unticked."""
    if optional and not st.checkbox(f"{label}を入力する", value=value is not None, key=f"{key}_set"):
        return None
    value = value or datetime.now(components.LOCAL_TZ)
    left, right = st.columns(2)
    day = left.date_input(label, value.date(), key=f"{key}_day")
    at = right.time_input(f"{label}（時刻）", value.time().replace(second=0, microsecond=0), key=f"{key}_time")
    return datetime.combine(day, at, tzinfo=components.LOCAL_TZ).isoformat()


def incident_fields(key: str, incident: dict | None = None) -> dict:
    incident = incident or {
        "title": "",
        "level": "medium",
        "impact": "",
        "cause": "",
        "response": "",
        "prevention": "",
        "occurred_at": None,
        "recovered_at": None,
    }
    levels = common.vocab()["incident_levels"]
    title_max = common.vocab()["limits"]["title"]
    body = {
        "title": st.text_input("件名", incident["title"], max_chars=title_max, key=f"{key}_title").strip(),
        "level": st.selectbox(
            "レベル",
            list(levels),
            list(levels).index(incident["level"]),
            key=f"{key}_level",
            format_func=lambda lv: f"{levels[lv]}: {LEVEL_HELP[lv]}",
        ),
    }
    occurred = incident["occurred_at"] and components.local_datetime(incident["occurred_at"])
    recovered = incident["recovered_at"] and components.local_datetime(incident["recovered_at"])
    body["occurred_at"] = moment(f"{key}_occurred", "発生日時", occurred or None, optional=False)
    for field, label in (("impact", "影響範囲"), ("cause", "原因"), ("response", "対応内容")):
        body[field] = st.text_area(label, incident[field], max_chars=common.text_max(), key=f"{key}_{field}")
    body["recovered_at"] = moment(f"{key}_recovered", "復旧日時", recovered or None, optional=True)
    body["prevention"] = st.text_area(
        "再発防止策", incident["prevention"], max_chars=common.text_max(), key=f"{key}_prevention"
    )
    return body


def new_incident() -> None:
    with st.expander("インシデントを記録", expanded=False):
        body = incident_fields(f"{PAGE}_new")
        if st.button("記録する", type="primary", key=f"{PAGE}_create"):
            if not body["title"]:
                st.error("件名を入力してください。")
                return
            components.act(
                PAGE, lambda: reservations_api.create_incident(body), f"インシデント「{body['title']}」を記録しました。"
            )


def edit_incident(shown: list[dict]) -> None:
    by_id = {incident["id"]: incident for incident in shown}
    chosen = components.record_picker(
        "更新するインシデント",
        {i: f"#{i} {incident['title']}" for i, incident in by_id.items()},
        f"{PAGE}_selected",
        placeholder="インシデントを選択",
    )
    if chosen is None:
        return
    incident = by_id[chosen]
    body = incident_fields(f"{PAGE}_edit_{chosen}", incident)
    if st.button("更新する", key=f"{PAGE}_update_{chosen}"):
        changes = {name: value for name, value in body.items() if not same(name, value, incident[name])}
        components.act(
            PAGE,
            lambda: reservations_api.update_incident(chosen, changes),
            f"インシデント #{chosen} を更新しました。",
            changed=bool(changes),
        )


def same(name: str, value, current) -> bool:
    """Whether a form value equals the stored one (timestamps to the minute: the form has no seconds)."""
    if not name.endswith("_at") or not value or not current:
        return value == current
    return minute(value) == minute(current)


def minute(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp).replace(second=0, microsecond=0)


auth.require_page(__file__)
st.title("インシデント")
components.show_flash(PAGE)
new_incident()
level = components.code_select("レベル", common.vocab()["incident_levels"], f"{PAGE}_level")
open_only = st.checkbox("未復旧のみ", key=f"{PAGE}_open_only")
listed = components.paginated_table(
    PAGE,
    reservations_api.list_incidents,
    incident_row,
    filters={"level": level, "open_only": open_only or None},
    file_name="incidents",
)
edit_incident(listed["items"])
