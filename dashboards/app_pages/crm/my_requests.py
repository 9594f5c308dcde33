"""代理店CRM › マイ依頼一覧 (§3.4, the sales person's home): their requests with status and unread deficiency
notices, the unread notifications, and the way to 新規投入依頼, 既存法人に地点追加 and 不備確認・修正.

A sales manager (営業マネージャー) also has 「チームの依頼」: the agency's requests counted by sales person and status
(each count the list's total under that person and status), and the list of them, 不備 first and the oldest first.
"""

import pandas as pd
import streamlit as st

from dashboards import crm_api, labels
from dashboards.app_pages.crm import common
from dashboards.components import kpi, pickers, tables, timestamps, writes

PAGE = common.MY_PAGE_KEY
PICKER = f"{PAGE}_open"
TEAM = f"{PAGE}_team"
TEAM_TOTAL = "合計"
OLDEST_OPEN = "最も古い未完了の依頼"


def summary() -> None:
    counts = crm_api.my_summary()
    statuses = common.status_choices()
    columns = st.columns(len(statuses) + 1)
    for column, (status, label) in zip(columns, statuses.items(), strict=False):
        with column:
            kpi.kpi_card(common.status_markdown(status, label), counts.get(status, 0))
    with columns[-1]:
        kpi.kpi_card("未読の通知がある依頼", counts["unread"])


def notifications() -> None:
    """不備通知 and other news not read yet; each links to the request, where its reason is shown."""
    found = crm_api.list_notifications(unread=True)
    if not found["items"]:
        return
    with st.container(border=True):
        st.markdown(f":red-badge[未読の通知 {found['total']}件]")
        for note in found["items"]:
            kind = labels.label(crm_api.vocabulary()["notification_kind_labels"], note["kind"])
            line, link = st.columns([4, 1], vertical_alignment="center")
            line.markdown(f"**{kind}** {timestamps.local_time(note['created_at'])} — {labels.plain(note['message'])}")
            with link:
                st.page_link(
                    common.FIX_PAGE,
                    label="確認する",
                    icon=":material/open_in_new:",
                    query_params={"id": str(note["request_id"])},
                )
        if st.button("すべて既読にする", key=f"{PAGE}_read_all", icon=":material/done_all:"):
            writes.act(PAGE, crm_api.read_all_notifications, "通知をすべて既読にしました。")


def shortcuts() -> None:
    with st.container(horizontal=True):
        st.page_link(common.NEW_PAGE, label="新規投入依頼", icon=":material/note_add:")
        st.page_link(common.ADD_SITE_PAGE, label="既存法人に地点追加", icon=":material/add_location_alt:")


def own_requests() -> None:
    status = pickers.code_select("ステータス", common.status_choices(), f"{PAGE}_status")
    listed = tables.paginated_table(
        PAGE,
        crm_api.list_requests,
        common.request_row(back_office=False),
        style=common.status_style,
        filters={"status": status, "mine": True},
        export="/crm/requests/export",
        picker=PICKER,
        open_record=tables.on_page(common.FIX_PAGE),
    )
    if listed["items"]:
        common.open_request(listed["items"], common.FIX_PAGE, PICKER, action="開く")


def team_counts(team: dict) -> int | None:
    """By sales person (most 不備 first) and status; a click on a person's row (or the picker) shows their
    requests. Returns the person chosen (None: everyone)."""
    statuses = common.status_choices()
    rows = [
        {"営業担当者": member["name"]}
        | {statuses[status]: member["counts"][status] for status in statuses}
        | {
            "合計": member["total"],
            OLDEST_OPEN: timestamps.local_time(member["oldest_open_at"]) if member["oldest_open_at"] else "",
        }
        for member in team["members"]
    ]
    if not rows:
        st.info(tables.NO_ROWS)
        return None
    picker = f"{TEAM}_person"
    tables.record_table(f"{TEAM}_counts", pd.DataFrame(rows), team["members"], picker=picker, id_field="user_id")
    totals = "、".join(f"{statuses[status]} {team['totals'][status]}" for status in statuses)
    st.caption(f"{TEAM_TOTAL} {team['total']}件（{totals}）")
    names = {member["user_id"]: member["name"] for member in team["members"]}
    return pickers.record_picker("営業担当者", {None: labels.ALL_LABEL} | names, picker)


def team_requests() -> None:
    """チームの依頼: the counts, then the requests of the person and status chosen, 不備 first and the oldest first."""
    status = pickers.code_select("ステータス", common.status_choices(), f"{TEAM}_status")
    person = team_counts(crm_api.team(status=status))
    listed = tables.paginated_table(
        TEAM,
        crm_api.list_requests,
        common.team_row(),
        style=common.status_style,
        filters={"status": status, "requested_by": person, "order": "attention"},
        export="/crm/requests/export",
        note="（不備が先頭、同じステータスの中は古い順）",
        picker=f"{TEAM}_open",
        open_record=tables.on_page(common.FIX_PAGE),
    )
    if listed["items"]:
        common.open_request(listed["items"], common.FIX_PAGE, f"{TEAM}_open", action="開く")


profile = common.start(__file__)
writes.show_flash(PAGE)
shortcuts()
summary()
notifications()
views = {"own": "自分の依頼", "team": "チームの依頼"}
shown = "own"
if profile["is_sales_manager"]:
    shown = st.segmented_control(
        "表示", list(views), format_func=views.__getitem__, default="own", required=True, key=f"{PAGE}_view"
    )
if shown == "team":
    team_requests()
else:
    own_requests()
