"""入退管理 › 園内にいる保護者: parents who came in today and have not left yet, refreshed every few seconds. After the
nursery's closing time they are 退出記録なし; staff record a forgotten exit with each parent's 「退出を記録」, which
asks for the time the parent left (now unless changed) and a second click."""

from datetime import datetime, time

import pandas as pd
import streamlit as st

from dashboards import auth, clock, entry_logs_api, labels
from dashboards.app_pages.entry_logs import common
from dashboards.components import kpi, timestamps, writes

PAGE = "entry_logs_present"
REFRESH_SECONDS = 15
EXITING = f"{PAGE}_exiting"  # the parent whose exit is being confirmed: {parentId, parentName, enteredAt}
EXIT_TIME = f"{PAGE}_exit_time"
EXIT_DEFAULT = f"{PAGE}_exit_default"  # now, when 「退出を記録」 was pressed: the time field's starting value
EXIT_REASON = f"{PAGE}_exit_reason"


def stay(entered: datetime, now: datetime) -> str:
    """How long a parent has been inside: 5分, 1時間20分."""
    minutes = max(0, int((now - entered).total_seconds() // 60))
    return f"{minutes // 60}時間{minutes % 60}分" if minutes >= 60 else f"{minutes}分"


def present_row(parent: dict, now: datetime) -> dict:
    entered = timestamps.local_datetime(parent["enteredAt"])
    return {
        common.headers("parent")["name"]: parent["parentName"],
        "状態": entry_logs_api.vocabulary()["missingExitMark"] if parent["missingExit"] else "",
        "入園時刻": f"{entered:%H:%M:%S}",
        "園内にいる時間": stay(entered, now),
        "園児": "、".join(parent["childNames"]),
        "保護者ID": parent["parentId"],
    }


def closing_note(present: dict) -> None:
    """The nursery's closing time, and a warning once it has passed with parents still inside."""
    closing, missing = present["closingTime"], sum(p["missingExit"] for p in present["parents"])
    if closing is None:
        st.caption("閉園時刻は未設定です（「園情報編集」で設定できます）。")
    elif missing:
        st.warning(
            f"閉園時刻（{closing}）を過ぎても退出記録のない保護者が{missing}人います。"
            "園内にいないことを確かめて「退出を記録」してください。",
            icon=":material/warning:",
        )
    else:
        st.caption(f"閉園時刻: {closing}")


def exit_button(parent: dict) -> None:
    """One parent's 「退出を記録」 (keyed by the parent's id, never by a label that a write changes): it opens the
    confirmation below the page's title, with the time the parent left set to now."""
    name = labels.plain(parent["parentName"])
    entered = timestamps.local_datetime(parent["enteredAt"])
    text, action = st.columns([4, 1], vertical_alignment="center")
    text.markdown(f"{name}　入園 {entered:%H:%M}")
    if action.button("退出を記録", key=f"{PAGE}_exit_{parent['parentId']}", icon=":material/logout:"):
        st.session_state[EXITING] = {key: parent[key] for key in ("parentId", "parentName", "enteredAt")}
        st.session_state[EXIT_DEFAULT] = clock.now().time().replace(second=0, microsecond=0)
        for key in (EXIT_TIME, EXIT_REASON):  # the fields start again
            st.session_state.pop(key, None)
        st.rerun(scope="app")


def cancel_exit() -> None:
    st.session_state.pop(EXITING, None)


def exit_moment(left: time) -> str:
    """The time chosen today, in Japan time, as ISO text."""
    return datetime.combine(clock.today(), left, tzinfo=clock.JAPAN_TIME).isoformat()


def exit_confirmation(nursery_id: int) -> None:
    """When did the parent leave? (now unless changed; today, not before their entry) then 記録する or キャンセル."""
    parent = st.session_state.get(EXITING)
    if parent is None:
        return
    name = labels.plain(parent["parentName"])
    entered = timestamps.local_datetime(parent["enteredAt"])
    with st.form(f"{PAGE}_exit_form", border=True):
        st.warning(f"**{name}** さん（入園 {entered:%H:%M}）の退出を記録します。退出した時刻を確かめてください。")
        left = st.time_input("退出時刻（今日）", st.session_state[EXIT_DEFAULT], key=EXIT_TIME, step=60)
        st.text_input("メモ（任意）", key=EXIT_REASON, max_chars=entry_logs_api.rules()["noteMax"])
        with st.container(horizontal=True):
            confirmed = st.form_submit_button("この時刻で退出を記録する", type="primary", icon=":material/logout:")
            st.form_submit_button("キャンセル", on_click=cancel_exit)
    if confirmed:
        writes.act(
            PAGE,
            lambda: record_exit(nursery_id, parent["parentId"], left),
            f"{name} さんの退出を{left:%H:%M}で記録しました。",
        )


def record_exit(nursery_id: int, parent_id: int, left: time) -> None:
    entry_logs_api.record_exit(nursery_id, parent_id, exit_moment(left), st.session_state[EXIT_REASON].strip())
    cancel_exit()


@st.fragment(run_every=REFRESH_SECONDS)
def present_panel(nursery_id: int) -> None:
    present = entry_logs_api.present_parents(nursery_id)
    parents = present["parents"]
    now = clock.now()
    figure = entry_logs_api.figures(nursery_id)["present"]
    kpi.figure_card(figure)
    kpi.figures_stamp([figure])
    closing_note(present)
    if parents:
        st.dataframe(pd.DataFrame([present_row(p, now) for p in parents]), hide_index=True, height="content")
        with st.expander("退出を記録（スキャンし忘れた保護者）", expanded=present["closingTimePassed"]):
            st.caption("退出した時刻を確かめて記録します。記録者として、あなたのログインIDが残ります（手入力）。")
            for parent in parents:
                exit_button(parent)
    else:
        st.info("いま園内にいる保護者はいません。")
    st.caption(f"{REFRESH_SECONDS}秒ごとに自動で更新されます（最終更新 {now:%H:%M:%S}）。")


user = auth.require_page(__file__)
st.title("園内にいる保護者")
writes.show_flash(PAGE)
nursery = common.nursery_choice(user, PAGE)
if nursery is not None:
    common.alerts(nursery["id"], PAGE)
    exit_confirmation(nursery["id"])
    present_panel(nursery["id"])
