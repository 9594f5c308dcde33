"""予約 › 問い合わせ対応 (§7): log every inquiry from a requester or a partner shop, by e-mail or phone, with or
without a reservation id: what was asked, then its first response, answer, status (未対応 → 対応中 → 解決済) and the
asker's satisfaction (entered here, or asked with a one-question SMS or mail). The §7.3.1 figures head the page
(初回応答時間 and its target's share per channel, 解決時間 on the wall clock with the team's hours beside it in the
list, 顧客満足度), each opening this list on exactly its rows; the weekly chart is on the 運営コンソール."""

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import streamlit as st

from dashboards import auth, forms, labels, reservations_api
from dashboards.app_pages.reservations import common
from dashboards.components import kpi, pickers, tables, timestamps, writes
from dashboards.fields import Field

PAGE = "reservations_support"
PICKER = f"{PAGE}_selected"
NEW = f"{PAGE}_new"
UNRATED = 0  # the satisfaction select's 「未記録」
CARDS_PER_ROW = 4  # the first-response pair of each channel, then 解決時間 and 顧客満足度
# The filters a figure card's link sets (service/reservations/reports/figures.py): query parameter -> (widget key,
# reading).
LINKED: dict[str, tuple[str, Callable[[str], Any]]] = {
    "channel": (f"{PAGE}_channel", str),
    "status": (f"{PAGE}_status", str),
    "received_from": (f"{PAGE}_received_from", date.fromisoformat),
    "received_to": (f"{PAGE}_received_to", date.fromisoformat),
    "responded": (f"{PAGE}_responded", kpi.flag),
    "rated": (f"{PAGE}_rated", kpi.flag),
}


def hours(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def inquiry_row() -> Callable[[dict], dict]:
    head = common.headers("support_inquiry")

    def row(inquiry: dict) -> dict:
        minutes = inquiry["first_response_minutes"]
        return {
            "ID": inquiry["id"],
            head["received_at"]: timestamps.local_time(inquiry["received_at"])[:16],
            head["channel"]: inquiry["channel_label"],
            head["requester_type"]: inquiry["requester_type_label"],
            head["requester"]: inquiry["requester"],
            head["reservation_id"]: inquiry["reservation_code"] or "",
            head["question"]: inquiry["question"],
            head["status"]: inquiry["status_label"],
            "初回応答時間（分）": "" if minutes is None else f"{minutes:g}",
            "初回応答が目標内": inquiry["first_response_met"],
            head["resolved_at"]: timestamps.local_time(inquiry["resolved_at"])[:16],
            "解決時間（経過・時間）": hours(inquiry["resolution_hours"]),
            "解決時間（営業時間・時間）": hours(inquiry["resolution_business_hours"]),
            head["satisfaction"]: "" if inquiry["satisfaction"] is None else str(inquiry["satisfaction"]),
            head["answer"]: inquiry["answer"],
            head["created_by"]: inquiry["created_by"],
        }

    return row


def problems(body: dict) -> list[str]:
    """What the API would refuse, said before sending."""
    blank = [name for name in ("requester", "question") if name in body and not body[name].strip()]
    found = [inquiry_field(name).required_message() for name in blank]
    found += inquiry_field("reservation_id").pattern_problems(body.get("reservation_code") or "")
    found += in_order(body, "received_at", "first_responded_at") + in_order(body, "first_responded_at", "resolved_at")
    return found


def in_order(body: dict, earlier: str, later: str) -> list[str]:
    first, then = body.get(earlier), body.get(later)
    if first and then and datetime.fromisoformat(then) < datetime.fromisoformat(first):
        return [f"{inquiry_field(later).label}は{inquiry_field(earlier).label}より後にしてください。"]
    return []


def inquiry_field(column: str) -> Field:
    return common.field("support_inquiry", column)


def choice(column: str, key: str, current: str | None = None) -> str:
    """A select of the column's choices (its words), on the current one."""
    said = inquiry_field(column)
    options = list(said.choices)
    return st.selectbox(
        said.label,
        options,
        index=options.index(current) if current in options else 0,
        format_func=said.choices.__getitem__,
        key=key,
    )


def contact(key: str, inquiry: dict | None = None) -> dict:
    """Whom a survey goes to when no reservation names them."""
    left, right = st.columns(2)
    phone, email = inquiry_field("contact_phone"), inquiry_field("contact_email")
    current = inquiry or {}
    return {
        "contact_phone": left.text_input(
            phone.label, value=current.get("contact_phone", ""), max_chars=phone.max_chars, key=f"{key}_phone"
        ).strip(),
        "contact_email": right.text_input(
            email.label, value=current.get("contact_email", ""), max_chars=email.max_chars, key=f"{key}_email"
        ).strip(),
    }


def inquiry_fields(key: str) -> dict:
    """A new inquiry's fields, all under `key` (the create form's key); 受付日時 is the moment of recording unless
    set."""
    received, responded = inquiry_field("received_at").label, inquiry_field("first_responded_at").label
    left, right = st.columns(2)
    with left:
        channel = choice("channel", forms.key(key, "channel"))
    with right:
        kind = choice("requester_type", forms.key(key, "requester_type"))
    body = {
        "channel": channel,
        "requester_type": kind,
        "requester": st.text_input(
            **inquiry_field("requester").text(), placeholder="氏名・店舗名", key=forms.key(key, "requester")
        ).strip(),
        **contact(forms.key(key, "contact")),
        "reservation_code": st.text_input(
            f"{inquiry_field('reservation_id').label}（任意）",
            max_chars=common.code_max(),
            placeholder="QRV-XXXXXX",
            key=forms.key(key, "reservation"),
        ).strip(),
        "received_at": forms.moment(forms.key(key, "received"), received),
        "question": st.text_area(**inquiry_field("question").text(), key=forms.key(key, "question")),
        "first_responded_at": common.moment(forms.key(key, "responded"), responded, None, optional=True),
        "answer": st.text_area(**inquiry_field("answer").text(), key=forms.key(key, "answer")),
    }
    return body | {"reservation_code": body["reservation_code"] or None}


def new_inquiry() -> None:
    with st.expander("問い合わせを記録", expanded=True):
        body = inquiry_fields(NEW)
        if st.button("記録する", type="primary", key=f"{PAGE}_create"):
            body["received_at"] = forms.saved_at(body["received_at"])
            found = problems(body)
            for problem in found:
                st.error(problem)
            if not found:
                writes.act(
                    PAGE,
                    lambda: reservations_api.create_inquiry(body),
                    f"{body['requester']} の問い合わせを記録しました。",
                    form=NEW,
                )


def figures() -> None:
    """§7.3.1's figures: each card opens this list on the rows it is taken over."""
    shown = reservations_api.support_figures()
    kpi.figures_stamp(shown)
    for first in range(0, len(shown), CARDS_PER_ROW):
        for column, figure in zip(st.columns(CARDS_PER_ROW), shown[first : first + CARDS_PER_ROW], strict=False):
            with column:
                kpi.figure_card(figure)


def filters() -> dict[str, Any]:
    kpi.linked_filters(PAGE, LINKED)
    vocabulary = common.vocab()
    columns = st.columns(3)
    with columns[0]:
        channel = pickers.code_select("チャネル", vocabulary["inquiry_channels"], f"{PAGE}_channel")
    with columns[1]:
        kind = pickers.code_select("問い合わせ元", vocabulary["inquiry_requester_types"], f"{PAGE}_kind")
    with columns[2]:
        status = pickers.code_select("対応状況", vocabulary["inquiry_statuses"], f"{PAGE}_status")
    days = st.columns([1, 1, 2], vertical_alignment="bottom")
    received_from = days[0].date_input("受付日（から）", value=None, key=f"{PAGE}_received_from")
    received_to = days[1].date_input("受付日（まで）", value=None, key=f"{PAGE}_received_to")
    with days[2]:
        flags = st.columns(3)
        unanswered = flags[0].checkbox("未応答のみ", key=f"{PAGE}_unanswered")
        responded = flags[1].checkbox("初回応答済みのみ", key=f"{PAGE}_responded")
        rated = flags[2].checkbox("満足度ありのみ", key=f"{PAGE}_rated")
    return {
        "channel": channel,
        "requester_type": kind,
        "status": status,
        "received_from": received_from,
        "received_to": received_to,
        "unanswered": unanswered or None,
        "responded": responded or None,
        "rated": rated or None,
    }


def satisfaction(key: str, current: int | None) -> int | None:
    said = inquiry_field("satisfaction")
    options = [UNRATED, *range(int(said.min_value or 1), int(said.max_value or 5) + 1)]
    chosen = st.selectbox(
        f"{said.label}（5段階）",
        options,
        index=options.index(current or UNRATED),
        format_func=lambda value: "未記録" if value == UNRATED else str(value),
        key=key,
    )
    return None if chosen == UNRATED else chosen


def stored_moment(inquiry: dict, name: str, key: str) -> str | None:
    """An optional moment of the inquiry, on the one it has."""
    stored = inquiry[name] and timestamps.local_datetime(inquiry[name])
    return common.moment(key, inquiry_field(name).label, stored or None, optional=True)


def work_form(inquiry: dict) -> None:
    """The chosen inquiry's response, status, resolution and rating, and its contact."""
    key = f"{PAGE}_edit_{inquiry['id']}"
    body = {
        "status": choice("status", f"{key}_status", inquiry["status"]),
        "first_responded_at": stored_moment(inquiry, "first_responded_at", f"{key}_responded"),
        "answer": st.text_area(**inquiry_field("answer").text(), value=inquiry["answer"], key=f"{key}_answer"),
        "resolved_at": stored_moment(inquiry, "resolved_at", f"{key}_resolved"),
        "satisfaction": satisfaction(f"{key}_satisfaction", inquiry["satisfaction"]),
        **contact(f"{key}_contact", inquiry),
    }
    st.caption("初回応答日時を入れると対応中に、解決日時を入れると解決済になります。")
    if st.button("更新する", key=f"{key}_save"):
        changes = {name: value for name, value in body.items() if not common.same(name, value, inquiry[name])}
        found = problems(body | {"received_at": inquiry["received_at"]})
        for problem in found:
            st.error(problem)
        if not found:
            writes.act(
                PAGE,
                lambda: reservations_api.update_inquiry(inquiry["id"], changes),
                f"問い合わせ #{inquiry['id']} を更新しました。",
                changed=bool(changes),
            )


def survey_form(inquiry: dict) -> None:
    """The one-question satisfaction survey, once the inquiry is resolved and not yet rated."""
    if inquiry["status"] != "resolved" or inquiry["satisfaction"] is not None:
        return
    key = f"{PAGE}_survey_{inquiry['id']}"
    channels = common.vocab()["survey_channels"]
    if inquiry["survey_sent_at"]:
        st.caption(f"アンケートを {timestamps.local_time(inquiry['survey_sent_at'])[:16]} に送信済みです（回答待ち）。")
    columns = st.columns([1, 2], vertical_alignment="bottom")
    channel = columns[0].selectbox("送信方法", list(channels), format_func=channels.__getitem__, key=f"{key}_channel")
    if columns[1].button("満足度アンケートを送信", key=f"{key}_send"):
        writes.act(
            PAGE,
            lambda: reservations_api.send_survey(inquiry["id"], channel),
            f"問い合わせ #{inquiry['id']} の満足度アンケートを{channels[channel]}で送信しました。",
        )


def work_on(shown: list[dict]) -> None:
    by_id = {inquiry["id"]: inquiry for inquiry in shown}
    chosen = pickers.record_picker(
        "対応する問い合わせ",
        {i: f"#{i} {inquiry['requester']}" for i, inquiry in by_id.items()},
        PICKER,
        placeholder="問い合わせを選択",
    )
    if chosen is None:
        return
    inquiry = by_id[chosen]
    if inquiry["question"]:
        st.markdown(f"**{inquiry_field('question').label}**: {labels.plain(inquiry['question'])}")
    work_form(inquiry)
    survey_form(inquiry)


auth.require_page(__file__)
st.title("問い合わせ対応")
writes.show_flash(PAGE)
figures()
new_inquiry()
listed = tables.paginated_table(
    PAGE,
    reservations_api.list_inquiries,
    inquiry_row(),
    filters=filters(),
    export="/reservations/inquiries/export",
    picker=PICKER,
)
work_on(listed["items"])
