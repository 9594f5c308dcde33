"""端末管理 › 端末一覧: every terminal, filtered, searched, sorted and paged by the API; registering one terminal."""

from collections.abc import Callable
from datetime import date
from typing import Any

import streamlit as st

from dashboards import auth, fleet_api, forms, labels
from dashboards.app_pages.fleet import common as fleet_common
from dashboards.app_pages.fleet.common import field
from dashboards.components import kpi, pickers, tables, timestamps, writes

PAGE = "fleet_terminals"
DETAIL = f"{PAGE}_detail"
BULK = fleet_common.BulkWork(PAGE, "terminals", "端末", "terminal_bulk_actions")
FILTERS = ("q", "status", "customer", "firmware", "sort")
NEW = f"{PAGE}_new"  # the create form
SORTS = {
    "company_name": "顧客名",
    "serial_number": "シリアル番号",
    "store_name": "設置店舗名",
    "status": "状態",
    "-last_heartbeat_at": "最終通信（新しい順）",
    "last_heartbeat_at": "最終通信（古い順）",
    "-cpu_usage": "店舗PC CPU使用率（高い順）",
    "-memory_usage": "店舗PCメモリ使用率（高い順）",
    "firmware_version": "ファームウェア",
}


def terminal_row() -> Callable[[dict], dict]:
    head = fleet_common.headers("terminal")

    def row(terminal: dict) -> dict:
        return {
            "ID": terminal["id"],
            head["serial_number"]: terminal["serial_number"],
            head["customer_id"]: terminal["company_name"],
            head["store_name"]: terminal["store_name"],
            head["status"]: terminal["status_label"],
            head["firmware_version"]: terminal["firmware_version"],
            "最終通信": timestamps.local_time(terminal["last_heartbeat_at"]),
            "店舗PC CPU": fleet_common.usage(terminal, "cpu"),
            "店舗PCメモリ": fleet_common.usage(terminal, "memory"),
            "店舗PCディスク": fleet_common.usage(terminal, "disk"),
            "未解決アラート": terminal["open_alerts"],
        }

    return row


def filters() -> dict[str, Any]:
    kpi.linked_filters(
        PAGE,
        {
            "status": (f"{PAGE}_status", str),
            "q": (f"{PAGE}_q", str),
            "customer_id": (f"{PAGE}_customer", int),
            "registered_to": (f"{PAGE}_registered_to", kpi.day),
        },
    )
    query = st.text_input("検索", key=f"{PAGE}_q", placeholder="シリアル番号・設置店舗名・会社名の一部").strip()
    columns = st.columns(5)
    with columns[0]:
        status = pickers.code_select("状態", fleet_api.words("terminal_statuses"), f"{PAGE}_status")
    with columns[1]:
        customer_id = fleet_common.customer_select(f"{PAGE}_customer")
    with columns[2]:
        version = st.text_input(
            **field("terminal", "firmware_version").text(), key=f"{PAGE}_firmware", placeholder="例: 1.2.0"
        ).strip()
    with columns[3]:
        registered_to = st.date_input("登録日（この日まで）", value=None, key=f"{PAGE}_registered_to")
    with columns[4]:
        sort = st.selectbox("並び順", list(SORTS), format_func=SORTS.__getitem__, key=f"{PAGE}_sort")
    return {
        "q": query,
        "status": status,
        "customer_id": customer_id,
        "firmware_version": version,
        "registered_to": registered_to.isoformat() if registered_to else None,
        "sort": sort,
    }


def bulk_filters(shown: dict[str, Any]) -> dict[str, Any]:
    """The list's filters as 一括操作's 「条件に合う全件」 sends them (the order is the list's, not a filter)."""
    return {name: value for name, value in shown.items() if name != "sort" and value not in (None, "")}


def open_detail(shown: list[dict]) -> None:
    """The keyboard's way to 端末詳細: pick a shown terminal, then follow its link."""
    by_id = {terminal["id"]: terminal for terminal in shown}
    shown_as = {i: fleet_common.terminal_label(terminal) for i, terminal in by_id.items()}
    chosen = pickers.record_picker("詳細を表示する端末", shown_as, DETAIL, placeholder="端末を選択")
    if chosen is not None:
        st.page_link(
            fleet_common.TERMINAL_PAGE,
            label=f"{by_id[chosen]['serial_number']} の端末詳細を開く",
            icon=":material/open_in_new:",
            query_params={"id": str(chosen)},
        )


def validate_new(serial: str, customer_id: int | None, store: str, version: str) -> list[str]:
    """The API's rules for a new terminal, checked before anything is sent."""
    errors = field("terminal", "serial_number").pattern_problems(serial)
    if customer_id is None:
        errors.append(field("terminal", "customer_id").choose_message())
    store_name = field("terminal", "store_name")
    if not 1 <= len(store) <= (store_name.max_chars or 0):
        errors.append(f"{store_name.label}は1〜{store_name.max_chars}文字で入力してください。")
    return errors + field("terminal", "firmware_version").pattern_problems(version)


def create_form() -> None:
    with st.expander("端末を登録", icon=":material/add:"):
        customer_id = fleet_common.customer_select(forms.key(NEW, "customer"), include_all=False)
        with st.form(f"{PAGE}_create"):
            serial = st.text_input(**field("terminal", "serial_number").text(), key=forms.key(NEW, "serial")).strip()
            store = st.text_input(
                **field("terminal", "store_name").text(), key=forms.key(NEW, "store"), placeholder="例: ○○店舗 レジ1番"
            ).strip()
            version = st.text_input(
                **field("terminal", "firmware_version").text(), value="1.0.0", key=forms.key(NEW, "firmware")
            ).strip()
            installed: date | None = st.date_input(
                f"{field('terminal', 'installed_date').label}（任意）", value=None, key=forms.key(NEW, "installed")
            )
            submitted = st.form_submit_button("登録", type="primary")
    if not submitted or writes.show_errors(validate_new(serial, customer_id, store, version)):
        return
    data = {
        "serial_number": serial,
        "customer_id": customer_id,
        "store_name": store,
        "firmware_version": version,
        "installed_date": installed.isoformat() if installed else None,
    }
    writes.act(
        PAGE,
        lambda: fleet_api.create_terminal(data),
        f"端末「{labels.plain(serial)}」を登録しました。",
        form=NEW,
    )


user = auth.require_page(__file__)
st.title("端末一覧")
fleet_common.ingest_banner()
writes.show_flash(PAGE)
fleet_common.saved_views(PAGE, "terminals", FILTERS)
operator = fleet_common.may(user, fleet_common.OPERATOR)  # メンテナンス and 診断ログ取得 are operations (§5.1)
shown_filters = filters()
listed = tables.paginated_table(
    PAGE,
    fleet_api.list_terminals,
    terminal_row(),
    filters=shown_filters,
    export="/fleet/terminals/export",
    style=fleet_common.terminal_style,
    picker=DETAIL,
    open_record=tables.on_page(fleet_common.TERMINAL_PAGE),
    rows_chosen=BULK.chosen if operator else None,
)
if operator:
    fleet_common.bulk_form(BULK, fleet_common.Everything(bulk_filters(shown_filters), listed["total"]))
if listed["items"]:
    open_detail(listed["items"])
if operator:
    create_form()
