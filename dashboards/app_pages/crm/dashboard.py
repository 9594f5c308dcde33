"""代理店CRM › ダッシュボード (the admin's home, §3.0): requests by status, today's and this month's numbers, the
requests with unread news, agencies and sales staff (the named figures of service/crm/metrics/figures.py, each opening
its list), and this month's agencies with the most requests."""

import pandas as pd
import streamlit as st

from dashboards import crm_api
from dashboards.app_pages.crm import common
from dashboards.components import kpi, tables


def card_row(figures: list[dict], *, coloured: bool = False) -> None:
    """A row of figure cards; `coloured` labels each with its status's colour (§4.1)."""
    for column, figure in zip(st.columns(len(figures)), figures, strict=True):
        with column:
            label = common.status_markdown(figure["list_query"]["status"], figure["label"]) if coloured else None
            kpi.figure_card(figure, label=label)


common.start(__file__)
board = crm_api.dashboard()
kpi.figures_stamp(board["figures"])
st.markdown("**投入依頼（ステータス別）**")
card_row(board["by_status"], coloured=True)
st.markdown("**今日・今月**")
card_row(board["figures"])
st.markdown("**今月の依頼が多い代理店**")
if board["top_agencies"]:
    st.dataframe(pd.DataFrame([common.metrics_row(row) for row in board["top_agencies"]]), hide_index=True)
else:
    st.info(tables.NO_ROWS)
with st.container(horizontal=True):
    st.page_link(common.QUEUE_PAGE, label="投入案件一覧", icon=":material/list_alt:")
    st.page_link(common.METRICS_PAGE, label="代理店別数値", icon=":material/bar_chart:")
