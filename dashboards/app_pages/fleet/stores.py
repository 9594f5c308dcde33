"""端末管理 › 店舗別: every store, the worst first (terminals offline, then alerting, then open alerts: the service
ranks them in SQL), with its customer and its open alerts by kind; a store opens its terminals in 端末一覧."""

from collections.abc import Callable

import streamlit as st

from dashboards import auth, fleet_api
from dashboards.app_pages.fleet import common as fleet_common
from dashboards.components import tables, writes

PAGE = "fleet_stores"
PICKER = f"{PAGE}_selected"
TERMINALS_PAGE = "app_pages/fleet/terminals.py"  # its search finds a store's terminals by the store's name


def store_row() -> Callable[[dict], dict]:
    words = fleet_api.vocabulary()["store_columns"]
    customer = fleet_common.customer_word()

    def row(store: dict) -> dict:
        return {customer: store["company_name"]} | {header: store[name] for name, header in words.items()}

    return row


def filters() -> dict:
    columns = st.columns([2, 2, 1], vertical_alignment="bottom")
    with columns[0]:
        customer_id = fleet_common.customer_select(f"{PAGE}_customer")
    with columns[1]:
        query = st.text_input("検索", key=f"{PAGE}_q", placeholder="店舗名・会社名の一部").strip()
    with columns[2]:
        troubled = st.checkbox("問題のある店舗のみ", key=f"{PAGE}_troubled_only")
    return {"customer_id": customer_id, "q": query, "troubled_only": troubled or None}


def open_terminals(shown: list[dict]) -> None:
    """A store's terminals in 端末一覧 (searched by its name)."""
    stores = {index: store for index, store in enumerate(shown)}
    chosen = st.selectbox(
        "端末一覧で開く店舗",
        list(stores),
        index=None,
        placeholder="店舗を選択",
        format_func=lambda i: f"{stores[i]['store']}（{stores[i]['company_name']}）",
        key=PICKER,
    )
    if chosen is not None:
        store = stores[chosen]
        st.page_link(
            TERMINALS_PAGE,
            label=f"{store['store']}の端末を端末一覧で開く",
            icon=":material/open_in_new:",
            query_params={"q": store["store"], "customer_id": str(store["customer_id"])},
        )


auth.require_page(__file__)
st.title("店舗別")
fleet_common.ingest_banner()
writes.show_flash(PAGE)
st.caption("オフラインの端末が多い店舗、次にアラートのある端末が多い店舗から順に表示します。")
listed = tables.paginated_table(
    PAGE, fleet_api.list_stores, store_row(), filters=filters(), export="/fleet/stores/export"
)
if listed["items"]:
    open_terminals(listed["items"])
