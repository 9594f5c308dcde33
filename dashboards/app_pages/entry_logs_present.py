"""入退管理 › 園内にいる保護者: parents who came in today and have not left yet, refreshed every few seconds."""

from datetime import datetime

import pandas as pd
import streamlit as st

from dashboards import auth, components, entry_logs_api
from dashboards.app_pages import entry_logs_common as common

PAGE = "entry_logs_present"
REFRESH_SECONDS = 15


def stay(entered: datetime, now: datetime) -> str:
    """How long a parent has been inside: 5分, 1時間20分."""
    minutes = max(0, int((now - entered).total_seconds() // 60))
    return f"{minutes // 60}時間{minutes % 60}分" if minutes >= 60 else f"{minutes}分"


def present_row(parent: dict, now: datetime) -> dict:
    entered = components.local_datetime(parent["enteredAt"])
    return {
        "保護者名": parent["parentName"],
        "入園時刻": f"{entered:%H:%M:%S}",
        "園内にいる時間": stay(entered, now),
        "園児": "、".join(parent["childNames"]),
        "保護者ID": parent["parentId"],
    }


@st.fragment(run_every=REFRESH_SECONDS)
def present_panel(nursery_id: int) -> None:
    parents = entry_logs_api.present_parents(nursery_id)
    now = datetime.now(components.LOCAL_TZ)
    components.kpi_card(
        "園内にいる保護者", f"{len(parents)}人", help="今日「入」を記録し、まだ「出」を記録していない保護者"
    )
    if parents:
        st.dataframe(pd.DataFrame([present_row(p, now) for p in parents]), hide_index=True, height="content")
    else:
        st.info("いま園内にいる保護者はいません。")
    st.caption(f"{REFRESH_SECONDS}秒ごとに自動で更新されます（最終更新 {now:%H:%M:%S}）。")


user = auth.require_page(__file__)
st.title("園内にいる保護者")
nursery = common.nursery_choice(user, PAGE)
if nursery is not None:
    present_panel(nursery["id"])
