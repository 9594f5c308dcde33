"""代替機 › 回答シート取込: the three Google Forms response sheets (the clerk's .xlsx or a CSV) brought across as
history (staff of a 管轄: its locations' devices only, other rows refused by the location's name; admins: every 管轄).

A sheet whose required columns are named otherwise waits for the mapping step (components/imports.py), then goes
again with it. The job reads the file, checks it (a dry run: what each row will do), then 取り込む imports it, keeping
timestamps and submitters; each step shows its progress. Every import is listed (who, when, which file, its rows taken
/ duplicate / unreadable / 管轄外 / 確認待ち, its state); a click opens it, a checked one with its 取り込む, a finished
one with its 確認待ち rows to register as new or as the known device, and the address keeps the open one
(?import=<id>), so leaving the page forgets nothing.
"""

import pandas as pd
import streamlit as st

from dashboards import api, auth, labels, loaners_api
from dashboards.app_pages.loaners import common as loaners_common
from dashboards.components import imports, tables, timestamps, uploaders, writes

PAGE = "loaners_import"
POLL_SECONDS = 1
IMPORT_KEY = f"{PAGE}_id"
IMPORT_PARAM = "import"
MAPPING_KEY = f"{PAGE}_mapping"
RUNNING = ("reading", "checking", "queued", "running")


def sheets() -> dict[str, str]:
    """Form kind -> the name of its Google Forms response sheet."""
    return {kind: f"{label}ステータス収集" for kind, label in loaners_api.vocabulary()["kinds"].items()}


def send(upload: imports.Upload, columns: str | None) -> dict:
    return loaners_api.check_import(upload.extra["form_kind"], upload.name, upload.content, columns)


def check(form_kind: str, upload) -> None:
    content = upload.getvalue() if upload else b""
    if not content:
        st.error("取り込むファイルを選択してください。")
        return
    job = imports.send(MAPPING_KEY, imports.Upload(upload.name, content, {"form_kind": form_kind}), send)
    if job is not None:
        checking(job)


def checking(job: dict) -> None:
    choose(job["id"])
    st.rerun()


def choose(import_id: int) -> None:
    """Open an import: kept in the session and in the page's address."""
    st.session_state[IMPORT_KEY] = import_id
    st.query_params[IMPORT_PARAM] = str(import_id)


def chosen() -> int | None:
    """The open import: the address's (a link, a page opened again), else the session's."""
    raw = st.query_params.get(IMPORT_PARAM, "")
    if raw.isdigit():
        st.session_state[IMPORT_KEY] = int(raw)
    return st.session_state.get(IMPORT_KEY)


def listed_row(job: dict) -> dict:
    return {
        "ID": job["id"],
        "取込日時": timestamps.local_time(job["created_at"]),
        "取込者": job["created_by"],
        "ファイル名": job["filename"],
        "取込先のフォーム": job["form_label"],
        "行数": job["total_rows"],
        "取り込む行": job["taken_rows"],
        "重複": job["duplicate_rows"],
        "読み取れない": job["unreadable_rows"],
        "管轄外": job["outside_rows"],
        "確認待ち": job["held_rows"],
        "状態": job["status_label"],
    }


def history() -> None:
    st.subheader("取込の履歴")
    st.caption("行をクリックすると、その取込を開きます（確認済みの取込はここから「取り込む」を押せます）。")
    tables.paginated_table(
        f"{PAGE}_list",
        loaners_api.imports,
        listed_row,
        export="/loaners/imports.csv",
        open_record=lambda job: choose(job["id"]),
    )


def run(import_id: int) -> None:
    try:
        loaners_api.run_import(import_id)
    except api.ApiError as exc:
        writes.api_error(exc)
        return
    st.session_state[f"{PAGE}_polling"] = True
    st.rerun()


def table(frame: pd.DataFrame, name: str, job: dict) -> None:
    st.dataframe(frame, hide_index=True)
    st.download_button(
        f"{name}（CSV）",
        frame.to_csv(index=False).encode("utf-8-sig"),
        file_name=f"loaners_{name}_{job['id']}.csv",
        mime="text/csv",
        key=f"{PAGE}_{name}_csv",
        icon=":material/download:",
    )


def dry_run(job: dict) -> None:
    """What each row will do (the first rows of each outcome are listed), then 取り込む."""
    st.info(
        f"全{job['total_rows']:,}行: 取り込む {job['planned_rows']:,}行"
        f"（新しく登録する機器 {job['planned_devices']:,}台）・"
        f"重複 {job['duplicate_rows']:,}行・読み取れない {job['unreadable_rows']:,}行・"
        f"管轄外 {job['outside_rows']:,}行・確認待ち {job['held_rows']:,}行。"
        "必須の質問が後から加わった古い行も、回答されたとおり履歴として取り込みます。"
    )
    number = loaners_common.headers("device")["management_number"]
    frame = pd.DataFrame(
        [
            {
                "行": row["row"],
                "タイムスタンプ": row["timestamp"],
                number: row["management_number"],
                "結果": row["outcome_label"],
                "新規機器": "新規登録" if row["new_device"] else "",
                "理由・今のフォームとの違い": "、".join(row["reasons"]),
            }
            for row in job["plan"]
        ],
        columns=["行", "タイムスタンプ", number, "結果", "新規機器", "理由・今のフォームとの違い"],
    )
    table(frame, "取込前確認", job)
    if st.button("取り込む", type="primary", key=f"{PAGE}_run", disabled=not job["planned_rows"]):
        run(job["id"])


def refused_at_import(job: dict) -> int:
    """Every row the import refused, as its list of them holds them: those still refused (`rejected_rows`) and the
    held ones a person resolved since, which stay listed with their resolution."""
    return job["rejected_rows"] + sum("resolution" in row for row in job["rejected"])


def rejected_rows(job: dict) -> None:
    if not job["rejected"]:
        return
    st.warning(f"{job['rejected_rows']:,}行は取り込みませんでした。")
    imports.listed_in_part(len(job["rejected"]), refused_at_import(job))
    number = loaners_common.headers("device")["management_number"]
    frame = pd.DataFrame(
        [
            {
                "行": row["row"],
                number: row["management_number"],
                "結果": row.get("resolution_label") or row.get("outcome_label", ""),
                "理由": "、".join(row["errors"]),
            }
            for row in job["rejected"]
        ]
    )
    table(frame, "取り込まなかった行", job)


def resolve(import_id: int, row: int, resolution: str) -> None:
    try:
        loaners_api.resolve_held_row(import_id, row, resolution)
    except api.ApiError as exc:
        writes.api_error(exc)
        return
    st.rerun()


def held_rows(job: dict) -> None:
    """The 確認待ち rows not resolved yet: the person says which device each is (新規として登録 / 既存を更新)."""
    waiting = {row["row"]: row for row in job["rejected"] if row["outcome"] == "held" and "resolution" not in row}
    if not waiting:
        return
    words = loaners_api.vocabulary()["held_resolutions"]
    with st.container(border=True, key=f"{PAGE}_held"):
        st.subheader("確認待ちの行")
        row = st.selectbox(
            "行",
            list(waiting),
            format_func=lambda r: f"{r}行目 {waiting[r]['management_number']}",
            key=f"{PAGE}_held_row",
        )
        st.caption(labels.plain(waiting[row]["errors"][0]))
        new, existing = st.columns(2)
        if new.button(words["new"], key=f"{PAGE}_held_new"):
            resolve(job["id"], row, "new")
        if existing.button(f"{words['existing']}（{waiting[row]['known_number']}）", key=f"{PAGE}_held_existing"):
            resolve(job["id"], row, "existing")


def finished(job: dict) -> None:
    if job["status"] == "failed":
        st.error(f"取込に失敗しました: {labels.plain(job['error'])}")
    else:
        st.success(
            f"取込が完了しました: 全{job['total_rows']:,}行のうち {job['accepted_rows']:,}行を履歴に追加しました"
            f"（新しく登録した機器 {job['created_devices']:,}台）。"
        )
    rejected_rows(job)
    held_rows(job)


def progress(import_id: int) -> None:
    """The job's progress bar while it runs, then the dry run's table or what was stored."""
    job = loaners_api.import_progress(import_id)
    if job["status"] in RUNNING:
        done = job["checked_rows"] if job["status"] == "checking" else job["processed_rows"]
        imports.progress(job["status"], job["status_label"], job["filename"], done, job["total_rows"])
    elif job["status"] == "checked":
        dry_run(job)
    else:
        finished(job)
    if job["ignored_columns"]:
        st.caption(f"フォームにない列は無視します: {'、'.join(job['ignored_columns'])}")
    if job["status"] not in RUNNING and st.session_state.get(f"{PAGE}_polling"):
        st.session_state[f"{PAGE}_polling"] = False
        st.rerun()


user = auth.require_page(__file__)
st.title("回答シート取込")
st.caption(
    f"Googleフォームの回答シート（{imports.FILE_KINDS}）を履歴として取り込みます。表題の行があっても構いません。"
    "列: タイムスタンプ（2026/11/8 14:30、2026年11月8日 14:30 など、日本時間）・メールアドレス・0-2.拠点管理番号と"
    "各質問の列。列名が違うときは、どの列にあたるかを選べます。まず各行をどう取り込むかを確認し、よければ「取り込む」を"
    "押します。タイムスタンプと回答者はそのまま残り、同じ機器・同じタイムスタンプの行は重複として取り込まれません。"
    "台帳の機器と製造番号が1文字だけ違う行は、打ち間違いかどうかを確かめるまで取り込みません（確認待ち）。"
    "取込の後、行ごとに「既存を更新」か「新規として登録」を選べます。"
)
own = auth.tenant_scope(user, "loaners")
if own:
    st.caption(
        f"取り込めるのは管轄（{labels.plain(own)}）の拠点の機器だけです。ほかの管轄の行は拠点名を示して取り込みません。"
    )
with st.form(f"{PAGE}_form", clear_on_submit=True):
    named = sheets()
    kind = st.selectbox("取込先のフォーム", list(named), format_func=named.__getitem__, key=f"{PAGE}_kind")
    upload = uploaders.file_uploader(
        "回答シートのファイル", type=imports.TYPES, key=f"{PAGE}_file", limit_mb=uploaders.ANSWER_SHEET_MB
    )
    submitted = st.form_submit_button("取込前に確認", type="primary")
if submitted:
    check(kind, upload)
if mapped := imports.mapping_step(MAPPING_KEY, send):
    checking(mapped)
import_id = chosen()
if import_id is not None:
    try:
        opened = loaners_api.import_progress(import_id)
    except api.ApiError as exc:
        writes.api_error(exc)
    else:
        st.subheader(f"{labels.plain(opened['filename'])}（#{opened['id']}）")
        running = opened["status"] in RUNNING
        st.session_state[f"{PAGE}_polling"] = running
        st.fragment(progress, run_every=POLL_SECONDS if running else None)(import_id)
history()
