"""端末管理 › 端末詳細: a terminal's state, cpu/memory/disk over 24 h / 7 d / 30 d, its history, remote operations."""

from functools import partial

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboards import api, auth, fleet_api, formats, labels
from dashboards.app_pages.fleet import common as fleet_common
from dashboards.components import badges, kpi, pickers, tables, timestamps, writes

PAGE = "fleet_terminal"
RANGES = {"24h": "24時間", "7d": "7日間", "30d": "30日間"}
# The agent measures the store PC it runs on: the TC-200 reports no load of its own.
METRICS = {"cpu": "店舗PC CPU使用率", "memory": "店舗PCメモリ使用率", "disk": "店舗PCディスク使用率"}
PC_LOAD_NOTE = "CPU・メモリ・ディスクは端末を接続した店舗PCの値です（TC-200本体の値ではありません）。"
METRIC_COLOURS = {"cpu": "#1f5fa8", "memory": "#7b1fa2", "disk": "#00897b"}
ENROLL_COMMAND = "python -m agent enroll --code {code}"
RESTART_ASK = "再起動してよいことを確認"
RESTARTED = "再起動を依頼しました。端末の次回の通信で実行され、結果はコマンドの履歴とイベントに出ます。"
RESTART_NOTE = (
    "決済アプリを再起動します。通信中の端末にだけ送れます（メンテナンス中の端末も、通信していれば送れます）。"
)


def _show_picked() -> None:
    st.query_params["id"] = str(st.session_state[f"{PAGE}_pick"])


def chosen_terminal_id() -> int | None:
    """The terminal in the address (?id=…), or the one picked from a search."""
    raw = st.query_params.get("id", "")
    with st.expander("端末を検索", expanded=not raw, icon=":material/search:"):
        query = st.text_input("シリアル番号・設置店舗名・会社名", key=f"{PAGE}_q").strip()
        found = fleet_api.list_terminals(q=query, page_size=20)["items"] if query else []
        by_id = {t["id"]: t for t in found}
        if query and not by_id:
            st.caption("該当する端末はありません。")
        if by_id:
            st.selectbox(
                "端末",
                list(by_id),
                index=None,
                key=f"{PAGE}_pick",
                on_change=_show_picked,
                placeholder="端末を選択",
                format_func=lambda i: fleet_common.terminal_label(by_id[i]),
            )
    return int(raw) if raw.isdigit() else None


def header(terminal: dict) -> None:
    place = f"{labels.plain(terminal['company_name'])} - {labels.plain(terminal['store_name'])}"
    st.subheader(f"{labels.plain(terminal['serial_number'])}（{place}）")
    status = terminal["status"]
    colour = fleet_common.STATUS_COLOURS.get(status, "gray")
    enrolled = ":green-badge[エージェント登録済み]" if terminal["enrolled"] else ":gray-badge[エージェント未登録]"
    alerts = f":{'red' if terminal['open_alerts'] else 'gray'}-badge[未解決アラート {terminal['open_alerts']}件]"
    st.markdown(f":{colour}-badge[{terminal['status_label']}] {enrolled} {alerts}")


def state(terminal: dict) -> None:
    columns = st.columns(4)
    last = terminal["last_heartbeat_at"]
    with columns[0]:
        kpi.kpi_card("最終通信", timestamps.relative_time(last) or "未通信", help=timestamps.local_time(last))
    for column, (key, label) in zip(columns[1:], METRICS.items(), strict=True):
        with column:
            kpi.kpi_card(label, fleet_common.usage(terminal, key))
    installed = formats.day(terminal["installed_date"]) or "-"
    st.caption(
        f"ファームウェア {terminal['firmware_version']} ／ エージェント {terminal['agent_version'] or '-'} ／ "
        f"通信間隔 {terminal['interval_seconds']}秒 ／ 設置日 {installed} ／ "
        f"最終通信 {timestamps.local_time(last) or '-'}"
    )
    st.caption(PC_LOAD_NOTE)
    if terminal["error_message"]:
        st.warning(f"端末が報告したエラー: {labels.plain(terminal['error_message'])}")


def metric_figure(points: list[dict], key: str, hourly: bool) -> go.Figure:
    """One metric over time in Japan time; hourly series also show each hour's maximum."""
    times = [timestamps.local_datetime(p["at"]) for p in points]
    figure = go.Figure()
    colour = METRIC_COLOURS[key]
    figure.add_scatter(
        x=times, y=[p[key] for p in points], mode="lines", name="平均" if hourly else "計測値", line={"color": colour}
    )
    if hourly:
        figure.add_scatter(
            x=times,
            y=[p[f"{key}_max"] for p in points],
            mode="lines",
            name="最大",
            line={"color": colour, "dash": "dot"},
        )
    figure.update_layout(
        title={"text": METRICS[key], "font": {"size": 14}},
        height=260,
        margin={"l": 0, "r": 0, "t": 40, "b": 0},
        xaxis={"tickformat": "%m/%d %H:%M"},
        yaxis={"range": [0, 100], "ticksuffix": "%"},
        legend={"orientation": "h", "y": -0.2},
        hovermode="x unified",
    )
    return figure


def charts(terminal_id: int) -> None:
    range_key = st.segmented_control(
        "期間", list(RANGES), format_func=RANGES.__getitem__, default="24h", required=True, key=f"{PAGE}_range"
    )
    series = fleet_api.metrics(terminal_id, range_key)
    if not series["points"]:
        st.info(f"直近{RANGES[range_key]}の計測値はありません。")
        return
    hourly = series["resolution"] == "hour"
    for column, key in zip(st.columns(3), METRICS, strict=True):
        with column:
            st.plotly_chart(metric_figure(series["points"], key, hourly), key=f"{PAGE}_chart_{key}")
    if hourly:
        st.caption("7日間・30日間は1時間ごとの平均と最大です。")


@st.fragment(run_every=fleet_common.REFRESH_SECONDS)
def live_panel(terminal_id: int) -> None:
    state(fleet_api.get_terminal(terminal_id))
    charts(terminal_id)


def event_row(event: dict) -> dict:
    return {
        "発生日時": timestamps.local_time(event["occurred_at"]),
        "レベル": labels.label(fleet_api.words("event_levels"), event["level"]),
        "種類": labels.label(fleet_api.words("event_kinds"), event["kind"]),
        "メッセージ": event["message"],
        "受信日時": timestamps.local_time(event["received_at"]),
    }


def events(terminal_id: int) -> None:
    level = pickers.code_select("レベル", fleet_api.words("event_levels"), f"{PAGE}_event_level")
    tables.paginated_table(
        f"{PAGE}_events",
        fleet_api.list_events,
        event_row,
        filters={"terminal_id": terminal_id, "level": level},
        export=f"/fleet/terminals/{terminal_id}/events/export",
    )


def update_tasks(terminal_id: int) -> None:
    tasks = fleet_api.list_update_tasks(terminal_id)
    if not tasks:
        st.caption("ファームウェア更新の履歴はありません。")
        return
    version = fleet_common.headers("firmware_release")["version"]
    rows = [
        {
            "ロールアウト": t["rollout_id"],
            version: t["version"],
            "波": t["wave"],
            "状態": t["status_label"],
            "進捗": f"{t['progress']}%",
            "メッセージ": t["message"],
            "開始": timestamps.local_time(t["started_at"]),
            "期限": timestamps.local_time(t["deadline_at"]),
            "完了": timestamps.local_time(t["finished_at"]),
        }
        for t in tasks
    ]
    states = badges.word_colours(fleet_api.words("task_statuses"), fleet_common.TASK_STATUS_COLOURS)
    st.dataframe(badges.status_cells(pd.DataFrame(rows), "状態", states), hide_index=True)


def commands(terminal_id: int) -> None:
    types, statuses = fleet_api.words("command_types"), fleet_api.words("command_statuses")
    rows = [
        {
            "ID": c["id"],
            "種類": labels.label(types, c["type"]),
            "状態": labels.label(statuses, c["status"]),
            "進捗": f"{c['progress']}%",
            "メッセージ": c["message"],
            "依頼日時": timestamps.local_time(c["created_at"]),
            "配信日時": timestamps.local_time(c["sent_at"]),
            "完了日時": timestamps.local_time(c["finished_at"]),
        }
        for c in fleet_api.list_commands(terminal_id)
    ]
    if rows:
        states = badges.word_colours(statuses, fleet_common.COMMAND_STATUS_COLOURS)
        st.dataframe(badges.status_cells(pd.DataFrame(rows), "状態", states), hide_index=True)
    else:
        st.caption("端末へのコマンドはまだありません。")
    for diagnostic in fleet_api.list_diagnostics(terminal_id):
        title = f"診断ログ {timestamps.local_time(diagnostic['collected_at'])}（{len(diagnostic['lines'])}行）"
        with st.expander(title, icon=":material/description:"):
            st.code("\n".join(diagnostic["lines"]), language=None)


def history(terminal_id: int) -> None:
    tabs = st.tabs(["イベント", "アラート", "ファームウェア更新", "コマンド・診断ログ"])
    with tabs[0]:
        events(terminal_id)
    with tabs[1]:
        tables.paginated_table(
            f"{PAGE}_alerts",
            fleet_api.list_alerts,
            fleet_common.alert_row(),
            filters={"terminal_id": terminal_id},
            export="/fleet/alerts/export",
            style=fleet_common.alert_style,
        )
    with tabs[2]:
        update_tasks(terminal_id)
    with tabs[3]:
        commands(terminal_id)


def diagnostics_form(terminal: dict) -> None:
    if not terminal["enrolled"]:
        st.caption("エージェントが未登録のため、診断ログは取得できません。先に登録コードを発行してください。")
        return
    served = fleet_api.vocabulary()["diagnostic_lines"]  # what the API takes
    with st.form(f"{PAGE}_diagnostics"):
        lines = st.number_input(
            "取得する行数",
            min_value=served["min"],
            max_value=served["max"],
            value=served["default"],
            step=100,
            key=f"{PAGE}_diagnostic_lines",
        )
        submitted = st.form_submit_button("診断ログを取得", icon=":material/troubleshoot:")
    if submitted:
        writes.act(
            PAGE,
            lambda: fleet_api.request_diagnostics(terminal["id"], int(lines)),
            "診断ログの取得を依頼しました。端末の次回の通信で送られます。",
        )


def interval_form(terminal: dict) -> None:
    """The heartbeat interval: the agent takes it with its next heartbeat; offline follows from it."""
    interval = fleet_api.vocabulary()["interval_seconds"]  # what the API takes
    low, high = interval["min"], interval["max"]
    with st.form(f"{PAGE}_interval"):
        seconds = st.number_input(
            f"通信間隔（秒、{low}〜{high}）",
            min_value=low,
            max_value=high,
            value=min(max(terminal["interval_seconds"], low), high),
            step=30,
            key=f"{PAGE}_interval_seconds_{terminal['id']}",
        )
        submitted = st.form_submit_button("通信間隔を変更", icon=":material/timer:")
    if submitted:
        writes.act(
            PAGE,
            lambda: fleet_api.set_interval(terminal["id"], int(seconds)),
            f"通信間隔を{int(seconds)}秒に変更しました。端末の次回の通信で反映されます。",
            changed=int(seconds) != terminal["interval_seconds"],
        )


def maintenance(terminal: dict) -> None:
    entering = terminal["status"] != "maintenance"
    label = "メンテナンスを開始" if entering else "メンテナンスを終了"
    st.caption("メンテナンス中は監視の対象外となり、未解決のアラートは解決済みになります。")
    if st.button(label, key=f"{PAGE}_maintenance", icon=":material/build:"):
        writes.act(PAGE, lambda: fleet_api.set_maintenance(terminal["id"], entering), f"{label}しました。")


def restart(terminal: dict) -> None:
    """再起動, asked first: it stops the terminal's payments for a while (the vocabulary's words for it)."""
    interrupts = fleet_api.vocabulary()["terminal_bulk_disruptive"]["restart"]
    st.caption(f"{RESTART_NOTE}{interrupts}")
    if not terminal["enrolled"]:
        st.caption("エージェントが未登録のため、再起動できません。")
        return
    call = partial(fleet_api.restart, terminal["id"])
    writes.confirm_then_act(PAGE, f"{PAGE}_restart", confirm=RESTART_ASK, label="再起動", call=call, success=RESTARTED)


def enrollment(terminal: dict) -> None:
    issued = st.session_state.get(f"{PAGE}_code")
    if issued and issued["terminal_id"] == terminal["id"]:
        expires = timestamps.local_time(issued["expires_at"])
        st.success(f"登録コード（有効期限 {expires}）。この画面でのみ表示されます。店舗PCで次のコマンドを実行します。")
        st.code(ENROLL_COMMAND.format(code=issued["code"]), language="bash")
    if st.button(
        "登録コードを発行",
        key=f"{PAGE}_enroll",
        icon=":material/key:",
        help="エージェントの初回登録に使う一回限りのコードです。以前の未使用のコードは無効になります。",
    ):
        try:
            result = fleet_api.issue_enrollment_code(terminal["id"])
        except api.ApiError as exc:
            writes.api_error(exc)
            return
        st.session_state[f"{PAGE}_code"] = result | {"terminal_id": terminal["id"]}
        st.rerun()
    if not terminal["enrolled"]:
        return
    writes.confirm_then_act(
        PAGE,
        f"{PAGE}_revoke",
        confirm="トークンの失効を確認",
        label="トークンを失効",
        call=lambda: fleet_api.revoke_token(terminal["id"]),
        success="端末トークンを失効させました。",
        icon=":material/block:",
        help="失効させると、この端末は登録コードで再登録するまで通信できません。",
    )


def operations(terminal: dict) -> None:
    st.subheader("操作")
    columns = st.columns(3, gap="large")
    with columns[0]:
        st.markdown("**リモート診断**")
        diagnostics_form(terminal)
        if terminal["enrolled"]:
            interval_form(terminal)
    with columns[1]:
        st.markdown("**メンテナンス**")
        maintenance(terminal)
        st.markdown("**再起動**")
        restart(terminal)
    with columns[2]:
        st.markdown("**エージェントの登録**")
        enrollment(terminal)


def load(terminal_id: int) -> dict | None:
    try:
        return fleet_api.get_terminal(terminal_id)
    except api.ApiError as exc:
        if exc.status != 404:
            raise
        st.warning("指定された端末は見つかりません。端末一覧から選び直してください。")
        return None


user = auth.require_page(__file__)
st.title("端末詳細")
fleet_common.ingest_banner()
writes.show_flash(PAGE)
chosen = chosen_terminal_id()
terminal = load(chosen) if chosen is not None else None
if chosen is None:
    st.info("端末一覧から端末を選ぶか、上の検索から端末を探してください。")
if terminal:
    header(terminal)
    live_panel(terminal["id"])
    if fleet_common.may(user, fleet_common.OPERATOR):
        operations(terminal)
    st.subheader("履歴")
    history(terminal["id"])
