"""代替機 › 通常データ (NORMAL): base columns plus only the answers each device's status shows (§2.3.4)."""

from typing import Any

import streamlit as st

from dashboards import auth, labels, loaners_api
from dashboards.app_pages.loaners import common as loaners_common
from dashboards.components import pickers, tables, writes

PAGE = "loaners_devices"
PICKER = f"{PAGE}_chosen"


def filters(user: dict) -> dict[str, Any]:
    query = st.text_input("検索", key=f"{PAGE}_q", placeholder=loaners_common.SEARCH_PLACEHOLDER).strip()
    columns = st.columns(4)
    with columns[0]:
        jurisdiction = loaners_common.jurisdiction_select(user, f"{PAGE}_jurisdiction")
    with columns[1]:
        location_id = loaners_common.location_select("拠点", f"{PAGE}_location", jurisdiction=jurisdiction)
    with columns[2]:
        kind = pickers.code_select("機器種別", loaners_api.vocabulary()["kinds"], f"{PAGE}_kind")
    with columns[3]:
        status = st.selectbox(
            "0-4.ステータス",
            ["", *loaners_common.status_choices()],
            key=f"{PAGE}_status",
            format_func=lambda s: s or labels.ALL_LABEL,
        )
    return {"q": query, "jurisdiction": jurisdiction, "location_id": location_id, "kind": kind, "status": status}


class NormalTable:
    """The page's columns are the base ones plus those any shown row's status shows, in the form's order."""

    def __init__(self) -> None:
        self.columns: list[str] = []
        self.items: list[dict] = []

    def fetch(self, **params: Any) -> dict:
        result = loaners_api.normal_view(**params)
        used = {column for item in result["items"] for column in item["columns"]}
        self.columns = [column for column in result["columns"] if column in used]
        self.items = result["items"]
        return result

    def row(self, item: dict) -> dict:
        own = set(item["columns"])
        return {column: (item["values"].get(column) or "") if column in own else "" for column in self.columns}


def open_device(items: list[dict]) -> None:
    """The keyboard's way to what a click on a row opens: pick a shown device, then follow its links."""
    by_id = {item["device_id"]: item["values"][loaners_api.vocabulary()["number_column"]] for item in items}
    chosen = pickers.record_picker("機器を選択", by_id, PICKER, placeholder="機器を選択")
    if chosen is not None:
        loaners_common.device_link(chosen, by_id[chosen])
        loaners_common.form_link(chosen, by_id[chosen])


def label_sheets(jurisdiction: str) -> None:
    with st.expander("QRコードラベル（PDF）", icon=":material/qr_code_2:"):
        columns = st.columns(2)
        with columns[0]:
            location_id = loaners_common.location_select(
                "拠点", f"{PAGE}_labels_location", jurisdiction=jurisdiction, include_all=False
            )
        with columns[1]:
            kind = pickers.code_select("機器種別", loaners_api.vocabulary()["kinds"], f"{PAGE}_labels_kind")
        if location_id:
            st.download_button(
                "ラベルPDFをダウンロード",
                loaners_api.label_sheet(location_id, kind),
                file_name=f"loaners-labels-{location_id}{'-' + kind if kind else ''}.pdf",
                mime="application/pdf",
                key=f"{PAGE}_labels",
                icon=":material/download:",
            )


user = auth.require_page(__file__)
loaners_common.view_header("NORMAL")
st.caption(
    "基本列と、各機器の「0-4.ステータス」の番号に合う列だけを表示します（3.社内にて保管中は3-0.社内ステータスの番号で3-X-*列）。"
)
writes.show_flash(PAGE)
chosen_filters = filters(user)
table = NormalTable()
tables.paginated_table(
    PAGE,
    table.fetch,
    table.row,
    filters=chosen_filters,
    export="/loaners/views/normal/export",
    style=loaners_common.status_style,
    picker=PICKER,
    open_record=tables.on_page(loaners_common.DEVICE_PAGE, id_field="device_id"),
    id_field="device_id",
)
if table.items:
    open_device(table.items)
label_sheets(chosen_filters["jurisdiction"])
