"""代替機 › 監査データ (AUDIT): the spec's 13 columns for terminals and printers, filtered by 管轄."""

import streamlit as st

from dashboards import auth, components, loaners_api
from dashboards.app_pages import loaners_common

PAGE = "loaners_audit"


class AuditTable:
    """The columns come from the API (§2.3.4's 13, in its order)."""

    def __init__(self) -> None:
        self.columns: list[str] = []

    def fetch(self, **params) -> dict:
        result = loaners_api.audit_view(**params)
        self.columns = result["columns"]
        return result

    def row(self, item: dict) -> dict:
        return {column: item["values"].get(column) or "" for column in self.columns}


user = auth.require_page(__file__)
loaners_common.view_header("AUDIT")
st.caption("端末・プリンタの監査・検査用データ。管轄に属する拠点の機器だけを表示します。")
columns = st.columns(2)
with columns[0]:
    jurisdiction = loaners_common.jurisdiction_select(user, f"{PAGE}_jurisdiction")
with columns[1]:
    location_id = loaners_common.location_select("拠点", f"{PAGE}_location", jurisdiction=jurisdiction)
table = AuditTable()
components.paginated_table(
    PAGE,
    table.fetch,
    table.row,
    filters={"jurisdiction": jurisdiction, "location_id": location_id},
    export="/loaners/views/audit/export",
    style=loaners_common.status_style,
)
