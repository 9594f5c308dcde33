"""代理店CRM › 投入案件一覧 (§3.2, the operator's home): every agency's requests, filtered by status, corporation,
sales person, agency, assignee and period; it opens on the open work (対応中: 未対応 and 不備再提出), the cases with
news for the caller (未読: their own, not a colleague's) first and then newest first, a resubmitted case marked
不備再提出, each with its assignee and how long it has been in its status, in all and waiting on the agency; opening
one leads to 案件詳細. 「次の依頼を担当」 takes the oldest unassigned request (resubmissions first) and opens it.

?agency_id=…, ?since=…&until=…, ?status=… (the drill-down and the cards of 代理店別数値) start with those filters
chosen and, unless a status is named, every status shown.
"""

from typing import Any

import streamlit as st

from dashboards import api, crm_api, fields, labels
from dashboards.app_pages.crm import common
from dashboards.app_pages.crm import labels as crm_labels
from dashboards.components import kpi, pickers, tables, writes

PAGE = "crm_queue"
PICKER = f"{PAGE}_open"
NOTHING_WAITS = "担当できる依頼（未割当の「対応中」）はありません。"


def sales_select(agency_id: int | None) -> int | None:
    found = crm_api.sales_staff(agency_id=agency_id)["items"]
    staff = {user["user_id"]: f"{user['name']}（{user['agency_name']}）" for user in found}
    return st.selectbox(
        "営業担当者",
        [None, *staff],
        key=f"{PAGE}_sales",
        format_func=lambda i: labels.ALL_LABEL if i is None else staff.get(i, str(i)),
    )


ASSIGNEES = {"": labels.ALL_LABEL, "mine": "自分", "none": common.UNASSIGNED}


def assignee_filter(profile: dict) -> dict[str, Any]:
    """担当者: everyone's, the caller's own or those nobody has taken."""
    chosen = st.selectbox(
        common.ASSIGNEE_COLUMN, list(ASSIGNEES), key=f"{PAGE}_assignee", format_func=ASSIGNEES.__getitem__
    )
    return {"assigned_to": profile["user_id"] if chosen == "mine" else None, "unassigned": chosen == "none" or None}


def take_next() -> None:
    """次の依頼を担当: the caller takes the next request of the queue and its 案件詳細 opens."""
    waiting = crm_api.queue_summary()["unassigned"]
    clicked = st.button(
        f"次の依頼を担当（未割当 {waiting}件）",
        key=f"{PAGE}_take_next",
        type="primary",
        icon=":material/assignment_ind:",
        disabled=not waiting,
        help="未割当の「対応中」の依頼のうち、修正再提出されたものを先に、古い順に1件を自分の担当にして開きます。",
    )
    if not clicked:
        return
    try:
        taken = crm_api.take_next()
    except api.ApiError as exc:
        writes.api_error(exc)
        return
    if taken is None:
        st.info(NOTHING_WAITS)
        return
    writes.flash(common.CASE_PAGE_KEY, f"依頼 #{taken['id']}（{taken['corporation_name']}）を担当しました。")
    tables.on_page(common.CASE_PAGE)(taken)


def filters(profile: dict) -> dict[str, Any]:
    linked = common.linked_period(PAGE, status=(f"{PAGE}_status", str), unread=(f"{PAGE}_unread", kpi.flag))
    top = st.columns(4)
    with top[0]:
        opened_on = "" if linked else crm_labels.OPEN_WORK  # a link shows the statuses it names, or every one
        status = pickers.code_select("ステータス", common.status_choices(), f"{PAGE}_status", default=opened_on)
    with top[1]:
        corporation = st.text_input(
            **fields.search("法人名"), key=f"{PAGE}_corporation", placeholder="法人名の一部"
        ).strip()
    with top[2]:
        agency_id = common.agency_select("代理店", f"{PAGE}_agency", preset=common.linked_agency())
    with top[3]:
        requested_by = sales_select(agency_id)
    bottom = st.columns([2, 1, 1], vertical_alignment="bottom")
    with bottom[0]:
        since, until = common.period_inputs(PAGE)
    with bottom[1]:
        assigned = assignee_filter(profile)
    unread = bottom[2].checkbox("未読ありのみ", key=f"{PAGE}_unread")
    return assigned | {
        "status": status,
        "corporation": corporation,
        "agency_id": agency_id,
        "requested_by": requested_by,
        "since": common.iso(since),
        "until": common.iso(until),
        "unread": unread or None,
        "unread_first": True,
    }


me = common.start(__file__)
take_next()
listed = tables.paginated_table(
    PAGE,
    crm_api.list_requests,
    common.request_row(back_office=True),
    style=common.status_style,
    filters=filters(me),
    export="/crm/requests/export",
    note="（未読 = 営業担当者からの新しいコメント・修正再提出で、あなたがまだ開いていないもの。未読の案件が先頭です）",
    picker=PICKER,
    open_record=tables.on_page(common.CASE_PAGE),
)
if listed["items"]:
    common.open_request(listed["items"], common.CASE_PAGE, PICKER, action="開く")
