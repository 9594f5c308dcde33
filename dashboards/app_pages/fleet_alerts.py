"""端末管理 › アラート一覧: open work against the §4.2 times (SLA colours), and the forms that move an alert along."""

from datetime import UTC, datetime

import streamlit as st

from dashboards import auth, components, fleet_api, formats, labels
from dashboards.app_pages import fleet_common

PAGE = "fleet_alerts"
PICKER = f"{PAGE}_selected"
NOTE_MAX = 2000
# The buttons for §4.2 steps: API step, button label, who may press it.
STEP_BUTTONS = (
    ("acknowledge", "acknowledged_at", "初動確認", fleet_common.READER),
    ("diagnosed", "diagnosed_at", "リモート診断済み", fleet_common.OPERATOR),
    ("customer-contacted", "customer_contacted_at", "顧客連絡済み", fleet_common.READER),
)
REPORT_BUTTON = ("reported", "reported_at", "完了報告済み", fleet_common.READER)


@st.fragment(run_every=fleet_common.REFRESH_SECONDS)
def summary() -> None:
    """Counts from the API's totals (one row fetched each), refreshed every minute."""
    columns = st.columns(3)
    counts = (
        ("未対応", {"status": "open"}, None),
        ("対応中", {"status": "acknowledged"}, None),
        ("SLA超過", {"overdue": True, "open_only": True}, fleet_common.SLA_OVERDUE_HELP),
    )
    for column, (label, query, help_text) in zip(columns, counts, strict=True):
        with column:
            components.kpi_card(label, f"{fleet_api.list_alerts(page_size=1, **query)['total']:,}", help=help_text)


def filters() -> dict:
    columns = st.columns([1, 1, 2, 1])
    with columns[0]:
        status = components.code_select("状態", fleet_api.words("alert_statuses"), f"{PAGE}_status")
    with columns[1]:
        alert_type = components.code_select("アラート種別", fleet_api.words("alert_types"), f"{PAGE}_type")
    with columns[2]:
        customer_id = fleet_common.customer_select("顧客企業", f"{PAGE}_customer")
    with columns[3]:
        overdue = st.checkbox("SLA超過のみ", key=f"{PAGE}_overdue")
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
        alert["id"]: f"#{alert['id']} {alert['company_name']} - {alert['store_name']}: "
        f"{alert['alert_type_label']}（{alert['status_label']}）"
        for alert in shown
    }
    return components.record_picker("対応するアラート", shown_as, PICKER, placeholder="アラートを選択")


def step_badge(step: dict, resolved: bool, now: datetime) -> None:
    """One §4.2 step: done in time (green), done late (orange), overdue (red), still in time (blue)."""
    done = step["done_at"]
    if done:
        colour, words = ("orange" if step["overdue"] else "green"), f"完了 {components.local_time(done)[11:16]}"
    elif not step["required"]:
        colour, words = "gray", "不要（自動復旧）"
    elif resolved and step["step"] != REPORT_BUTTON[0]:
        colour, words = "gray", "記録なし"
    elif step["overdue"]:
        colour, words = "red", "期限超過"
    else:
        colour, words = "blue", f"残り{fleet_common.minutes_left(step['due_at'], now)}分"
    st.badge(f"{step['label']}: {words}", color=colour)
    st.caption(f"期限 {components.local_time(step['due_at'])[11:16]}")


def customer_contact(alert: dict) -> None:
    """Whom to call for 顧客連絡 and 完了報告: the customer's contact person, phone and e-mail."""
    contact = alert | {"contact_phone": formats.phone(alert["contact_phone"])}
    parts = [
        f"**{label}**: {labels.plain(contact[key]) or '未登録'}"
        for key, label in (
            ("contact_person", "担当者"),
            ("contact_phone", "電話番号"),
            ("contact_email", "連絡先メール"),
        )
    ]
    st.markdown(f"**顧客連絡先**（{labels.plain(alert['company_name'])}）　" + "　".join(parts))


@st.fragment(run_every=fleet_common.REFRESH_SECONDS)
def alert_panel(alert_id: int) -> None:
    alert = fleet_api.get_alert(alert_id)
    place = f"{labels.plain(alert['company_name'])} - {labels.plain(alert['store_name'])}"
    st.subheader(f"#{alert['id']} {place}: {alert['alert_type_label']}")
    components.status_badge(alert["status"], alert["status_label"], colours=fleet_common.ALERT_STATUS_COLOURS)
    created = f"{components.local_time(alert['created_at'])}（{components.relative_time(alert['created_at'])}）"
    st.markdown(
        f"**発生**: {created}　**担当者**: {labels.plain(alert['assignee_name'] or '未割り当て')}"
        f"　**シリアル番号**: {labels.plain(alert['serial_number'])}"
    )
    if alert["message"]:
        st.markdown(f"**詳細メッセージ**: {labels.plain(alert['message'])}")
    customer_contact(alert)
    st.page_link(
        fleet_common.TERMINAL_PAGE,
        label="端末詳細を開く",
        icon=":material/open_in_new:",
        query_params={"id": str(alert["terminal_id"])},
    )
    st.markdown("**障害対応フロー（対応時間の目標）**")
    now = datetime.now(UTC)
    for column, step in zip(st.columns(len(alert["sla"])), alert["sla"], strict=True):
        with column:
            step_badge(step, alert["status"] == "resolved", now)
    notes = fleet_api.list_notes(alert_id)
    if notes:
        st.markdown("**対応メモ**")
    for note in notes:
        st.markdown(
            f"- {components.local_time(note['created_at'])} {labels.plain(note['author'])}: "
            f"{labels.plain(note['body'])}"
        )


def step_buttons(user: dict, alert: dict, buttons=STEP_BUTTONS) -> None:
    allowed = [step for step in buttons if fleet_common.may(user, step[3]) and alert[step[1]] is None]
    for column, (step, _, label, _) in zip(st.columns(max(len(allowed), 1)), allowed, strict=False):
        with column:
            if st.button(label, key=f"{PAGE}_{step}_{alert['id']}", icon=":material/check:"):
                components.act(
                    PAGE,
                    lambda step=step: fleet_api.alert_step(alert["id"], step),
                    f"アラート #{alert['id']} に「{label}」を記録しました。",
                )


def assign_form(user: dict, alert: dict) -> None:
    staff = {person["id"]: person["name"] for person in fleet_api.alert_assignees(alert["id"])}
    choices = {None: "未割り当て"} | {i: f"{name}（自分）" if i == user["id"] else name for i, name in staff.items()}
    if alert["assignee_id"] is not None:
        choices.setdefault(alert["assignee_id"], alert["assignee_name"] or f"ユーザー {alert['assignee_id']}")
    with st.form(f"{PAGE}_assign_{alert['id']}"):
        assignee = st.selectbox(
            "担当者",
            list(choices),
            index=list(choices).index(alert["assignee_id"]),
            format_func=choices.get,
            key=f"{PAGE}_assignee_{alert['id']}",
        )
        submitted = st.form_submit_button("担当者を設定")
    if submitted:
        components.act(
            PAGE,
            lambda: fleet_api.assign_alert(alert["id"], assignee),
            f"アラート #{alert['id']} の担当者を「{labels.plain(choices[assignee])}」にしました。",
            changed=assignee != alert["assignee_id"],
        )


def note_form(alert: dict) -> None:
    with st.form(f"{PAGE}_note_{alert['id']}", clear_on_submit=True):
        body = st.text_area("対応メモ", key=f"{PAGE}_note_body_{alert['id']}", max_chars=NOTE_MAX).strip()
        submitted = st.form_submit_button("メモを追加")
    if not submitted:
        return
    if not body:
        st.error("メモを入力してください。")
        return
    components.act(PAGE, lambda: fleet_api.add_note(alert["id"], body), "対応メモを追加しました。")


def resolve_form(alert: dict) -> None:
    with st.form(f"{PAGE}_resolve_{alert['id']}"):
        note = st.text_area(
            "対応内容（任意）",
            key=f"{PAGE}_resolve_note_{alert['id']}",
            max_chars=NOTE_MAX,
            placeholder="例: 店舗に連絡し、端末を再起動して復旧を確認",
        ).strip()
        submitted = st.form_submit_button("解決済みにする", type="primary")
    if submitted:
        components.act(
            PAGE, lambda: fleet_api.resolve_alert(alert["id"], note), f"アラート #{alert['id']} を解決済みにしました。"
        )


def work_on(user: dict, alert_id: int) -> None:
    alert_panel(alert_id)
    alert = fleet_api.get_alert(alert_id)
    if alert["status"] == "resolved":
        st.caption(f"{components.local_time(alert['resolved_at'])} に {alert['resolved_by']} が解決済みにしました。")
        step_buttons(user, alert, (REPORT_BUTTON,))
        return
    step_buttons(user, alert)
    forms = st.columns(3, gap="large")
    with forms[0]:
        assign_form(user, alert)
    with forms[1]:
        note_form(alert)
    with forms[2]:
        resolve_form(alert)


user = auth.require_page(__file__)
st.title("アラート一覧")
components.show_flash(PAGE)
summary()
listed = components.paginated_table(
    PAGE,
    fleet_api.list_alerts,
    fleet_common.alert_row,
    filters=filters(),
    export="/fleet/alerts/export",
    style=fleet_common.alert_style,
    picker=PICKER,
)
chosen = pick_alert(listed["items"]) if listed["items"] else None
if chosen is not None:
    work_on(user, chosen)
