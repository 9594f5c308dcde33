"""端末管理 › アラート一覧: open work against the §4.2 times (SLA colours), and the forms that move an alert along."""

import pandas as pd
import streamlit as st

from dashboards import api, auth, clock, fleet_api, forms, labels
from dashboards.app_pages.fleet import common as fleet_common
from dashboards.components import badges, kpi, pickers, tables, timestamps, writes

PAGE = "fleet_alerts"
PICKER = f"{PAGE}_selected"
WORK = fleet_common.WorkItem(
    PAGE,
    "アラート",
    fleet_api.alert_step,
    fleet_api.alert_assignees,
    fleet_api.assign_alert,
    fleet_api.contact_alert_customer,
    "alert_note",
)
BULK = fleet_common.BulkWork(PAGE, "alerts", "アラート", "alert_bulk_actions", fleet_api.alert_assignees)
FILTERS = ("status", "type", "customer", "overdue", "open_only")


@st.fragment(run_every=fleet_common.REFRESH_SECONDS)
def summary() -> None:
    """The named figures (service/fleet/figures.py), each the alert list's total under its filter, refreshed every
    minute."""
    figures = fleet_api.alert_figures()
    kpi.figures_stamp(figures)
    for column, figure in zip(st.columns(len(figures)), figures, strict=True):
        with column:
            kpi.figure_card(figure)


def filters() -> dict:
    kpi.linked_filters(
        PAGE,
        {
            "status": (f"{PAGE}_status", str),
            "overdue": (f"{PAGE}_overdue", kpi.flag),
            "open_only": (f"{PAGE}_open_only", kpi.flag),
        },
    )
    columns = st.columns([1, 1, 2, 1])
    with columns[0]:
        status = pickers.code_select("状態", fleet_api.words("alert_statuses"), f"{PAGE}_status")
    with columns[1]:
        alert_type = pickers.code_select("アラート種別", fleet_api.words("alert_types"), f"{PAGE}_type")
    with columns[2]:
        customer_id = fleet_common.customer_select(f"{PAGE}_customer")
    with columns[3]:
        overdue = st.checkbox("SLA超過（完了報告の遅れを含む）のみ", key=f"{PAGE}_overdue")
        st.session_state.setdefault(f"{PAGE}_open_only", True)  # the list opens on the work still to do
        open_only = st.checkbox("未解決のみ", key=f"{PAGE}_open_only")
    return {
        "status": status,
        "alert_type": alert_type,
        "customer_id": customer_id,
        "overdue": True if overdue else None,
        "open_only": open_only or None,
    }


def pick_alert(shown: list[dict]) -> int | None:
    shown_as = {
        alert["id"]: f"#{alert['id']} {alert['company_name']} - {alert['place']}: "
        f"{alert['alert_type_label']}（{alert['status_label']}）"
        for alert in shown
    }
    return pickers.record_picker("対応するアラート", shown_as, PICKER, placeholder="アラートを選択")


def kept_alert(shown: list[dict]) -> list[dict]:
    """The alert being worked, offered in the picker even when the table's page does not show it: the one a mail
    links to (?id=…, chosen when the page opens with it), or the one just resolved while 未解決のみ hides resolved
    alerts. Another customer's or a missing alert is said to be not found."""
    raw = st.query_params.get("id", "")
    if raw.isdigit() and st.session_state.get(f"{PAGE}_linked") != int(raw):
        st.session_state[f"{PAGE}_linked"] = int(raw)
        pickers.choose(PICKER, int(raw))
    alert_id = pickers.chosen(PICKER)
    if alert_id is None or any(alert["id"] == alert_id for alert in shown):
        return []
    try:
        return [fleet_api.get_alert(alert_id)]
    except api.ApiError as exc:
        if exc.status != 404:
            raise
        st.warning("指定されたアラートは見つかりません。一覧から選び直してください。")
        return []


@st.fragment(run_every=fleet_common.REFRESH_SECONDS)
def alert_panel(alert_id: int) -> None:
    alert = fleet_api.get_alert(alert_id)
    place = f"{labels.plain(alert['company_name'])} - {labels.plain(alert['place'])}"
    st.subheader(f"#{alert['id']} {place}: {alert['alert_type_label']}")
    badges.status_badge(alert["status"], alert["status_label"], colours=fleet_common.ALERT_STATUS_COLOURS)
    created = f"{timestamps.local_time(alert['created_at'])}（{timestamps.relative_time(alert['created_at'])}）"
    serial = "" if alert["terminals"] else f"　**シリアル番号**: {labels.plain(alert['serial_number'])}"
    st.markdown(f"**発生**: {created}　**担当者**: {labels.plain(alert['assignee_name'] or '未割り当て')}{serial}")
    if alert["message"]:
        st.markdown(f"**詳細メッセージ**: {labels.plain(alert['message'])}")
    fleet_common.customer_contact(alert)
    if alert["terminals"]:
        store_terminals(alert["terminals"])
    else:
        st.page_link(
            fleet_common.TERMINAL_PAGE,
            label="端末詳細を開く",
            icon=":material/open_in_new:",
            query_params={"id": str(alert["terminal_id"])},
        )
    if alert["incident_id"] is not None:
        st.page_link(
            fleet_common.INCIDENTS_PAGE,
            label=f"インシデント #{alert['incident_id']} の一部です。初動確認から解決まではインシデントで記録します",
            icon=":material/crisis_alert:",
            query_params={"id": str(alert["incident_id"])},
        )
    st.markdown("**障害対応フロー（対応時間の目標）**")
    now = clock.now()
    for column, step in zip(st.columns(len(alert["sla"])), alert["sla"], strict=True):
        with column:
            fleet_common.step_badge(step, alert["status"] == "resolved", now)
    fleet_common.work_record(alert, fleet_api.list_notes(alert_id))


def store_terminals(terminals: list[dict]) -> None:
    """A store alert's store: each of its terminals as it is now; a click opens the terminal."""
    head = fleet_common.headers("terminal")
    st.markdown(f"**この店舗の端末（{len(terminals)}台）**")
    rows = [
        {
            head["serial_number"]: terminal["serial_number"],
            head["store_name"]: terminal["store_name"],
            head["status"]: terminal["status_label"],
            "最終通信": timestamps.local_time(terminal["last_heartbeat_at"]) or "-",
        }
        for terminal in terminals
    ]
    st.dataframe(fleet_common.terminal_style(pd.DataFrame(rows)), hide_index=True)
    for terminal in terminals:
        st.page_link(
            fleet_common.TERMINAL_PAGE,
            label=f"{terminal['store_name']}（{terminal['serial_number']}）の端末詳細を開く",
            icon=":material/open_in_new:",
            query_params={"id": str(terminal["id"])},
        )


def note_form(alert: dict) -> None:
    form, note = f"{PAGE}_note_{alert['id']}", fleet_common.field("alert_note", "body")
    with st.form(form):
        body = st.text_area(**note.text(), key=forms.key(form, "body")).strip()
        submitted = st.form_submit_button("メモを追加")
    if not submitted:
        return
    if not body:
        st.error(note.required_message())
        return
    writes.act(PAGE, lambda: fleet_api.add_note(alert["id"], body), f"{note.label}を追加しました。", form=form)


def resolve_form(alert: dict) -> None:
    form = f"{PAGE}_resolve_{alert['id']}"
    with st.form(form):
        note = st.text_area(
            f"{fleet_common.resolution().label}（任意）",
            key=forms.key(form, "note"),
            max_chars=fleet_common.field("alert_note", "body").max_chars,  # kept as the alert's note
            placeholder="例: 店舗に連絡し、端末を再起動して復旧を確認",
        ).strip()
        submitted = st.form_submit_button("解決済みにする", type="primary")
    if submitted:
        writes.act(
            PAGE,
            lambda: fleet_api.resolve_alert(alert["id"], note),
            f"アラート #{alert['id']} を解決済みにしました。",
            form=form,
        )


def work_on(user: dict, alert_id: int) -> None:
    alert_panel(alert_id)
    alert = fleet_api.get_alert(alert_id)
    fleet_common.outage_warning(alert)
    if alert["status"] == "resolved":
        st.caption(f"{timestamps.local_time(alert['resolved_at'])} に {alert['resolved_by']} が解決済みにしました。")
        fleet_common.step_buttons(WORK, user, alert, (fleet_common.REPORT_BUTTON,))
        return
    if alert["incident_id"] is not None:  # worked through its incident (steps, 担当者, 解決); a note stays its own
        note_form(alert)
        return
    fleet_common.step_buttons(WORK, user, alert)
    columns = st.columns(3, gap="large")
    with columns[0]:
        fleet_common.contact_form(WORK, alert)
        fleet_common.assign_form(WORK, user, alert)
    with columns[1]:
        note_form(alert)
    with columns[2]:
        resolve_form(alert)


user = auth.require_page(__file__)
st.title("アラート一覧")
writes.show_flash(PAGE)
summary()
fleet_common.saved_views(PAGE, "alerts", FILTERS)
listed = tables.paginated_table(
    PAGE,
    fleet_api.list_alerts,
    fleet_common.alert_row(),
    filters=filters(),
    export="/fleet/alerts/export",
    style=fleet_common.alert_style,
    picker=PICKER,
    rows_chosen=BULK.chosen,
    column_config=fleet_common.fitted_columns(fleet_common.alert_widths()),
    tall=True,
)
fleet_common.bulk_form(BULK)
offered = listed["items"] + kept_alert(listed["items"])
chosen = pick_alert(offered) if offered else None
if chosen is not None:
    work_on(user, chosen)
