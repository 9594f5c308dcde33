"""予約 › 手動対応キュー (§2.2, §2.3.2): open manual operations, most urgent and earliest target time first, and the
forms that settle them (予約OK → 決済リンク, 電話代行を再開, 予約内容の変更, キャンセル, メモ, 担当者, 対応済み)."""

from datetime import datetime

import streamlit as st

from dashboards import auth, clock, components, formats, labels, reservations_api
from dashboards.app_pages.reservations import common

PAGE = "reservations_queue"
PICKER = f"{PAGE}_selected"


def operation_row(operation: dict) -> dict:
    return {
        "ID": operation["id"],
        "優先度": operation["priority_label"],
        "対応時間目標": components.local_time(operation["due_at"])[5:16],
        common.OVERDUE: common.OVERDUE if operation["overdue"] else "",
        "種別": operation["type_label"],
        "予約ID": operation["reservation_code"],
        "依頼者": operation["requester_name"],
        "状態": operation["status_label"],
        "担当者": operation["assignee_name"] or "",
        "発生日時": components.local_time(operation["created_at"])[5:16],
        "理由": operation["reason"],
    }


def filters() -> dict:
    columns = st.columns([1, 1, 2, 1])
    with columns[0]:
        priority = components.code_select("優先度", common.vocab()["priorities"], f"{PAGE}_priority")
    with columns[1]:
        status = components.code_select("対応状況", common.vocab()["operation_statuses"], f"{PAGE}_status")
    with columns[2]:
        op_type = components.code_select("種別", common.vocab()["operation_types"], f"{PAGE}_type")
    with columns[3]:
        history = st.checkbox("対応済みも表示（新しい順）", key=f"{PAGE}_history")
    return {"priority": priority, "status": status, "op_type": op_type, "include_resolved": history or None}


def pick_operation(shown: list[dict]) -> dict | None:
    by_id = {operation["id"]: operation for operation in shown}
    shown_as = {i: common.operation_label(operation) for i, operation in by_id.items()}
    chosen = components.record_picker("対応する手動対応", shown_as, PICKER, placeholder="手動対応を選択")
    return by_id.get(chosen)


def assign_form(user: dict, operation: dict) -> None:
    people = {person["id"]: person["name"] for person in reservations_api.assignees()}
    people.setdefault(user["id"], user["name"])
    current = operation["assignee_id"] if operation["assignee_id"] in people else user["id"]
    with st.form(f"{PAGE}_assign_{operation['id']}"):
        assignee = st.selectbox(
            common.field("manual_operation", "assignee_id").label,
            list(people),
            index=list(people).index(current),
            format_func=people.__getitem__,
            key=f"{PAGE}_assignee_{operation['id']}",
        )
        submitted = st.form_submit_button("担当者を設定")
    if submitted:
        components.act(
            PAGE,
            lambda: reservations_api.assign_operation(operation["id"], assignee),
            f"担当者を「{labels.plain(people[assignee])}」にしました。",
            changed=assignee != operation["assignee_id"],
        )


def resolve_form(operation: dict) -> None:
    common.text_form(
        PAGE,
        f"{PAGE}_resolve_{operation['id']}",
        text=common.field("manual_operation", "resolution"),
        button="対応済みにする",
        call=lambda text: reservations_api.resolve_operation(operation["id"], text),
        success=f"{operation['reservation_code']} の手動対応を対応済みにしました。",
        placeholder="例: 依頼者に電話し、別日時を提案して了承を得た",
    )


def summary(operation: dict, reservation: dict) -> None:
    st.subheader(common.operation_label(operation))
    common.priority_badge(operation)
    common.status_badge(reservation)
    due = components.local_time(operation["due_at"])[:16]
    desired = components.local_time(reservation["desired_at"])[:16]
    late = "（超過）" if operation["overdue"] else f"（{remaining(operation['due_at'])}）"
    st.markdown(
        f"**対応時間目標**: {due}{late}　**担当者**: {labels.plain(operation['assignee_name'] or '未割り当て')}\n\n"
        f"**理由**: {labels.plain(operation['reason'])}\n\n"
        f"**依頼者**: {labels.plain(reservation['requester_name'])}"
        f"（{labels.plain(formats.phone(reservation['requester_phone']))}）"
        f"　**サービス**: {labels.plain(reservation['service_name'])}"
        f"　**{common.field('reservation', 'desired_at').label}**: {desired}"
        f"　**提携店**: {labels.plain(reservation['shop_name'] or '未定')}"
    )
    common.detail_link(reservation["code"])


def remaining(due_at: str) -> str:
    minutes = int((datetime.fromisoformat(due_at) - clock.now()).total_seconds() // 60)
    return f"残り{minutes}分"


def work_on(user: dict, operation: dict) -> None:
    reservation = reservations_api.get_reservation(operation["reservation_code"])
    summary(operation, reservation)
    if operation["status"] == "resolved":
        when = components.local_time(operation["resolved_at"])
        st.caption(f"{when} に {operation['resolved_by']} が対応済みにしました: {operation['resolution']}")
    elif common.may_operate(user):
        common.paging_panel(
            PAGE,
            operation["id"],
            operation["paging"],
            lambda: reservations_api.acknowledge_operation(operation["id"]),
            operation["reservation_code"],
        )
        left, right = st.columns(2, gap="large")
        with left:
            assign_form(user, operation)
        with right:
            resolve_form(operation)
    else:
        st.info("サポート担当は対応メモを追加できます。予約の操作と対応済みの登録は運営担当者が行います。")
    common.reservation_actions(PAGE, user, reservation)


user = auth.require_page(__file__)
st.title("手動対応キュー")
components.show_flash(PAGE)
listed = components.paginated_table(
    PAGE,
    reservations_api.list_operations,
    operation_row,
    filters=filters(),
    export="/reservations/manual-operations/export",
    style=common.operation_style,
    picker=PICKER,
)
chosen = pick_operation(listed["items"]) if listed["items"] else None
if chosen is not None:
    work_on(user, chosen)
