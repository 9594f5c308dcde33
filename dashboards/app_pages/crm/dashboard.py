"""代理店CRM › ダッシュボード (the admin's home, §3.0): requests by status, today's and this month's numbers, unread
comments, agencies and sales staff, and this month's agencies with the most requests."""

import pandas as pd
import streamlit as st

from dashboards import components, crm_api
from dashboards.app_pages.crm import common

common.start(__file__)
board = crm_api.dashboard()
statuses = common.status_choices()
st.markdown("**投入依頼（全期間・ステータス別）**")
for column, (status, label) in zip(st.columns(len(statuses)), statuses.items(), strict=True):
    with column:
        components.kpi_card(common.status_markdown(status, label), f"{board['requests_by_status'].get(status, 0):,}")
st.markdown("**今日・今月**")
cards = {
    "本日の投入依頼": board["requests_today"],
    "今月の投入依頼": board["requests_this_month"],
    "今月の獲得地点": board["acquired_sites_this_month"],
    "未読コメント": board["unread_comments"],
    "有効な代理店": board["active_agencies"],
    "営業担当者": board["sales_users"],
}
for column, (label, value) in zip(st.columns(len(cards)), cards.items(), strict=True):
    with column:
        components.kpi_card(label, f"{value:,}")
st.markdown("**今月の依頼が多い代理店**")
if board["top_agencies"]:
    st.dataframe(pd.DataFrame([common.metrics_row(row) for row in board["top_agencies"]]), hide_index=True)
else:
    st.info(components.NO_ROWS)
with st.container(horizontal=True):
    st.page_link(common.QUEUE_PAGE, label="投入案件一覧", icon=":material/list_alt:")
    st.page_link(common.METRICS_PAGE, label="代理店別数値", icon=":material/bar_chart:")
