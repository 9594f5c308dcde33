"""予約 › 問い合わせ対応 (§7): log every inquiry from a requester or a partner shop, by e-mail or phone, with or
without a reservation id, then its first response and answer; the list shows each one's 初回応答時間. The weekly
count and median first-response time are on the 運営コンソール."""

import re
from datetime import datetime

import streamlit as st

from dashboards import auth, components, forms, reservations_api
from dashboards.app_pages.reservations import common
from dashboards.fields import Field

PAGE = "reservations_support"
PICKER = f"{PAGE}_selected"
NEW = f"{PAGE}_new"
CODE_PATTERN = r"^[Qq][Rr][Vv]-[A-Za-z0-9]{6}$"


def inquiry_row(inquiry: dict) -> dict:
    minutes = inquiry["first_response_minutes"]
    return {
        "ID": inquiry["id"],
        "受付日時": components.local_time(inquiry["received_at"])[:16],
        "チャネル": inquiry["channel_label"],
        "問い合わせ元": inquiry["requester_type_label"],
        "問い合わせ者": inquiry["requester"],
        "予約ID": inquiry["reservation_code"] or "",
        "初回応答日時": components.local_time(inquiry["first_responded_at"])[:16],
        "初回応答時間（分）": "" if minutes is None else f"{minutes:g}",
        "回答内容": inquiry["answer"],
        "記録者": inquiry["created_by"],
    }


def problems(body: dict) -> list[str]:
    """What the API would refuse, said before sending."""
    found = []
    if not body["requester"]:
        found.append(f"{inquiry_field('requester').label}を入力してください。")
    if body["reservation_code"] and not re.match(CODE_PATTERN, body["reservation_code"]):
        found.append("予約IDは QRV-XXXXXX の形式で入力してください（予約に関係しない問い合わせは空欄）。")
    responded = body["first_responded_at"]
    if responded and datetime.fromisoformat(responded) < datetime.fromisoformat(body["received_at"]):
        later, earlier = (inquiry_field(name).label for name in ("first_responded_at", "received_at"))
        found.append(f"{later}は{earlier}より後にしてください。")
    return found


def inquiry_field(column: str) -> Field:
    """An inquiry's column as the vocabulary states it (label, length, choices)."""
    return common.field("support_inquiry", column)


def inquiry_fields(key: str) -> dict:
    """A new inquiry's fields, all under `key` (the create form's key); 受付日時 is the moment of recording unless
    set."""
    channel, kind = inquiry_field("channel"), inquiry_field("requester_type")
    received, responded = inquiry_field("received_at").label, inquiry_field("first_responded_at").label
    left, right = st.columns(2)
    body = {
        "channel": left.selectbox(
            channel.label, list(channel.choices), format_func=channel.choices.__getitem__, key=forms.key(key, "channel")
        ),
        "requester_type": right.selectbox(
            kind.label, list(kind.choices), format_func=kind.choices.__getitem__, key=forms.key(key, "requester_type")
        ),
        "requester": st.text_input(
            **inquiry_field("requester").text(), placeholder="氏名・店舗名", key=forms.key(key, "requester")
        ).strip(),
        "reservation_code": st.text_input(
            f"{inquiry_field('reservation_id').label}（任意）",
            max_chars=common.code_max(),
            placeholder="QRV-XXXXXX",
            key=forms.key(key, "reservation"),
        ).strip(),
        "received_at": forms.moment(forms.key(key, "received"), received),
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
                components.act(
                    PAGE,
                    lambda: reservations_api.create_inquiry(body),
                    f"{body['requester']} の問い合わせを記録しました。",
                    form=NEW,
                )


def answer_form(shown: list[dict]) -> None:
    """初回応答と回答内容 of a listed inquiry."""
    by_id = {inquiry["id"]: inquiry for inquiry in shown}
    chosen = components.record_picker(
        "回答を記録する問い合わせ",
        {i: f"#{i} {inquiry['requester']}" for i, inquiry in by_id.items()},
        PICKER,
        placeholder="問い合わせを選択",
    )
    if chosen is None:
        return
    inquiry = by_id[chosen]
    stored = inquiry["first_responded_at"] and components.local_datetime(inquiry["first_responded_at"])
    key = f"{PAGE}_edit_{chosen}"
    responded = inquiry_field("first_responded_at").label
    body = {
        "first_responded_at": common.moment(f"{key}_responded", responded, stored or None, optional=True),
        "answer": st.text_area(**inquiry_field("answer").text(), value=inquiry["answer"], key=f"{key}_answer"),
    }
    if st.button("更新する", key=f"{key}_save"):
        changes = {name: value for name, value in body.items() if not common.same(name, value, inquiry[name])}
        components.act(
            PAGE,
            lambda: reservations_api.update_inquiry(chosen, changes),
            f"問い合わせ #{chosen} を更新しました。",
            changed=bool(changes),
        )


auth.require_page(__file__)
st.title("問い合わせ対応")
components.show_flash(PAGE)
new_inquiry()
vocabulary = common.vocab()
channel = components.code_select("チャネル", vocabulary["inquiry_channels"], f"{PAGE}_channel")
kind = components.code_select("問い合わせ元", vocabulary["inquiry_requester_types"], f"{PAGE}_kind")
unanswered = st.checkbox("未応答のみ", key=f"{PAGE}_unanswered")
listed = components.paginated_table(
    PAGE,
    reservations_api.list_inquiries,
    inquiry_row,
    filters={"channel": channel, "requester_type": kind, "unanswered": unanswered or None},
    export="/reservations/inquiries/export",
    picker=PICKER,
)
answer_form(listed["items"])
