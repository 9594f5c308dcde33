"""代替機 › 監査データ (AUDIT): the status submissions (ステータス収集, who reported what, when), newest first, with
period, status, location and search filters; a click on a row opens its device's page and timeline."""

from datetime import date
from typing import Any

import streamlit as st

from dashboards import auth, labels, loaners_api
from dashboards.app_pages.loaners import common as loaners_common
from dashboards.components import tables

PAGE = "loaners_audit"
MORE = "（{total:,}件を超える分は、期間などで絞り込むかCSVでご覧ください）"


class AuditTable:
    """The columns come from the API: when and who, then the AUDIT data type's (§2.3.4's 13, in its order)."""

    def __init__(self) -> None:
        self.columns: list[str] = []
        self.more = False

    def fetch(self, **params: Any) -> dict:
        result = loaners_api.audit_view(**params)
        self.columns, self.more = result["columns"], result["more"]
        return result

    def row(self, item: dict) -> dict:
        return {column: item["values"].get(column) or "" for column in self.columns}


def day(value: date | None) -> str:
    return value.isoformat() if value else ""


def filters(user: dict) -> dict[str, Any]:
    query = st.text_input("検索", key=f"{PAGE}_q", placeholder=loaners_common.SEARCH_PLACEHOLDER).strip()
    top = st.columns(3)
    with top[0]:
        date_from = st.date_input("期間（開始日）", value=None, key=f"{PAGE}_from")
    with top[1]:
        date_to = st.date_input("期間（終了日）", value=None, key=f"{PAGE}_to")
    with top[2]:
        status = st.selectbox(
            "ステータス",
            ["", *loaners_common.status_choices()],
            key=f"{PAGE}_status",
            format_func=lambda s: s or labels.ALL_LABEL,
        )
    bottom = st.columns(2)
    with bottom[0]:
        jurisdiction = loaners_common.jurisdiction_select(user, f"{PAGE}_jurisdiction")
    with bottom[1]:
        location_id = loaners_common.location_select("拠点", f"{PAGE}_location", jurisdiction=jurisdiction)
    return {
        "q": query,
        "from": day(date_from),
        "to": day(date_to),
        "status": status,
        "jurisdiction": jurisdiction,
        "location_id": location_id,
    }


user = auth.require_page(__file__)
loaners_common.view_header("AUDIT")
st.caption(
    "端末・プリンタのステータス送信の履歴（誰が・いつ・何を回答したか）を新しい順に表示します。"
    "管轄に属する拠点の機器だけが対象です。行をクリックすると機器詳細（送信履歴）を開きます。"
)
chosen_filters = filters(user)
if chosen_filters["from"] and chosen_filters["to"] and chosen_filters["from"] > chosen_filters["to"]:
    st.error("期間の開始日は終了日以前にしてください")
    st.stop()
table = AuditTable()
result = tables.paginated_table(
    PAGE,
    table.fetch,
    table.row,
    filters=chosen_filters,
    export="/loaners/views/audit/export",
    style=loaners_common.status_style,
    open_record=tables.on_page(loaners_common.DEVICE_PAGE, id_field="device_id"),
    id_field="device_id",
)
if table.more:
    st.caption(MORE.format(total=result["total"]))
