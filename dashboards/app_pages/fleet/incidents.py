"""端末管理 › インシデント: many of one customer's terminals down together, worked as one: its terminals and alerts,
who works it, the §4.2 steps (each applied to every alert of it) and its resolution. ?id=… opens one."""

from collections.abc import Callable

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from dashboards import api, auth, clock, fleet_api, forms, labels
from dashboards.app_pages.fleet import common as fleet_common
from dashboards.components import badges, pickers, tables, timestamps, writes

PAGE = "fleet_incidents"
PICKER = f"{PAGE}_selected"
WORK = fleet_common.WorkItem(
    PAGE,
    "インシデント",
    fleet_api.incident_step,
    fleet_api.incident_assignees,
    fleet_api.assign_incident,
    fleet_api.contact_customer,
    "incident_note",
)
BULK = fleet_common.BulkWork(PAGE, "incidents", "インシデント", "incident_bulk_actions", fleet_api.incident_assignees)
FILTERS = ("status", "customer", "open_only", "awaiting_report")


def store_state(store: dict) -> str:
    """「3台中2台オフライン」, or 「3台」 once they are back (the service lists the worst store first)."""
    offline = fleet_api.words("terminal_statuses")["offline"]
    return f"{store['terminals']}台中{store['offline']}台{offline}" if store["offline"] else f"{store['terminals']}台"


def headline(incident: dict) -> str:
    """e.g. 東和モータース 5店舗・13台オフライン."""
    return f"{incident['company_name']} {incident['places']}{incident['alert_type_label']}"


def filters() -> dict:
    columns = st.columns([1, 2, 1, 1])
    with columns[0]:
        status = pickers.code_select("状態", fleet_api.words("alert_statuses"), f"{PAGE}_status")
    with columns[1]:
        customer_id = fleet_common.customer_select(f"{PAGE}_customer")
    with columns[2]:
        open_only = st.checkbox("未解決のみ", key=f"{PAGE}_open_only")
    with columns[3]:
        awaiting = st.checkbox("完了報告待ちのみ", key=f"{PAGE}_awaiting_report")
    return {
        "status": status,
        "customer_id": customer_id,
        "open_only": open_only or None,
        "awaiting_report": awaiting or None,
    }


def incident_row() -> Callable[[dict], dict]:
    head, customer = fleet_common.headers("incident"), fleet_common.customer_word()

    def row(incident: dict) -> dict:
        return {
            "ID": incident["id"],
            "発生日時": timestamps.local_time(incident["created_at"]),
            customer: incident["company_name"],
            "種別": incident["alert_type_label"],
            "店舗数": incident["store_count"],
            "端末数": incident["terminal_count"],
            "未解決": incident["open_alerts"],
            head["status"]: incident["state_label"],
            "SLA": fleet_common.sla_text(incident),
            head["assignee_id"]: incident["assignee_name"] or "",
        }

    return row


def incident_style(frame: pd.DataFrame) -> Styler:
    return fleet_common.alert_style(frame, "incident")


def opened_incident(shown: list[dict]) -> int | None:
    """The incident in the address (?id=…, e.g. from the dashboard) or the one picked; a pick moves the address."""
    raw = st.query_params.get("id", "")
    if raw.isdigit() and st.session_state.get(f"{PAGE}_address") != raw:
        st.session_state[f"{PAGE}_address"] = raw
        pickers.choose(PICKER, int(raw))
    shown_as = {i["id"]: f"#{i['id']} {headline(i)}（{i['state_label']}）" for i in shown}
    picked = pickers.record_picker("対応するインシデント", shown_as, PICKER, placeholder="インシデントを選択")
    if picked is not None and str(picked) != raw:
        st.query_params["id"] = st.session_state[f"{PAGE}_address"] = str(picked)
        return picked
    return int(raw) if raw.isdigit() else None


@st.fragment(run_every=fleet_common.REFRESH_SECONDS)
def incident_panel(incident_id: int) -> None:
    incident = fleet_api.get_incident(incident_id)
    st.subheader(f"#{incident['id']} {labels.plain(headline(incident))}")
    badges.status_badge(incident["status"], incident["status_label"], colours=fleet_common.ALERT_STATUS_COLOURS)
    seen = [
        f"**{label}**: {timestamps.local_time(incident[key])}（{timestamps.relative_time(incident[key])}）"
        for key, label in (("first_seen", "最初の検知"), ("last_seen", "最後の検知"))
        if incident[key]
    ]
    st.markdown(
        "　".join(seen) + f"　**対象**: {incident['places']}（未解決 {incident['open_alerts']}件）"
        f"　**担当者**: {labels.plain(incident['assignee_name'] or '未割り当て')}"
    )
    stores = "、".join(f"{labels.plain(s['store'])}（{store_state(s)}）" for s in incident["stores"])
    st.markdown(f"**対象店舗**: {stores}")
    if incident["message"]:
        st.markdown(f"**詳細メッセージ**: {labels.plain(incident['message'])}")
    fleet_common.customer_contact(incident)
    st.markdown("**障害対応フロー（対応時間の目標）**　各ステップはこのインシデントの全アラートに記録されます。")
    now = clock.now()
    for column, step in zip(st.columns(len(incident["sla"])), incident["sla"], strict=True):
        with column:
            fleet_common.step_badge(step, incident["status"] == "resolved", now)
    if incident["status"] == "resolved":
        resolved = f"{timestamps.local_time(incident['resolved_at'])} に {labels.plain(incident['resolved_by'])}"
        st.markdown(f"**対応実施**: {resolved} が解決済みにしました。")
        st.markdown(f"**対応内容**: {labels.plain(incident['resolution']) or '（記載なし）'}")
    # the steps, and what was told, found and noted on the way (顧客連絡, 原因, 完了報告, 対応メモ)
    fleet_common.work_record(incident, fleet_api.incident_notes(incident_id))


def said(form: str, kind: str) -> str:
    """A text area for one kind of the timeline's entries, labelled and limited as the service states them."""
    note = fleet_common.field("incident_note", "body")
    label = fleet_common.field("incident_note", "kind").choices[kind]
    return st.text_area(label, key=forms.key(form, kind), max_chars=note.max_chars).strip()


def missing(*texts: tuple[str, str]) -> bool:
    """Say which of these (kind, text) are blank, before anything is sent; True when one is."""
    kinds = fleet_common.field("incident_note", "kind").choices
    blank = [f"{kinds[kind]}を入力してください。" for kind, text in texts if not text]
    return writes.show_errors(blank)


def report_form(incident: dict) -> None:
    """完了報告: the cause and what the customer was told of the fix, once, after the resolution."""
    form = f"{PAGE}_report_{incident['id']}"
    st.markdown("**完了報告**（原因と報告内容を記録してください）")
    with st.form(form):
        cause, report = said(form, "cause"), said(form, "report")
        submitted = st.form_submit_button("完了報告を記録", type="primary")
    if submitted and not missing(("cause", cause), ("report", report)):
        writes.act(
            PAGE,
            lambda: fleet_api.report_incident(incident["id"], cause, report),
            f"インシデント #{incident['id']} の完了報告を記録しました。",
            form=form,
        )


def note_form(incident: dict) -> None:
    form = f"{PAGE}_note_{incident['id']}"
    with st.form(form):
        body = said(form, "note")
        submitted = st.form_submit_button("メモを追加")
    if submitted and not missing(("note", body)):
        writes.act(
            PAGE, lambda: fleet_api.add_incident_note(incident["id"], body), "対応メモを追加しました。", form=form
        )


def member_alerts(incident_id: int) -> None:
    """The incident's terminals, one alert each; a click opens the alert."""
    st.markdown("**対象の端末とアラート**")
    tables.paginated_table(
        f"{PAGE}_alerts",
        fleet_api.list_alerts,
        fleet_common.alert_row(),
        filters={"incident_id": incident_id},
        export="/fleet/alerts/export",
        style=fleet_common.alert_style,
        open_record=tables.on_page(fleet_common.ALERTS_PAGE),
    )


def take_button(user: dict, incident: dict) -> tuple:
    """自分が担当する, while the incident is open and someone else (or nobody) works it."""
    if incident["status"] == "resolved" or incident["assignee_id"] == user["id"]:
        return ()
    return (("take", "assignee_id", "自分が担当する", fleet_common.READER),)


def resolve_form(incident: dict) -> None:
    form = f"{PAGE}_resolve_{incident['id']}"
    said = fleet_common.resolution()
    with st.form(form):
        resolution = st.text_area(
            f"{said.label}（任意）",
            key=forms.key(form, "resolution"),
            max_chars=said.max_chars,
            placeholder="例: 回線事業者の障害。復旧を確認し、全店舗の端末の通信再開を確認",
        ).strip()
        submitted = st.form_submit_button("インシデントを解決済みにする", type="primary")
    if submitted:
        writes.act(
            PAGE,
            lambda: fleet_api.resolve_incident(incident["id"], resolution),
            f"インシデント #{incident['id']} とそのアラートを解決済みにしました。",
            form=form,
        )


def work_on(user: dict, incident_id: int) -> None:
    try:
        incident = fleet_api.get_incident(incident_id)
    except api.ApiError as exc:
        if exc.status != 404:
            raise
        st.warning("指定されたインシデントは見つかりません。一覧から選び直してください。")
        return
    incident_panel(incident_id)
    fleet_common.outage_warning(incident)
    if incident["status"] == "resolved":
        columns = st.columns(2, gap="large")
        if incident["awaiting_report"]:
            with columns[0]:
                report_form(incident)
        with columns[1]:
            note_form(incident)
    else:
        fleet_common.step_buttons(WORK, user, incident, also=take_button(user, incident))
        columns = st.columns(2, gap="large")
        with columns[0]:
            fleet_common.contact_form(WORK, incident)
            fleet_common.assign_form(WORK, user, incident)
        with columns[1]:
            note_form(incident)
            resolve_form(incident)
    member_alerts(incident_id)


user = auth.require_page(__file__)
st.title("インシデント")
st.caption("同じ顧客の多数の端末が同時に停止した障害です。初動確認から解決までをインシデント単位で記録します。")
writes.show_flash(PAGE)
fleet_common.saved_views(PAGE, "incidents", FILTERS)
listed = tables.paginated_table(
    PAGE,
    fleet_api.list_incidents,
    incident_row(),
    filters=filters(),
    export="/fleet/incidents/export",
    style=incident_style,
    picker=PICKER,
    rows_chosen=BULK.chosen,
)
fleet_common.bulk_form(BULK)
chosen = opened_incident(listed["items"])
if chosen is not None:
    work_on(user, chosen)
