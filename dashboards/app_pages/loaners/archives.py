"""代替機 › アーカイブ (admin): the submissions the 3-year rotation moved out, readable again.

Every archive the rotation wrote is listed; in a chosen one the service finds the answers of a device, a part of a
拠点管理番号 or a text in the answers (reading the files as they stream, showing the first matches), and the whole
archive downloads as its gzip JSON-lines file.
"""

import streamlit as st

from dashboards import api, auth, components, labels, loaners_api

PAGE = "loaners_archives"
LIMIT = 100
MEGABYTE = 1024 * 1024


def archive_label(archive: dict) -> str:
    size = f"{archive['size_bytes'] / MEGABYTE:.1f} MB"
    return f"ローテーション #{archive['run_id']}（{components.local_time(archive['written_at'])}・{size}）"


def result_row(row: dict) -> dict:
    return {
        "タイムスタンプ": components.local_time(row["submitted_at"]),
        "拠点管理番号": row["management_number"],
        "0-4.ステータス": row["status"] or "",
        "預かり機のステータス": row["held_status"] or "",
        "メールアドレス": row["submitter_email"],
        "回答": "／".join(f"{key}: {value}" for key, value in row["answers"].items()),
    }


def search_fields() -> dict:
    with st.form(f"{PAGE}_search"):
        columns = st.columns(3)
        number = columns[0].text_input("拠点管理番号（一部）", key=f"{PAGE}_number", max_chars=100)
        text = columns[1].text_input("回答に含まれる文字", key=f"{PAGE}_q", max_chars=100)
        device = columns[2].number_input("機器ID", key=f"{PAGE}_device", min_value=1, value=None, step=1)
        submitted = st.form_submit_button("検索", type="primary", icon=":material/search:")
    params = {"number": number.strip(), "q": text.strip(), "device_id": device, "limit": LIMIT}
    return params if submitted else {}


def show_results(name: str, params: dict) -> None:
    try:
        found = loaners_api.search_archive(name, **params)
    except api.ApiError as exc:
        components.api_error(exc)
        return
    st.caption(f"{len(found['items'])}件（{found['scanned_rows']:,}行を読みました）")
    if not found["complete"]:
        st.warning(f"先頭の{LIMIT}件を表示しています。条件を絞って検索してください。")
    if not found["items"]:
        st.info(components.NO_ROWS)
        return
    st.dataframe([result_row(row) for row in found["items"]], hide_index=True)


auth.require_page(__file__)
st.title("アーカイブ")
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
