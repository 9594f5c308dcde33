"""予約 › 予約詳細: find a reservation (予約ID, 電話番号, 氏名, ステータス), then its event timeline, call summaries,
payments, manual operations and notes, with the forms the person's role allows (?code=QRV-XXXXXX opens one)."""

from collections.abc import Callable
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from dashboards import api, auth, formats, forms, labels, reservations_api
from dashboards.app_pages.reservations import common
from dashboards.components import badges, kpi, pickers, tables, timestamps, writes

PAGE = "reservations_detail"
PICKER = f"{PAGE}_code"
OPERATION = f"{PAGE}_op"  # the 手動対応を登録 form


# The filters a figure card's link sets (service/reservations/reports/figures.py): query parameter -> (widget key,
# reading).
LINKED: dict[str, tuple[str, Callable[[str], Any]]] = {
    "status": (f"{PAGE}_status", str),
    "confirmed_only": (f"{PAGE}_confirmed_only", kpi.flag),
    "created_from": (f"{PAGE}_created_from", date.fromisoformat),
    "created_to": (f"{PAGE}_created_to", date.fromisoformat),
    "paid_from": (f"{PAGE}_paid_from", date.fromisoformat),
    "paid_to": (f"{PAGE}_paid_to", date.fromisoformat),
}


def day_range(label: str, name: str) -> dict[str, date | None]:
    """Two day pickers (from, to; either empty) for the list's `{name}_from` / `{name}_to`."""
    left, right = st.columns(2)
    low = left.date_input(f"{label}（から）", value=None, key=f"{PAGE}_{name}_from")
    high = right.date_input(f"{label}（まで）", value=None, key=f"{PAGE}_{name}_to")
    return {f"{name}_from": low, f"{name}_to": high}


def filters() -> dict:
    kpi.linked_filters(PAGE, LINKED)
    columns = st.columns([2, 1])
    with columns[0]:
        q = st.text_input("検索", key=f"{PAGE}_q", placeholder="予約ID（QRV-XXXXXX）、電話番号、氏名の先頭").strip()
    with columns[1]:
        status = pickers.code_select("ステータス", common.vocab()["statuses"], f"{PAGE}_status")
    columns = st.columns([2, 2, 1], vertical_alignment="bottom")
    with columns[0]:
        created = day_range("受付日", "created")
    with columns[1]:
        paid = day_range("支払日", "paid")
    with columns[2]:
        confirmed = st.checkbox("確定・完了のみ", key=f"{PAGE}_confirmed_only")
    return {"q": q, "status": status, **created, **paid, "confirmed_only": confirmed or None}


def pick(shown: list[dict]) -> str | None:
    codes = [item["code"] for item in shown]
    wanted = st.query_params.get("code")
    if wanted and wanted not in codes:
        codes.insert(0, wanted)
    by_code = {item["code"]: item for item in shown}
    shown_as = {
        c: f"{c} {by_code[c]['requester_name']}（{by_code[c]['status_label']}）" if c in by_code else c for c in codes
    }
    return pickers.record_picker("予約", shown_as, PICKER, default=wanted, placeholder="予約を選択")


def header(reservation: dict) -> None:
    st.subheader(f"{reservation['code']} {labels.plain(reservation['requester_name'])}")
    common.status_badge(reservation)
    head = common.headers("reservation")
    facts = {
        "サービス": reservation["service_name"],
        head["desired_at"]: timestamps.local_time(reservation["desired_at"])[:16],
        "金額": common.yen(reservation["amount"]),
        "提携店": reservation["shop_name"] or "未定",
        head["requester_phone"]: formats.phone(reservation["requester_phone"]),
        head["requester_email"]: reservation["requester_email"] or "なし",
        head["cancel_deadline_at"]: timestamps.local_time(reservation["cancel_deadline_at"])[:16],
        "受付日時": timestamps.local_time(reservation["created_at"])[:16],
    }
    if reservation["next_call_at"] and reservation["status"] == "calling":
        facts["次の電話（第2周）"] = timestamps.local_time(reservation["next_call_at"])[:16]
    st.markdown("　".join(f"**{name}**: {labels.plain(value)}" for name, value in facts.items()))
    if reservation["one_off_shop_name"]:
        one_off = f"{formats.phone(reservation['one_off_shop_phone'])} {reservation['one_off_shop_notes'] or ''}"
        st.markdown(f"**リスト外の店舗（この予約のみ）**: {labels.plain(one_off.strip())}")
    if reservation["details"]:
        st.markdown(f"**{common.field('reservation', 'details').label}**: {labels.plain(reservation['details'])}")


def actor(event: dict) -> str:
    """e.g. 運営担当者（山田）: who made the change, by kind, and its name."""
    kind = common.vocab()["actor_types"].get(event["actor_type"], event["actor_type"])
    return f"{kind}（{event['actor_label']}）" if event["actor_label"] else kind


def timeline(reservation: dict) -> None:
    st.markdown("**イベント履歴**")
    rows = [
        {
            "日時": timestamps.local_time(event["occurred_at"]),
            "変更前": common.vocab()["statuses"].get(event["from_status"] or "", ""),
            "変更後": event["to_label"],
            "実行者": actor(event),
            "理由": event["reason"],
        }
        for event in reservation["events"]
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True)


def call_summaries(reservation: dict) -> None:
    st.markdown("**電話代行の記録**")
    if not reservation["calls"]:
        st.caption("電話代行の記録はありません。")
    for call in reservation["calls"]:
        with st.expander(call_title(call)):
            if call["answered_by_label"]:
                st.markdown(f"**応答**: {call['answered_by_label']}")
            st.markdown(labels.plain(call["summary"]) or "要約はありません。")
            if call["transcript"]:
                st.code(call["transcript"], language=None, wrap_lines=True)


def call_title(call: dict) -> str:
    """e.g. 11/26 14:03 提携店1（1周目）: 留守番電話（応答なし）; a withdrawn call says so beside what it heard."""
    result = call["outcome_label"] or call["status_label"]
    if call["status"] == "withdrawn" and call["outcome_label"]:
        result = f"{result}（{call['status_label']}）"
    return f"{timestamps.local_time(call['created_at'])[5:16]} {call['shop_name']}（{call['round']}周目）: {result}"


def payments(reservation: dict) -> None:
    if not reservation["payments"]:
        return
    st.markdown("**決済**")
    rows = [
        {
            "作成日時": timestamps.local_time(p["created_at"])[:16],
            "金額": common.yen(p["amount"]),
            "状態": p["status_label"],
            "期限": timestamps.local_time(p["expires_at"])[:16],
            "支払日時": timestamps.local_time(p["paid_at"])[:16],
            "返金日時": timestamps.local_time(p["refunded_at"])[:16],
        }
        for p in reservation["payments"]
    ]
    words = {p["status"]: p["status_label"] for p in reservation["payments"]}
    states = badges.word_colours(words, common.PAYMENT_STATUS_COLOURS)
    st.dataframe(badges.status_cells(pd.DataFrame(rows), "状態", states), hide_index=True)


def operations_and_notes(reservation: dict) -> None:
    if reservation["operations"]:
        st.markdown("**マニュアルオペレーション**")
        head = common.headers("manual_operation")
        rows = [
            {
                "発生日時": timestamps.local_time(o["created_at"])[:16],
                head["priority"]: o["priority_label"],
                head["op_type"]: o["type_label"],
                "状況": o["status_label"],
                head["assignee_id"]: o["assignee_name"] or "",
                head["resolution"]: o["resolution"],
            }
            for o in reservation["operations"]
        ]
        st.dataframe(common.operation_style(pd.DataFrame(rows), status_column="状況"), hide_index=True)
    common.notes_list(reservation["notes"])


def open_operation_form(reservation: dict) -> None:
    """Support or an operator opens a manual operation, e.g. after a requester's call (§2.2.3, §2.2.6)."""
    code = reservation["code"]
    with st.form(f"{PAGE}_operation_{code}"):
        st.markdown("**手動対応を登録**")
        kind = common.field("manual_operation", "op_type")
        types = kind.choices
        op_type = st.selectbox(
            kind.label, list(types), format_func=types.__getitem__, key=forms.key(OPERATION, f"type_{code}")
        )
        reason_field = common.field("manual_operation", "reason")
        reason = st.text_input(
            **reason_field.text(),
            key=forms.key(OPERATION, f"reason_{code}"),
            placeholder="例: 依頼者から電話。期限後のキャンセル希望（入院のため）",
        ).strip()
        submitted = st.form_submit_button("手動対応を登録")
    if not submitted:
        return
    if not reason:
        st.error(reason_field.required_message())
        return
    writes.act(
        PAGE,
        lambda: reservations_api.create_operation(code, op_type, reason),
        f"{code} の手動対応（{types[op_type]}）を登録しました。",
        form=OPERATION,
    )


def show(user: dict, code: str) -> None:
    reservation = reservations_api.get_reservation(code)
    header(reservation)
    history, calls = st.columns([3, 2], gap="large")
    with history:
        timeline(reservation)
        payments(reservation)
        operations_and_notes(reservation)
    with calls:
        call_summaries(reservation)
    st.divider()
    common.reservation_actions(PAGE, user, reservation)
    open_operation_form(reservation)


user = auth.require_page(__file__)
st.title("予約詳細")
writes.show_flash(PAGE)
listed = tables.paginated_table(
    PAGE,
    reservations_api.list_reservations,
    common.reservation_row(),
    filters=filters(),
    export="/reservations/reservations/export",
    style=common.reservation_style,
    picker=PICKER,
    id_field="code",
)
chosen = pick(listed["items"])
if chosen:
    try:
        show(user, chosen)
    except api.ApiError as exc:
        writes.api_error(exc)
