"""予約 › 手動対応キュー (§2.2, §2.3.2): open manual operations, most urgent and earliest target time first, and the
forms that settle them (予約OK → 決済リンク, 電話代行を再開, 予約内容の変更, キャンセル, メモ, 担当者, 対応済み,
a notice that reached nobody sent by e-mail).

The list refreshes by itself (a fragment run every QUEUE_REFRESH_SECONDS, as the 運営コンソール's panels and the fleet
lists do), reading the queue uncached, so an operation a job just opened shows without a reload; the forms below are
outside it, so a half-filled one is never redrawn. A 緊急 operation that appears while the page is open is announced: a
toast, and a banner until the person acknowledges it. A click on a row of the refreshed list opens it for the whole
page."""

from collections.abc import Callable
from datetime import datetime

import streamlit as st

from dashboards import auth, clock, formats, labels, reservations_api
from dashboards.app_pages.reservations import common
from dashboards.components import pickers, tables, timestamps, writes

PAGE = "reservations_queue"
PICKER = f"{PAGE}_selected"


def operation_row() -> Callable[[dict], dict]:
    head, requester = common.headers("manual_operation"), common.headers("reservation")["requester_name"]

    def row(operation: dict) -> dict:
        return {
            "ID": operation["id"],
            head["priority"]: operation["priority_label"],
            head["due_at"]: timestamps.local_time(operation["due_at"])[5:16],
            common.OVERDUE: common.OVERDUE if operation["overdue"] else "",
            head["op_type"]: operation["type_label"],
            "予約ID": operation["reservation_code"],
            requester: operation["requester_name"],
            head["status"]: operation["status_label"],
            head["assignee_id"]: operation["assignee_name"] or "",
            "発生日時": timestamps.local_time(operation["created_at"])[5:16],
            head["reason"]: operation["reason"],
        }

    return row


def filters() -> dict:
    columns = st.columns([1, 1, 2, 1])
    with columns[0]:
        priority = pickers.code_select("優先度", common.vocab()["priorities"], f"{PAGE}_priority")
    with columns[1]:
        status = pickers.code_select("対応状況", common.vocab()["operation_statuses"], f"{PAGE}_status")
    with columns[2]:
        op_type = pickers.code_select("種別", common.vocab()["operation_types"], f"{PAGE}_type")
    with columns[3]:
        history = st.checkbox("対応済みも表示（新しい順）", key=f"{PAGE}_history")
    return {"priority": priority, "status": status, "op_type": op_type, "include_resolved": history or None}


URGENT_SHOWN = 20  # the 緊急 operations the announcement looks at (the queue's most urgent first)
KNOWN = f"{PAGE}_urgent_known"  # the 緊急 operations the person has seen announced or were there when they came
TOASTED = f"{PAGE}_urgent_toasted"
CLICKS_SEEN = f"{PAGE}_clicks_seen"  # the list's row clicks (tables.record_table) the whole page has opened
ALERT_ICON = ":material/notification_important:"


def announce_urgent() -> None:
    """A 緊急 operation that opened since the page was (or the banner last acknowledged): a toast once, a banner
    until 「確認しました」."""
    urgent = reservations_api.live_operations(priority="urgent", page_size=URGENT_SHOWN)["items"]
    if KNOWN not in st.session_state:
        st.session_state[KNOWN] = {operation["id"] for operation in urgent}  # there when the page opened: not news
        return
    new = [operation for operation in urgent if operation["id"] not in st.session_state[KNOWN]]
    toasted = st.session_state.setdefault(TOASTED, set())
    for operation in new:
        if operation["id"] not in toasted:
            st.toast(f"新しい緊急の手動対応: {common.operation_label(operation)}", icon=ALERT_ICON)
            toasted.add(operation["id"])
    if not new:
        return
    listed = "、".join(f"{o['reservation_code']}（{o['type_label']}）" for o in new)
    banner, action = st.columns([5, 1], vertical_alignment="center")
    banner.error(f"新しい緊急の手動対応があります: {labels.plain(listed)}", icon=ALERT_ICON)
    seen = tuple(operation["id"] for operation in new)
    action.button("確認しました", key=f"{PAGE}_urgent_seen", on_click=acknowledge, args=(seen,))


def acknowledge(operation_ids: tuple[int, ...]) -> None:
    """The banner's 「確認しました」: these operations are no longer news (before the run it starts)."""
    st.session_state[KNOWN] = st.session_state[KNOWN] | set(operation_ids)


@st.fragment(run_every=common.QUEUE_REFRESH_SECONDS)
def live_queue(filters: dict) -> dict:
    """The announcement and the list, read anew every QUEUE_REFRESH_SECONDS; a row clicked here opens its
    operation on the whole page. Returns the list's page (a full run reads it; a fragment's own run drops it)."""
    if st.session_state.get(f"{PAGE}_clicks", 0) != st.session_state.get(CLICKS_SEEN, 0):
        st.rerun()
    announce_urgent()
    listed = tables.paginated_table(
        PAGE,
        reservations_api.live_operations,
        operation_row(),
        filters=filters,
        export="/reservations/manual-operations/export",
        style=common.operation_style,
        picker=PICKER,
    )
    st.caption(f"この一覧は{common.QUEUE_REFRESH_SECONDS}秒ごとに自動で更新されます。")
    return listed


def pick_operation(shown: list[dict]) -> dict | None:
    by_id = {operation["id"]: operation for operation in shown}
    shown_as = {i: common.operation_label(operation) for i, operation in by_id.items()}
    chosen = pickers.record_picker("対応する手動対応", shown_as, PICKER, placeholder="手動対応を選択")
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
        writes.act(
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


def notice_form(operation: dict, reservation: dict) -> None:
    """The notice that reached nobody, sent by e-mail to the address typed here (kept on the reservation)."""
    form = f"{PAGE}_notice_{operation['id']}"
    said = common.field("reservation", "requester_email")
    with st.form(form):
        email = st.text_input(
            said.label, value=reservation["requester_email"], max_chars=said.max_chars, key=f"{form}_email"
        ).strip()
        submitted = st.form_submit_button("メールで送信")
    if submitted:  # sent, the operation is settled and the form gone
        writes.act(
            PAGE,
            lambda: reservations_api.send_notice_by_email(operation["id"], email),
            f"{operation['reservation_code']} の届かなかったお知らせをメールで送信しました。",
        )


def summary(operation: dict, reservation: dict) -> None:
    st.subheader(common.operation_label(operation))
    common.priority_badge(operation)
    common.status_badge(reservation)
    due = timestamps.local_time(operation["due_at"])[:16]
    desired = timestamps.local_time(reservation["desired_at"])[:16]
    late = "（超過）" if operation["overdue"] else f"（{remaining(operation['due_at'])}）"
    lines = [
        f"**対応時間目標**: {due}{late}　**担当者**: {labels.plain(operation['assignee_name'] or '未割り当て')}",
        f"**理由**: {labels.plain(operation['reason'])}",
        f"**提携店からの依頼内容**: {labels.plain(operation['shop_said'])}" if operation["shop_said"] else "",
        f"**依頼者**: {labels.plain(reservation['requester_name'])}"
        f"（{labels.plain(formats.phone(reservation['requester_phone']))}）"
        f"　**サービス**: {labels.plain(reservation['service_name'])}"
        f"　**{common.field('reservation', 'desired_at').label}**: {desired}"
        f"　**提携店**: {labels.plain(reservation['shop_name'] or '未定')}",
    ]
    st.markdown("\n\n".join(line for line in lines if line))
    common.notes_list(reservation["notes"])
    common.detail_link(reservation["code"])


def remaining(due_at: str) -> str:
    minutes = int((datetime.fromisoformat(due_at) - clock.now()).total_seconds() // 60)
    return f"残り{minutes}分"


def work_on(user: dict, operation: dict) -> None:
    reservation = reservations_api.get_reservation(operation["reservation_code"])
    summary(operation, reservation)
    if operation["status"] == "resolved":
        when = timestamps.local_time(operation["resolved_at"])
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
            if operation["can_send_notice"]:
                notice_form(operation, reservation)
        with right:
            resolve_form(operation)
    else:
        st.info("サポート担当は対応メモを追加できます。予約の操作と対応済みの登録は運営担当者が行います。")
    common.reservation_actions(PAGE, user, reservation)


user = auth.require_page(__file__)
st.title("手動対応キュー")
writes.show_flash(PAGE)
st.session_state[CLICKS_SEEN] = st.session_state.get(f"{PAGE}_clicks", 0)
listed = live_queue(filters())
chosen = pick_operation(listed["items"]) if listed["items"] else None
if chosen is not None:
    work_on(user, chosen)
