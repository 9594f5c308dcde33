"""予約 › 提携店舗・サービス管理: partner shops (call order, services, CSV import/export), service types, and each
shop's automated calls (today's and this month's figures, the calls behind each, 自動電話停止).

Operators add, edit, delete, stop and lift; support reads the lists and downloads the CSV.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import time
from typing import Any

import pandas as pd
import streamlit as st

from dashboards import auth, formats, forms, labels, reservations_api
from dashboards.app_pages.reservations import common
from dashboards.components import imports, kpi, pickers, tables, timestamps, uploaders, writes

PAGE = "reservations_catalog"
MAPPING_KEY = f"{PAGE}_import_mapping"
PICKER_SIZE = 100
AUTO_CALLS_STOPPED = "自動電話停止"
CLOSED_DAYS_HELP = "電話しない曜日と祝日（例: 水祝）。空欄なら毎日"
PERIODS = {"today": "今日", "month": "今月"}
NO_ANSWER_FLAG = "応答なし増加"
MARKS = "注意"  # 自動電話停止, 応答なし増加
STOP_PLACEHOLDER = "例: 店長から「今後の自動電話は不要」と連絡あり"
# A shop's call budget over all requests (the service's budget.Budget) and what is left of today's.
BUDGET_COLUMNS = {"calls_per_hour": "1時間の上限", "calls_per_day": "1日の上限", "calls_left_today": "今日の残り"}
BUDGET_NOTE = (
    "上限は全依頼を合わせた自動電話の件数（1日は日本時間の0時から）。上限に達した店舗には電話せず、次の店舗に電話します"
)
CALL_COLUMNS = {"created_at": "発信日時", "reservation_code": "予約ID", "round": "周", "outcome_label": "結果"}


def shop_row() -> Callable[[dict], dict]:
    head = common.headers("shop")

    def row(shop: dict) -> dict:
        return {
            "ID": shop["id"],
            head["call_order"]: shop["call_order"],
            head["name"]: shop["name"],
            head["phone"]: formats.phone(shop["phone"]),
            head["email"]: shop["email"],
            "対応サービス": "、".join(s["name"] for s in shop["services"]),
            "営業時間": hours_text(shop),
            head["closed_days"]: shop["closed_days"],
            head["auto_calls_stopped_at"]: AUTO_CALLS_STOPPED if shop["auto_calls_stopped_at"] else "",
            head["active"]: common.field("shop", "active").word(shop["active"]),
            head["notes"]: shop["notes"],
        }

    return row


def hours_text(shop: dict) -> str:
    """「10:00〜19:00」, or 「終日」 for a shop called at any time."""
    if shop["opens_at"] is None:
        return "終日"
    return f"{shop['opens_at'][:5]}〜{shop['closes_at'][:5]}"


def hours_fields(key: str, shop: dict) -> dict:
    """営業時間 (Japan time): ticked, the two times; unticked, none (the shop is called at any time)."""
    opens, closes = shop.get("opens_at"), shop.get("closes_at")
    kept = st.checkbox(
        "営業時間を指定する（時間外に終わらない予約だけを受け付け、電話します）", opens is not None, key=f"{key}_hours"
    )
    left, right = st.columns(2)
    start = left.time_input(common.field("shop", "opens_at").label, _time(opens, OPENS), step=900, key=f"{key}_opens")
    end = right.time_input(
        common.field("shop", "closes_at").label, _time(closes, CLOSES), step=900, key=f"{key}_closes"
    )
    if not kept:
        return {"opens_at": None, "closes_at": None}
    return {"opens_at": f"{start:%H:%M}", "closes_at": f"{end:%H:%M}"}


OPENS, CLOSES = time(10), time(19)  # what the hours fields show before any are set


def _time(stored: str | None, default: time) -> time:
    return time.fromisoformat(stored) if stored else default


def stored_shop(shop: dict) -> dict:
    """A shop as its form's fields compare it."""
    hours = {name: shop[name][:5] if shop[name] else None for name in ("opens_at", "closes_at")}
    return (
        shop | hours | {"service_type_ids": [s["id"] for s in shop["services"]], "phone": formats.phone(shop["phone"])}
    )


def update_shop(shop_id: int, changes: dict) -> dict:
    """The form's changes as the API takes them: hours removed are all_day (a null would leave them as they are)."""
    if "opens_at" in changes and changes["opens_at"] is None:
        changes = {name: value for name, value in changes.items() if name not in ("opens_at", "closes_at")}
        changes["all_day"] = True
    return reservations_api.update_shop(shop_id, changes)


def shop_filters(services: dict[int, str]) -> dict:
    columns = st.columns([2, 2, 1])
    with columns[0]:
        q = st.text_input("店舗名で検索", key=f"{PAGE}_shop_q").strip()
    with columns[1]:
        service = st.selectbox(
            "対応サービス",
            [None, *services],
            key=f"{PAGE}_shop_service",
            format_func=lambda i: labels.ALL_LABEL if i is None else services[i],
        )
    with columns[2]:
        shown = common.field("shop", "active")
        active = st.selectbox(
            shown.label,
            [None, True, False],
            key=f"{PAGE}_shop_active",
            format_func=lambda v: labels.ALL_LABEL if v is None else shown.word(v),
        )
    return {"q": q, "service_type_id": service, "active": active}


def shop_fields(key: str, services: dict[int, str], shop: dict | None = None) -> dict:
    """The shop form's fields (empty for a new shop); returns the body the API takes."""
    shop = shop or {
        "name": "",
        "phone": "",
        "email": "",
        "services": [],
        "call_order": 100,
        "active": True,
        "notes": "",
        "opens_at": None,
        "closes_at": None,
        "closed_days": "",
    }
    chosen = [s["id"] for s in shop["services"] if s["id"] in services]
    fields = {
        "name": st.text_input(**common.field("shop", "name").text(), value=shop["name"], key=f"{key}_name").strip(),
        "phone": st.text_input(
            **common.field("shop", "phone").text(), value=formats.phone(shop["phone"]), key=f"{key}_phone"
        ).strip(),
        "email": st.text_input(**common.field("shop", "email").text(), value=shop["email"], key=f"{key}_email").strip(),
        "service_type_ids": st.multiselect(
            "対応サービス",
            list(services),
            chosen,
            format_func=services.__getitem__,
            key=f"{key}_services",
            placeholder="サービスを選択",
            wrap=True,  # every tag whole: a choice is never cut short
        ),
        "call_order": st.number_input(
            common.field("shop", "call_order").label,
            0,
            common.limit("call_order"),
            shop["call_order"],
            key=f"{key}_order",
        ),
        "active": st.checkbox(common.field("shop", "active").label, shop["active"], key=f"{key}_active"),
        "notes": st.text_area(**common.field("shop", "notes").text(), value=shop["notes"], key=f"{key}_notes"),
        "closed_days": st.text_input(
            common.field("shop", "closed_days").label,
            shop["closed_days"],
            help=CLOSED_DAYS_HELP,
            key=f"{key}_closed_days",
        ).strip(),
    }
    return fields | hours_fields(key, shop)


def changed_fields(wanted: dict, current: dict) -> dict:
    return {name: value for name, value in wanted.items() if value != current.get(name)}


@dataclass(frozen=True)
class Kind:
    """One catalogue record kind: its words, its form's fields and its API calls."""

    name: str  # 提携店舗 / サービス
    key: str
    fields: Callable[..., dict]
    create: Callable[[dict], Any]
    update: Callable[[int, dict], Any]
    delete: Callable[[int], Any]
    stored: Callable[[dict], dict] = lambda item: item  # the record as the form's fields compare it


def picker(kind_key: str) -> str:
    """The key of the picker of the records to edit, which a click on a row of their list chooses in too."""
    return f"{PAGE}_{kind_key}_selected"


def editor(kind: Kind, items: list[dict]) -> None:
    """Add one, then edit or delete one of `items`: the same forms for shops and services."""
    new = f"{PAGE}_new_{kind.key}"
    with st.expander(f"{kind.name}を追加"), st.form(new):
        body = kind.fields(forms.prefix(new))
        if st.form_submit_button(f"{kind.name}を追加", type="primary"):
            writes.act(PAGE, lambda: kind.create(body), f"「{body['name']}」を追加しました。", form=new)
    by_id = {item["id"]: item for item in items}
    chosen = pickers.record_picker(
        f"編集する{kind.name}",
        {i: item["name"] for i, item in by_id.items()},
        picker(kind.key),
        placeholder="表示中の一覧から選択",
    )
    if chosen is None:
        return
    item = by_id[chosen]
    with st.form(f"{PAGE}_edit_{kind.key}_{chosen}"):
        body = kind.fields(f"{PAGE}_edit_{kind.key}_{chosen}", item)
        submitted = st.form_submit_button("変更を保存")
    if submitted:
        changes = changed_fields(body, kind.stored(item))
        writes.act(
            PAGE, lambda: kind.update(chosen, changes), f"「{item['name']}」を更新しました。", changed=bool(changes)
        )
    writes.confirm_then_act(
        PAGE,
        f"{PAGE}_delete_{kind.key}_{chosen}",
        confirm=f"この{kind.name}を削除します",
        label="削除",
        call=lambda: kind.delete(chosen),
        success=f"「{item['name']}」を削除しました。",
        icon=":material/delete:",
    )


def import_form() -> None:
    with st.form(f"{PAGE}_import", clear_on_submit=True):
        upload = uploaders.file_uploader(
            "インポート（CSVダウンロードと同じ列。店舗名が同じ行は更新）",
            type=imports.TYPES,
            key=f"{PAGE}_import_file",
            limit_mb=uploaders.BODY_MB,
        )
        submitted = st.form_submit_button("取り込む")
    result = None
    if submitted and upload is not None:
        result = imports.send(MAPPING_KEY, imports.Upload(upload.name, upload.getvalue()), send_shops)
    result = result or imports.mapping_step(MAPPING_KEY, send_shops)
    if result is not None:
        writes.flash(PAGE, f"取り込みました（追加 {result['created']}件、更新 {result['updated']}件）。")
        st.rerun()


def send_shops(upload: imports.Upload, columns: str | None) -> dict:
    return reservations_api.import_shops(upload.name, upload.content, columns)


def shops_tab(operator: bool, services: dict[int, str]) -> None:
    if operator:
        import_form()
    listed = tables.paginated_table(
        f"{PAGE}_shops",
        reservations_api.list_shops,
        shop_row(),
        filters=shop_filters(services),
        export="/reservations/shops/export",
        picker=picker("shop") if operator else None,
    )
    if operator:
        editor(
            Kind(
                "提携店舗",
                "shop",
                lambda key, shop=None: shop_fields(key, services, shop),
                reservations_api.create_shop,
                update_shop,
                reservations_api.delete_shop,
                stored_shop,
            ),
            listed["items"],
        )


def service_fields(key: str, service: dict | None = None) -> dict:
    service = service or {"name": "", "description": "", "price": 0, "duration_minutes": 60, "active": True}
    return {
        "name": st.text_input(
            **common.field("service_type", "name").text(), value=service["name"], key=f"{key}_name"
        ).strip(),
        "price": st.number_input(
            common.field("service_type", "price").label,
            0,
            common.limit("amount"),
            service["price"],
            step=500,
            key=f"{key}_price",
        ),
        "duration_minutes": st.number_input(
            common.field("service_type", "duration_minutes").label,
            1,
            common.limit("duration_minutes"),
            service["duration_minutes"],
            key=f"{key}_duration",
        ),
        "description": st.text_area(
            **common.field("service_type", "description").text(), value=service["description"], key=f"{key}_desc"
        ),
        "active": st.checkbox(common.field("service_type", "active").label, service["active"], key=f"{key}_active"),
    }


def services_tab(operator: bool, services: list[dict]) -> None:
    head = common.headers("service_type")
    rows = [
        {
            "ID": s["id"],
            head["name"]: s["name"],
            "料金": common.yen(s["price"]),
            "所要時間": f"{s['duration_minutes']}分",
            head["active"]: common.field("service_type", "active").word(s["active"]),
            head["description"]: s["description"],
        }
        for s in services
    ]
    if not rows:
        st.info(tables.NO_ROWS)
    elif operator:
        tables.record_table(f"{PAGE}_services", pd.DataFrame(rows), services, picker=picker("service"))
    else:
        st.dataframe(rows, hide_index=True)
    if not operator:
        return
    editor(
        Kind(
            "サービス",
            "service",
            service_fields,
            reservations_api.create_service,
            reservations_api.update_service,
            reservations_api.delete_service,
        ),
        services,
    )


def calls_tab(operator: bool) -> None:
    """Every shop's calls today and this month (the service's named figures), then the calls behind one figure."""
    rows = reservations_api.shop_call_figures()
    if not rows:
        st.info(tables.NO_ROWS)
        return
    flagged = [row["shop_name"] for row in rows if row["no_answer_flagged"]]
    if flagged:
        st.warning(f"{NO_ANSWER_FLAG}: {'、'.join(flagged)}（今月の電話の多くに応答がありません）")
    st.dataframe([calls_row(row) for row in rows], hide_index=True)
    st.caption(BUDGET_NOTE)
    for period, words in PERIODS.items():
        st.caption(f"{words}: {rows[0][period][0]['period_label']}")
    kpi.figures_stamp(rows[0]["today"])
    st.subheader("件数の内訳")
    by_id = {row["shop_id"]: row for row in rows}
    shop_id = st.selectbox(
        "提携店", list(by_id), format_func=lambda chosen: by_id[chosen]["shop_name"], key=f"{PAGE}_calls_shop"
    )
    chosen = by_id[shop_id]
    period = st.radio(
        "期間", list(PERIODS), format_func=PERIODS.__getitem__, horizontal=True, key=f"{PAGE}_calls_period"
    )
    figures = {figure["key"]: figure for figure in chosen[period]}
    key = st.selectbox(
        "件数",
        list(figures),
        format_func=lambda chosen: f"{figures[chosen]['label']}（{kpi.figure_value(figures[chosen])}）",
        key=f"{PAGE}_calls_figure",
    )
    figure = figures[key]
    st.caption(figure["counts"])
    calls_list(figure)
    if operator:
        auto_calls(chosen)


def calls_row(row: dict) -> dict:
    counts = {
        f"{words}の{figure['label']}": figure["value"] for period, words in PERIODS.items() for figure in row[period]
    }
    marks = [AUTO_CALLS_STOPPED] if row["auto_calls_stopped"] else []
    marks += [NO_ANSWER_FLAG] if row["no_answer_flagged"] else []
    budget = {name: row[key] for key, name in BUDGET_COLUMNS.items()}
    return {common.headers("shop")["name"]: row["shop_name"], **counts, **budget, MARKS: "、".join(marks)}


def calls_list(figure: dict) -> None:
    """None listed under a figure of 0 (the selector says so)."""
    if figure["value"]:
        tables.paginated_table(f"{PAGE}_calls", reservations_api.list_calls, call_row, filters=figure["list_query"])


def call_row(call: dict) -> dict:
    return {CALL_COLUMNS[name]: call[name] for name in CALL_COLUMNS} | {
        CALL_COLUMNS["created_at"]: timestamps.local_time(call["created_at"])[:16],
        "概要": call["summary"],
    }


def auto_calls(row: dict) -> None:
    """自動電話停止 of the chosen shop: stopped with a reason (the shop's words), lifted by a button; both audited."""
    shop_id, name = row["shop_id"], row["shop_name"]
    if row["auto_calls_stopped"]:
        if st.button("自動電話を再開する", key=f"{PAGE}_lift_{shop_id}"):
            lift = f"「{name}」への自動電話を再開しました。"
            writes.act(PAGE, lambda: reservations_api.lift_auto_calls(shop_id), lift)
        return
    with st.form(f"{PAGE}_stop_{shop_id}"):
        reason = st.text_input(
            "停止の理由",
            placeholder="例: 店長から「今後の自動電話は不要」と連絡あり",
            key=f"{PAGE}_stop_{shop_id}_reason",
        ).strip()
        if st.form_submit_button(AUTO_CALLS_STOPPED):
            writes.act(
                PAGE,
                lambda: reservations_api.stop_auto_calls(shop_id, reason),
                f"「{name}」を{AUTO_CALLS_STOPPED}にしました。人が電話します。",
            )


user = auth.require_page(__file__)
st.title("提携店舗・サービス管理")
writes.show_flash(PAGE)
operator = common.may_operate(user)
all_services = reservations_api.list_services()
shops, service_types, shop_calls = st.tabs(["提携店舗", "サービス", "電話の状況"])
with shops:
    shops_tab(operator, {s["id"]: s["name"] for s in all_services})
with service_types:
    services_tab(operator, all_services)
with shop_calls:
    calls_tab(operator)
