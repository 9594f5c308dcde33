"""代理店CRM › 獲得案件一覧 (§3.3): 投入済 sites grouped by corporation (法人行 expands to its sites), searched by
法人名・店舗名, over a period of 投入完了日, with the CSV; sales see their own agency's only (the API decides)."""

import math
from typing import Any

import pandas as pd
import streamlit as st

from dashboards import crm_api, fields, formats, labels
from dashboards.app_pages.crm import common
from dashboards.components import exports, layout, tables

PAGE = "crm_acquired"
PAGE_SIZE = 20


def filters(back_office: bool) -> dict[str, Any]:
    common.linked_period(PAGE)
    top = st.columns([2, 1] if back_office else [1])
    query = top[0].text_input(**fields.search("検索（法人名・店舗名）"), key=f"{PAGE}_q").strip()
    agency_id = None
    if back_office:
        with top[1]:
            agency_id = common.agency_select("代理店", f"{PAGE}_agency", preset=common.linked_agency())
    since, until = common.period_inputs(PAGE)
    return {"q": query, "agency_id": agency_id, "since": common.iso(since), "until": common.iso(until)}


def site_rows(corporation: dict) -> pd.DataFrame:
    head = common.headers("site")
    return pd.DataFrame(
        [
            {
                head["power_branch_name"]: s["power_branch_name"],
                head["service_type"]: s["service_type_label"],
                head["power_plan_name"]: s["power_plan_name"],
                head["power_customer_location_number"]: s["power_customer_location_number"],
                "投入完了日": formats.day(s["submitted_at"]),
                "依頼ID": s["request_id"],
            }
            for s in corporation["sites"]
        ]
    )


def corporation_group(corporation: dict, back_office: bool) -> None:
    """▼ 法人名（N地点） with 最終投入日; expanding shows its sites (drawn only then)."""
    last = formats.day(corporation["last_submitted_at"])
    agency = f" ／ {corporation['agency_name']}" if back_office else ""
    name = labels.plain(corporation["corporation_name"])
    title = f"{name}（{corporation['site_count']}地点） 最終投入日 {last}{agency}"
    key = f"{PAGE}_corporation_{corporation['corporation_id']}"
    with layout.shown_when_open(title, key=key, icon=":material/domain:") as shown:
        if shown:
            st.dataframe(site_rows(corporation), hide_index=True)


def groups(flt: dict[str, Any], back_office: bool) -> None:
    """One page of corporations; a change of filters starts again at page 1 (the pager's key names the filters)."""
    pager = f"{PAGE}_page_" + "_".join(f"{k}={v}" for k, v in sorted(flt.items()))
    current = st.session_state.get(pager, 1)
    found = crm_api.list_acquired(page=current, page_size=PAGE_SIZE, **flt)
    if not found["items"]:
        st.info(tables.NO_ROWS)
        return
    st.caption(f"全{found['total']:,}法人（法人名をクリックすると地点を表示します）")
    for corporation in found["items"]:
        corporation_group(corporation, back_office)
    pages = math.ceil(found["total"] / PAGE_SIZE)
    if pages > 1:
        st.pagination(pages, default=current, key=pager)


profile = common.start(__file__)
back_office = common.is_back_office(profile)
applied = filters(back_office)
exports.csv_link(
    f"{PAGE}_csv",
    "/crm/acquired.csv",
    applied,
    help="検索条件に一致するすべての投入済地点（1地点1行）をダウンロードします",
)
groups(applied, back_office)
