"""代替機 › 返却待ち: the loaners to bring home. A device whose 預かり機のステータス is 「1.返却可能」 (the
customer's own device is repaired) should come back; 商談中 and 返却拒否 are followed too. Per location, longest in
its status first, with the days; SUMMARY's age cards open this list filtered to their rows (?held_status=&min_days=)."""

from collections.abc import Callable
from typing import Any

import streamlit as st

from dashboards import auth, loaners_api
from dashboards.app_pages.loaners import common as loaners_common
from dashboards.components import kpi, pickers, tables, timestamps

PAGE = "loaners_returns"
LINKED = {
    "jurisdiction": (f"{PAGE}_jurisdiction", str),
    "location_id": (f"{PAGE}_location", str),
    "held_status": (f"{PAGE}_held_status", str),
    "min_days": (f"{PAGE}_min_days", int),
    "max_days": (f"{PAGE}_max_days", int),
}


def filters(user: dict) -> dict[str, Any]:
    kpi.linked_filters(PAGE, LINKED)
    vocabulary = loaners_api.vocabulary()
    columns = st.columns([1, 1, 2, 1, 1])
    with columns[0]:
        jurisdiction = loaners_common.jurisdiction_select(user, f"{PAGE}_jurisdiction")
    with columns[1]:
        location_id = loaners_common.location_select("拠点", f"{PAGE}_location", jurisdiction=jurisdiction)
    with columns[2]:
        followed = {status: status for status in vocabulary["return_statuses"]}
        held_status = pickers.code_select(vocabulary["held_key"], followed, f"{PAGE}_held_status")
    with columns[3]:
        min_days = st.number_input("日数（以上）", min_value=0, value=None, step=1, key=f"{PAGE}_min_days")
    with columns[4]:
        max_days = st.number_input("日数（以下）", min_value=0, value=None, step=1, key=f"{PAGE}_max_days")
    return {
        "jurisdiction": jurisdiction,
        "location_id": location_id,
        "held_status": held_status,
        "min_days": min_days,
        "max_days": max_days,
    }


def device_row() -> Callable[[dict], dict]:
    head, model = loaners_common.headers("device"), loaners_common.headers("model")["name"]

    def row(device: dict) -> dict:
        return {
            head["location_id"]: device["location_name"],
            head["management_number"]: device["management_number"],
            model: device["model_name"],
            head["held_status"]: device["held_status"],
            "日数": device["status_days"],
            head["held_status_since"]: timestamps.local_time(device["status_since"]),
            "貸出先": device["customer"],
            "担当者": device["person"],
        }

    return row


user = auth.require_page(__file__)
st.title("返却待ち")
due_days = loaners_api.vocabulary()["return_due_days"]
st.caption(
    "預かり機のステータスが「1.返却可能」（お客様の機器の修理が完了）の代替機は回収します。"
    "商談中・返却拒否の機器も、その状態の日数とともに表示します（日数の長い順）。"
    f"{due_days}日以上の機器は毎週、拠点のグループメールアドレスと管理者にメールでお知らせします。"
)
chosen = filters(user)
tables.paginated_table(
    PAGE,
    loaners_api.returns,
    device_row(),
    filters={name: value for name, value in chosen.items() if value not in ("", None)},
    export="/loaners/views/returns/export",
    style=loaners_common.status_style,
    open_record=tables.on_page(loaners_common.DEVICE_PAGE, id_field="device_id"),
    id_field="device_id",
    note="（行をクリックすると機器詳細を開きます）",
)
