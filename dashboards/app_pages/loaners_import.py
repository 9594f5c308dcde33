"""代替機 › 回答シート取込: the three Google Forms response sheets (CSV exports), keeping their timestamps (admin)."""

import pandas as pd
import streamlit as st

from dashboards import api, auth, components, labels, loaners_api

PAGE = "loaners_import"
POLL_SECONDS = 1
IMPORT_KEY = f"{PAGE}_id"


def sheets() -> dict[str, str]:
    """Form kind -> the name of its Google Forms response sheet."""
    return {kind: f"{label}ステータス収集" for kind, label in loaners_api.vocabulary()["kinds"].items()}


def start(form_kind: str, upload) -> None:
    content = upload.getvalue() if upload else b""
    if not content:
        st.error("取り込むCSVファイルを選択してください。")
        return
    try:
        job = loaners_api.start_import(form_kind, upload.name, content)
    except api.ApiError as exc:
        components.api_error(exc)
        return
    st.session_state[IMPORT_KEY] = job["id"]
    st.rerun()


def rejected_rows(job: dict) -> None:
    if not job["rejected"]:
        return
    st.warning(f"{job['rejected_rows']:,}行は取り込めませんでした。")
    frame = pd.DataFrame(
        [
            {"行": row["row"], "拠点管理番号": row["management_number"], "理由": "、".join(row["errors"])}
            for row in job["rejected"]
        ]
    )
    st.dataframe(frame, hide_index=True)
    st.download_button(
        "取り込めなかった行（CSV）",
        frame.to_csv(index=False).encode("utf-8-sig"),
        file_name=f"loaners_rejected_{job['id']}.csv",
        mime="text/csv",
        key=f"{PAGE}_rejected_csv",
        icon=":material/download:",
    )


def progress(import_id: int) -> None:
    """The job's progress bar while it runs, then what was stored and the rejected rows."""
    job = loaners_api.import_progress(import_id)
    finished = job["status"] in ("done", "failed")
    if not finished:
        components.job_progress(job["status_label"], job["processed_rows"], job["total_rows"])
    elif job["status"] == "failed":
        st.error(f"取込に失敗しました: {labels.plain(job['error'])}")
    else:
        st.success(
            f"取込が完了しました: 全{job['total_rows']:,}行のうち {job['accepted_rows']:,}行を登録しました"
            f"（新しく登録した機器 {job['created_devices']:,}台）。"
        )
    if job["ignored_columns"]:
        st.caption(f"フォームにない列は無視しました: {'、'.join(job['ignored_columns'])}")
    if finished:
        rejected_rows(job)
    if finished and st.session_state.get(f"{PAGE}_polling"):
        st.session_state[f"{PAGE}_polling"] = False
        st.rerun()


auth.require_page(__file__)
st.title("回答シート取込")
st.caption(
    "Googleフォームの回答シート（CSV）を取り込みます。列: タイムスタンプ（yyyy/MM/dd HH:mm:ss、日本時間）・"
    "メールアドレス・0-2.拠点管理番号と各質問の列。タイムスタンプはそのまま履歴に残り、同じ機器・同じタイムスタンプの行は"
    "取り込まれません。"
)
with st.form(f"{PAGE}_form", clear_on_submit=True):
    named = sheets()
    kind = st.selectbox("取込先のフォーム", list(named), format_func=named.get, key=f"{PAGE}_kind")
    upload = components.file_uploader(
        "CSVファイル", type=["csv"], key=f"{PAGE}_file", limit_mb=components.ANSWER_SHEET_MB
    )
    submitted = st.form_submit_button("取込を開始", type="primary")
if submitted:
    start(kind, upload)
if IMPORT_KEY in st.session_state:
    running = loaners_api.import_progress(st.session_state[IMPORT_KEY])["status"] not in ("done", "failed")
    st.session_state[f"{PAGE}_polling"] = running
    st.fragment(progress, run_every=POLL_SECONDS if running else None)(st.session_state[IMPORT_KEY])
