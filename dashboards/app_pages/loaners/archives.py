"""代替機 › アーカイブ (admin): the 3-year rotation, previewed and started here, and the submissions it moved out,
readable again.

The rotation's preview says what a run started now would archive (and whether the 4-weekly run is due); 「ローテーショ
ンを開始」 starts one (the page follows it while it runs). Every archive the rotation wrote is listed; in a chosen one
the service finds the answers of a device, a part of a 拠点管理番号 or a text in the answers (reading the files as they
stream, showing the first matches), and the whole archive downloads as its gzip JSON-lines file.
"""

import streamlit as st

from dashboards import api, auth, fields, labels, loaners_api
from dashboards.app_pages.loaners import common as loaners_common
from dashboards.components import kpi, tables, timestamps, writes

PAGE = "loaners_archives"
LIMIT = 100
MEGABYTE = 1024 * 1024
POLL_SECONDS = 2


def latest_run() -> None:
    run = loaners_api.latest_rotation()
    if run is None:
        st.caption("ローテーションはまだ実行されていません。")
        return
    finished = timestamps.local_time(run["finished_at"]) if run["finished_at"] else "-"
    st.caption(
        f"前回のローテーション #{run['id']}: {run['status_label']}・{run['archived_rows']:,}件をアーカイブ"
        f"（開始 {timestamps.local_time(run['started_at'])}・{labels.plain(run['started_by'])}、終了 {finished}）"
    )
    if run["error"]:
        st.error(labels.plain(run["error"]))


def rotation() -> None:
    """The preview, the last run and the start button; polls while a run is running."""
    preview = loaners_api.rotation_preview()
    columns = st.columns(3)
    with columns[0]:
        kpi.kpi_card("アーカイブ対象の回答", f"{preview['rows']:,}件")
    with columns[1]:
        kpi.kpi_card("基準日時（これより前）", timestamps.local_time(preview["cutoff"]))
    with columns[2]:
        oldest = timestamps.local_time(preview["oldest_at"]) if preview["oldest_at"] else "-"
        kpi.kpi_card("最も古い回答", oldest)
    st.caption(
        "3年を過ぎた回答をアーカイブに移します（各機器の最新の回答は残ります）。4週間ごとに自動で実行されます"
        + ("（次回の自動実行の時期です）。" if preview["due"] else "。")
    )
    latest_run()
    if preview["running"]:
        st.info("ローテーションを実行中です。")
        return
    writes.confirm_then_act(
        PAGE,
        f"{PAGE}_rotate",
        confirm=f"{preview['rows']:,}件の回答をアーカイブに移します",
        label="ローテーションを開始",
        call=loaners_api.start_rotation,
        success="ローテーションを開始しました。",
        icon=":material/archive:",
    )


def archive_label(archive: dict) -> str:
    size = f"{archive['size_bytes'] / MEGABYTE:.1f} MB"
    return f"ローテーション #{archive['run_id']}（{timestamps.local_time(archive['written_at'])}・{size}）"


def result_row(row: dict) -> dict:
    head = loaners_common.headers("device")
    return {
        "タイムスタンプ": timestamps.local_time(row["submitted_at"]),
        head["management_number"]: row["management_number"],
        head["status"]: row["status"] or "",
        head["held_status"]: row["held_status"] or "",
        "メールアドレス": row["submitter_email"],
        "回答": "／".join(f"{key}: {value}" for key, value in row["answers"].items()),
    }


def search_fields() -> dict:
    with st.form(f"{PAGE}_search"):
        columns = st.columns(3)
        number = columns[0].text_input(**fields.search("拠点管理番号（一部）"), key=f"{PAGE}_number")
        text = columns[1].text_input(**fields.search("回答に含まれる文字"), key=f"{PAGE}_q")
        device = columns[2].number_input("機器ID", key=f"{PAGE}_device", min_value=1, value=None, step=1)
        submitted = st.form_submit_button("検索", type="primary", icon=":material/search:")
    params = {"number": number.strip(), "q": text.strip(), "device_id": device, "limit": LIMIT}
    return params if submitted else {}


def show_results(name: str, params: dict) -> None:
    try:
        found = loaners_api.search_archive(name, **params)
    except api.ApiError as exc:
        writes.api_error(exc)
        return
    st.caption(f"{len(found['items'])}件（{found['scanned_rows']:,}行を読みました）")
    if not found["complete"]:
        st.warning(f"先頭の{LIMIT}件を表示しています。条件を絞って検索してください。")
    if not found["items"]:
        st.info(tables.NO_ROWS)
        return
    st.dataframe([result_row(row) for row in found["items"]], hide_index=True)


auth.require_page(__file__)
st.title("アーカイブ")
writes.show_flash(PAGE)
st.subheader("ローテーション")
running = loaners_api.rotation_preview()["running"]
st.fragment(rotation, run_every=POLL_SECONDS if running else None)()
st.subheader("アーカイブの検索")
st.caption("3年を過ぎてローテーションで移された回答です。アーカイブを選んで検索し、ファイルをダウンロードできます。")
archives = {archive["name"]: archive for archive in loaners_api.archives()}
if not archives:
    st.info("アーカイブはまだありません。")
    st.stop()
chosen = st.selectbox(
    "アーカイブ", list(archives), format_func=lambda name: archive_label(archives[name]), key=f"{PAGE}_chosen"
)
st.link_button(
    "アーカイブをダウンロード（.jsonl.gz）",
    loaners_api.archive_download_url(chosen),
    icon=":material/download:",
    help=f"{labels.plain(chosen)}: {archives[chosen]['files']}ファイル",
)
params = search_fields()
if params:
    show_results(chosen, params)
