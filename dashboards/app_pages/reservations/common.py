"""What the 予約 pages share: who may do what (§2.3.1), status colours, the reservation row, and the forms that act on
one reservation (accept, resume calling, edit, cancel, note) used by both the queue and the detail page.

Status names, transitions and form limits come from the API's vocabulary (the service's labels, the spec's wording).
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from dashboards import clock, formats, forms, labels, reservations_api, sections
from dashboards.components import badges, timestamps, writes
from dashboards.fields import Field
from dashboards.fields import field as served_field
from dashboards.fields import headers as served_headers

DOMAIN = "reservations"
REFRESH_SECONDS = 300  # the 運営コンソール (§4.2.1 5分間隔)
QUEUE_REFRESH_SECONDS = 30  # the 手動対応キュー: a 緊急 operation's 30 minutes start when it opens
DETAIL_PAGE = "app_pages/reservations/detail.py"

STATUS_COLOURS: dict[str, badges.BadgeColour] = {
    "received": "blue",
    "calling": "blue",
    "calling_success": "blue",
    "awaiting_payment": "orange",
    "pending_shop_response": "red",
    "change_requested": "red",
    "all_declined": "red",
    "payment_timeout": "gray",
    "confirmed": "green",
    "completed": "green",
    "cancelled": "gray",
}
PRIORITY_COLOURS: dict[str, badges.BadgeColour] = {
    "urgent": "red",
    "high": "orange",
    "medium": "yellow",
    "low": "gray",
}
OPERATION_STATUS_COLOURS: dict[str, badges.BadgeColour] = {
    "open": "red",
    "in_progress": "blue",
    "resolved": "green",
}
PAYMENT_STATUS_COLOURS: dict[str, badges.BadgeColour] = {
    "creating": "blue",
    "open": "orange",
    "expiring": "orange",
    "expired": "gray",
    "paid": "green",
    "refund_requested": "blue",
    "refunded": "gray",
    "refund_failed": "red",
    "failed": "red",
}
OVERDUE = "超過"


def vocab() -> dict:
    return reservations_api.vocabulary()


def field(table: str, column: str) -> Field:
    return served_field(DOMAIN, f"reservations_{table}", column)


def headers(table: str) -> dict[str, str]:
    return served_headers(DOMAIN, f"reservations_{table}")


def code_max() -> int:
    """A reservation's code as typed (QRV-XXXXXX)."""
    return vocab()["limits"]["code"]


def reason_max() -> int:
    """A cancellation's reason (no column's: its event's)."""
    return vocab()["limits"]["reason"]


def limit(name: str) -> int:
    """The most a number takes, as the API serves it: "amount" (a reservation's amount or a service's price, in yen),
    "duration_minutes" (a service's length), "call_order" (a shop's place in the call order)."""
    return vocab()["limits"][name]


def may_operate(user: dict) -> bool:
    """Operators (and platform admins) act on reservations and operations; support only reads and adds notes."""
    return sections.can_view(user, DOMAIN, sections.RESV_OPERATOR)


def yen(amount: int | None) -> str:
    return "-" if amount is None else f"¥{amount:,}"


def percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}%"


def reservation_row() -> Callable[[dict], dict]:
    head = headers("reservation")

    def row(item: dict) -> dict:
        return {
            "予約ID": item["code"],
            "状態": item["status_label"],
            head["requester_name"]: item["requester_name"],
            head["requester_phone"]: formats.phone(item["requester_phone"]),
            "サービス": item["service_name"],
            "提携店": item["shop_name"] or "",
            head["desired_at"]: timestamps.local_time(item["desired_at"])[:16],
            "金額": yen(item["amount"]),
            "受付日時": timestamps.local_time(item["created_at"])[:16],
        }

    return row


def detail_link(code: str) -> None:
    st.page_link(DETAIL_PAGE, label=f"{code} の詳細を開く", icon=":material/open_in_new:", query_params={"code": code})


# Forms acting on one reservation


def can_move(reservation: dict, target: str) -> bool:
    return target in vocab()["transitions"].get(reservation["status"], [])


def accept_choices(reservation: dict, *, every_service: bool) -> dict[int, str]:
    """The listed shops a yes can come from, by id: those called for this reservation (the last one called last), then
    the other active shops offering its service, or offering any (「他のサービスの店舗も表示」). Labels carry the id and
    the name only."""
    called = {call["shop_id"]: f"#{call['shop_id']} {call['shop_name']}（電話済み）" for call in reservation["calls"]}
    offering = {} if every_service else {"service_type_id": reservation["service_type_id"]}
    active = reservations_api.list_shops(active=True, page_size=100, **offering)["items"]
    others = {shop["id"]: f"#{shop['id']} {shop['name']}" for shop in active if shop["id"] not in called}
    return {**others, **called}


def accept_form(page: str, reservation: dict) -> None:
    """§2.2.4/2.2.5: a listed shop said yes to a person: calling_success and the payment link by SMS; the picker shows
    the shops offering the reservation's service, the others when asked."""
    every = st.checkbox("他のサービスの店舗も表示", key=f"{page}_accept_every_{reservation['code']}")
    shops = accept_choices(reservation, every_service=every)
    with st.form(f"{page}_accept_{reservation['code']}"):
        st.markdown("**予約OK → 決済リンク送信**")
        shop_id = st.selectbox(
            "予約OKの提携店",
            list(shops),
            format_func=shops.__getitem__,
            index=len(shops) - 1 if reservation["calls"] else None,
            key=f"{page}_accept_shop_{reservation['code']}",
            placeholder="提携店を選んでください",
        )
        submitted = st.form_submit_button("予約OKにして決済リンクを送信", type="primary")
    if submitted:
        writes.act(
            page,
            lambda: reservations_api.accept(reservation["code"], {"shop_id": shop_id}),
            f"{reservation['code']} を「予約OK」にし、決済リンクを送信しました。",
        )


def one_off_form(page: str, reservation: dict) -> None:
    """§2.2.1: after 全店NG, a shop the operator found by phone: booked for this reservation only (never called for
    another booking), or added to the call list when the operator ticks it."""
    code = reservation["code"]
    form = f"{page}_one_off_{code}"
    with st.form(form):
        st.markdown("**リスト外の店舗で予約OK（電話で見つけた店）**")
        name = st.text_input(**field("reservation", "one_off_shop_name").text(), key=forms.key(form, "name")).strip()
        phone = st.text_input(**field("reservation", "one_off_shop_phone").text(), key=forms.key(form, "phone")).strip()
        notes = st.text_area(
            **field("reservation", "one_off_shop_notes").text(),
            key=forms.key(form, "notes"),
            placeholder="例: 担当 佐藤様、駐車場なし",
        )
        listed = st.checkbox(
            "この店舗を提携店リストにも追加する（以後の予約でも自動で電話します）", key=forms.key(form, "listed")
        )
        submitted = st.form_submit_button("この店舗で予約OKにして決済リンクを送信", type="primary")
    if not submitted:
        return
    problems = shop_problems(name, phone)
    if problems:
        st.error("\n".join(f"- {problem}" for problem in problems))
        return
    shop = {"one_off_shop": {"name": name, "phone": phone, "notes": notes}, "add_to_call_list": listed}
    writes.act(
        page,
        lambda: reservations_api.accept(code, shop),
        f"{code} を「予約OK」（{name}）にし、決済リンクを送信しました。",
        form=form,
    )


def shop_problems(name: str, phone: str) -> list[str]:
    """What the API would refuse of a shop found by phone, said before sending."""
    problems = [] if name else [field("reservation", "one_off_shop_name").required_message()]
    return problems + field("reservation", "one_off_shop_phone").pattern_problems(phone)


def resume_button(page: str, reservation: dict) -> None:
    if st.button("次の提携店に電話代行を再開", key=f"{page}_resume_{reservation['code']}", icon=":material/call:"):
        writes.act(
            page,
            lambda: reservations_api.resume_calling(reservation["code"]),
            f"{reservation['code']} の電話代行を次の提携店から再開しました。",
        )


def resend_form(page: str, reservation: dict) -> None:
    """Send the payment link again by SMS or email (e.g. after its SMS failed), or a new one after the provider
    refused it; the requester's payment window starts when the link reaches them."""
    code, channels = reservation["code"], vocab()["link_channels"]
    with st.form(f"{page}_resend_{code}"):
        st.markdown("**決済リンクの再送**")
        channel = st.radio(
            "送信方法",
            list(channels),
            format_func=channels.get,
            horizontal=True,
            key=f"{page}_resend_channel_{code}",
        )
        submitted = st.form_submit_button("決済リンクを再送", icon=":material/link:")
    if submitted:
        writes.act(
            page,
            lambda: reservations_api.resend_payment_link(code, channel),
            f"{code} の決済リンクを{channels[channel]}で再送しました。",
        )


PAID_OR_CLOSED = ("confirmed", "completed", "cancelled", "payment_timeout")
LINK_OUT = ("calling_success", "awaiting_payment")


def edit_problems(changes: dict, reservation: dict, *, relink_ok: bool) -> list[str]:
    """What the API would refuse, said before sending: empty name, malformed phone or e-mail, a past date, and a new
    amount while a payment link is out without ticking that the link is issued again."""
    problems = []
    if "requester_name" in changes and not changes["requester_name"]:
        problems.append(field("reservation", "requester_name").required_message())
    if "requester_phone" in changes:
        problems += field("reservation", "requester_phone").pattern_problems(changes["requester_phone"])
    if changes.get("requester_email"):
        problems += field("reservation", "requester_email").pattern_problems(changes["requester_email"])
    if "desired_at" in changes and datetime.fromisoformat(changes["desired_at"]) <= clock.now():
        problems.append(f"{field('reservation', 'desired_at').label}は現在より後の日時を指定してください。")
    if "amount" in changes and reservation["status"] in LINK_OUT and not relink_ok:
        problems.append("金額を変更すると決済リンクを新しい金額で発行し直します。確認のチェックを入れてください。")
    return problems


def edit_form(page: str, reservation: dict) -> None:
    """§2.2.5: change what was agreed with the requester (the amount too, until it is paid: the payment link follows
    it); only the changed fields are sent, after the form's own checks."""
    code = reservation["code"]
    desired = timestamps.local_datetime(reservation["desired_at"])
    repriceable = reservation["status"] not in PAID_OR_CLOSED
    with st.form(f"{page}_edit_{code}"):
        st.markdown("**予約内容の変更**")
        name = st.text_input(
            **field("reservation", "requester_name").text(),
            value=reservation["requester_name"],
            key=f"{page}_edit_name_{code}",
        )
        shown_phone = formats.phone(reservation["requester_phone"])
        phone = st.text_input(
            **field("reservation", "requester_phone").text(), value=shown_phone, key=f"{page}_edit_phone_{code}"
        )
        email = st.text_input(
            **field("reservation", "requester_email").text(),
            value=reservation["requester_email"],
            key=f"{page}_edit_email_{code}",
        )
        when = forms.date_time(f"{page}_edit_desired_{code}", field("reservation", "desired_at").label, desired)
        details = st.text_area(
            **field("reservation", "details").text(), value=reservation["details"], key=f"{page}_edit_details_{code}"
        )
        amount = reservation["amount"]
        relink_ok = False
        if repriceable:
            amount = st.number_input(
                field("reservation", "amount").label,
                min_value=1,
                max_value=limit("amount"),
                value=reservation["amount"],
                step=100,
                key=f"{page}_edit_amount_{code}",
                help="サイズ・料金の変更依頼を依頼者が承諾したときに変更します。依頼者にSMSでお知らせします。",
            )
            if reservation["status"] in LINK_OUT:
                relink_ok = st.checkbox(
                    "金額を変更した場合、決済リンクを新しい金額で発行し直す（以前のリンクでは支払えなくなります）",
                    key=f"{page}_edit_relink_{code}",
                )
        submitted = st.form_submit_button("変更を保存")
    if not submitted:
        return
    wanted = {
        "requester_name": name.strip(),
        "requester_phone": phone.strip(),
        "requester_email": email.strip(),
        "details": details,
        "amount": int(amount),
    }
    shown = reservation | {"requester_phone": shown_phone}
    changes = {field: value for field, value in wanted.items() if value != shown[field]}
    if datetime.fromisoformat(when) != desired.replace(second=0, microsecond=0):
        changes["desired_at"] = when
    problems = edit_problems(changes, reservation, relink_ok=relink_ok)
    if problems:
        st.error("\n".join(f"- {problem}" for problem in problems))
        return
    writes.act(
        page,
        lambda: reservations_api.update_reservation(code, changes),
        f"{code} の予約内容を変更しました。",
        changed=bool(changes),
    )


def cancel_form(page: str, reservation: dict) -> None:
    """Cancel as agreed with the requester and the shop (also after the deadline, §2.2.6), with or without refund."""
    code = reservation["code"]
    with st.form(f"{page}_cancel_{code}"):
        st.markdown("**キャンセル処理**")
        reason = st.text_input("キャンセル理由", max_chars=reason_max(), key=f"{page}_cancel_reason_{code}").strip()
        refund = st.checkbox("支払い済みの場合は返金する", value=True, key=f"{page}_cancel_refund_{code}")
        confirmed = st.checkbox("この予約をキャンセルします（元に戻せません）", key=f"{page}_cancel_ok_{code}")
        submitted = st.form_submit_button("キャンセルする")
    if not submitted:
        return
    if not reason or not confirmed:
        st.error("キャンセル理由を入力し、確認のチェックを入れてください。")
        return
    writes.act(page, lambda: reservations_api.cancel(code, reason, refund), f"{code} をキャンセルしました。")


def text_form(
    page: str, key: str, *, text: Field, button: str, call: Callable[[str], Any], success: str, placeholder: str = ""
) -> None:
    """One required text (its label and length the column's) and a submit button: the note and resolution forms."""
    with st.form(key):
        body = st.text_area(**text.text(), key=forms.key(key, "body"), placeholder=placeholder).strip()
        submitted = st.form_submit_button(button)
    if not submitted:
        return
    if not body:
        st.error(text.required_message())
        return
    writes.act(page, lambda: call(body), success, form=key)


def note_form(page: str, reservation: dict) -> None:
    code = reservation["code"]
    text_form(
        page,
        f"{page}_note_{code}",
        text=field("note", "body"),
        button="メモを追加",
        call=lambda body: reservations_api.add_note(code, body),
        success="対応メモを追加しました。",
    )


def notes_list(notes: list[dict]) -> None:
    """The reservation's 対応メモ, oldest first: when, who wrote it (by name) and what it says."""
    st.markdown("**対応メモ**")
    if not notes:
        st.caption("メモはありません。")
    for note in notes:
        st.markdown(
            f"- {timestamps.local_time(note['created_at'])[:16]} {labels.plain(note['author'])}: "
            f"{labels.plain(note['body'])}"
        )


def reservation_actions(page: str, user: dict, reservation: dict) -> None:
    """The forms a person may use on this reservation in its current status; support gets the note form only."""
    if not may_operate(user):
        note_form(page, reservation)
        return
    if can_move(reservation, "calling_success"):
        accept_form(page, reservation)
    if reservation["status"] == "all_declined":
        one_off_form(page, reservation)
    if can_move(reservation, "calling") and reservation["status"] != "received":
        resume_button(page, reservation)
    if reservation["status"] in ("calling_success", "awaiting_payment"):
        resend_form(page, reservation)
    left, right = st.columns(2, gap="large")
    with left:
        if reservation["status"] not in ("cancelled", "completed"):
            edit_form(page, reservation)
    with right:
        if can_move(reservation, "cancelled"):
            cancel_form(page, reservation)
        note_form(page, reservation)


def status_badge(reservation: dict) -> None:
    badges.status_badge(reservation["status"], reservation["status_label"], colours=STATUS_COLOURS)


def priority_badge(operation: dict) -> None:
    """e.g. 優先度: 緊急 in red."""
    badges.status_badge(operation["priority"], f"優先度: {operation['priority_label']}", colours=PRIORITY_COLOURS)


def reservation_style(frame: pd.DataFrame, status_column: str = "状態") -> Styler:
    return badges.status_cells(frame, status_column, badges.word_colours(vocab()["statuses"], STATUS_COLOURS))


def operation_style(frame: pd.DataFrame, status_column: str = "") -> Styler:
    """A manual-operation table's 優先度, status (its column's label unless named) and 超過 cells in their colours."""
    head = headers("manual_operation")
    priorities = badges.word_colours(vocab()["priorities"], PRIORITY_COLOURS)
    states = badges.word_colours(vocab()["operation_statuses"], OPERATION_STATUS_COLOURS)
    styled = badges.status_cells(frame, head["priority"], priorities)
    styled = badges.status_cells(styled, status_column or head["status"], states)
    return badges.status_cells(styled, OVERDUE, {OVERDUE: "red"})


def operation_label(operation: dict) -> str:
    """e.g. 緊急 QRV-ABC123 SMS送信が全リトライ失敗（未対応）."""
    return (
        f"{operation['priority_label']} {operation['reservation_code']} {operation['type_label']}"
        f"（{operation['status_label']}）"
    )


def moment(key: str, label: str, value: datetime | None, *, optional: bool) -> str | None:
    """A date and a time in Japan time as ISO text; None when optional and left unticked."""
    if optional and not st.checkbox(f"{label}を入力する", value=value is not None, key=f"{key}_set"):
        return None
    return forms.date_time(key, label, value or clock.now())


def same(name: str, value, current) -> bool:
    """Whether a form value equals the stored one (timestamps to the minute: the form has no seconds)."""
    if not name.endswith("_at") or not value or not current:
        return value == current
    return minute(value) == minute(current)


def minute(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp).replace(second=0, microsecond=0)


def paging_panel(page_key: str, record_id: int, paging: dict | None, acknowledge: Callable[[], Any], what: str) -> None:
    """当番呼び出し of an operation or incident: who was paged last and by when they are to answer, or who answered;
    the 応答する button stops the chain (nobody else is paged)."""
    if paging is None:
        return
    if paging["acknowledged_at"]:
        when = timestamps.local_time(paging["acknowledged_at"])[:16]
        st.caption(f"当番呼び出し: {when} に {paging['acknowledged_by']} が応答しました。")
        return
    if paging["paged_name"] is None:
        st.caption("当番呼び出し: まもなく当番を呼び出します。")
    else:
        due = timestamps.local_time(paging["acknowledge_by"])[:16]
        st.caption(
            f"当番呼び出し: {paging['paged_name']} を呼び出し中（{due} までに応答がなければ次の人を呼び出します）"
        )
    if st.button(
        "応答する（当番呼び出しを止める）",
        key=f"{page_key}_acknowledge_{record_id}",
        icon=":material/notifications_off:",
    ):
        writes.act(page_key, acknowledge, f"{what}の当番呼び出しに応答しました。")
