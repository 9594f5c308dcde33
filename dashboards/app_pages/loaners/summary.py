"""代替機 › サマリー (SUMMARY): a card per 預かり機のステータス with counts per location × SV/CL/プリンタ/その他; the
未分類 card (a blank held status) apart below them, with the API's reason, and outside 預かり機の合計 (§3.1.1)."""

import pandas as pd
import streamlit as st

from dashboards import auth, labels, loaners_api
from dashboards.app_pages.loaners import common as loaners_common
from dashboards.components import badges, exports, kpi

PAGE = "loaners_summary"
COLOURS: dict[str, badges.BadgeColour] = {"success": "green", "warning": "orange", "danger": "red", "info": "blue"}
TOTAL = "合計"
LONGEST = "最長保有日数"


def card_frame(card: dict, device_types: list[str]) -> pd.DataFrame:
    location = loaners_common.headers("device")["location_id"]
    rows = [
        {
            location: row["location_name"],
            **{t: row["counts"].get(t, 0) for t in device_types},
            TOTAL: row["total"],
            LONGEST: "" if row["longest_held_days"] is None else f"{row['longest_held_days']}日",
        }
        for row in card["rows"]
    ]
    rows.append(
        {location: TOTAL, **{t: card["totals"].get(t, 0) for t in device_types}, TOTAL: card["total"], LONGEST: ""}
    )
    return pd.DataFrame(rows)


def longest_held(card: dict) -> None:
    if not card["longest"]:
        return
    st.caption("保有期間の長い機器")
    for device in card["longest"]:
        st.markdown(
            f"- {labels.plain(device['management_number'])}（{labels.plain(device['location_name'])}）"
            f" {device['held_days'] or 0}日"
        )


def show_card(card: dict, device_types: list[str]) -> None:
    with st.container(border=True):
        st.subheader(card["category"])
        badges.status_badge(card["color"], f"{card['total']}台", colours=COLOURS)
        st.caption(card["held_status"])
        st.dataframe(card_frame(card, device_types), hide_index=True)
        longest_held(card)


user = auth.require_page(__file__)
loaners_common.view_header("SUMMARY")
st.caption(
    "「0-4.ステータス」が1.貸出中・「1-4.ユーザー機の預り有無」が有りで、預かり機のステータスに値がある機器の台数です。"
)
jurisdiction = loaners_common.jurisdiction_select(user, f"{PAGE}_jurisdiction")
summary = loaners_api.summary(jurisdiction)
for column, figure in zip(st.columns(len(summary["figures"])), summary["figures"], strict=True):
    with column:
        kpi.figure_card(figure)  # 預かり機の合計, then 返却可能 by days (each opens its list)
kpi.figures_stamp(summary["figures"])
exports.csv_link(
    f"{PAGE}_csv",
    "/loaners/views/summary/export",
    {"jurisdiction": jurisdiction, "classified": "true"},
    help=exports.CSV_HELP.format(total=summary["total"]),
)
grid = st.columns(2)
for index, card in enumerate(summary["cards"]):
    with grid[index % 2]:
        show_card(card, summary["device_types"])
st.divider()
st.info(summary["unclassified_note"])
show_card(summary["unclassified"], summary["device_types"])
