"""入退管理 › バーコードカード: printable cards of the parents' barcodes (Code128 of the id, name above, id below,
and the QR code of the phone barcode link). The worker makes the PDF: the page follows the class's latest job (asked
for here or in another session: the API keeps it), then offers its file."""

import streamlit as st

from dashboards import api, auth, entry_logs_api, labels
from dashboards.app_pages.entry_logs import common
from dashboards.components import layout

PAGE = "entry_logs_cards"
POLLING_KEY = f"{PAGE}_polling"
POLL_SECONDS = 1
FINISHED = ("ready", "failed")


def start(nursery: dict, class_name: str) -> None:
    """Ask the API for the cards (the job being made answers a repeat), or show why there are none."""
    try:
        entry_logs_api.request_cards(nursery["id"], class_name)
    except api.ApiError as exc:
        st.error(exc.message)


def progress(nursery_id: int, job_id: int) -> None:
    """The progress bar while the worker draws the cards, then the download (or why it failed)."""
    job = entry_logs_api.card_job(nursery_id, job_id)
    if job["status"] == "ready":
        st.download_button(
            "PDFをダウンロード",
            entry_logs_api.card_file(nursery_id, job_id),
            file_name=job["fileName"],
            mime="application/pdf",
            key=f"{PAGE}_download",
            icon=":material/download:",
            on_click="ignore",
        )
    elif job["status"] == "failed":
        st.error(f"カードのPDFを作成できませんでした: {labels.plain(job['error'])}")
    else:
        layout.job_progress(job["statusLabel"], job["pagesDone"], job["pagesTotal"], unit="ページ")
    if job["status"] in FINISHED and st.session_state.get(POLLING_KEY):
        st.session_state[POLLING_KEY] = False
        st.rerun()


user = auth.require_page(__file__)
st.title("バーコードカード")
st.caption(
    "保護者ごとに、保護者名・保護者IDのバーコード（Code128）・保護者IDと、スマホ用バーコードのリンクのQRコードを"
    "載せたカードを作ります。A4用紙1枚に10枚（91×55mm）。印刷して切り離し、保護者に配ってください。"
    "PDFはサーバーで順に作成され、できあがるとダウンロードできます（1日保管）。"
    "リンクの無効化・再発行は「保護者・園児管理」で行えます。"
)
nursery = common.nursery_choice(user, PAGE)
if nursery is not None:
    classes = [name for name in entry_logs_api.classes(nursery["id"]) if name]
    class_name = st.columns([1, 2])[0].selectbox(
        common.field("child", "class_name").label,
        ["", *classes],
        key=f"{PAGE}_class",
        format_func=lambda c: c or f"{labels.ALL_LABEL}（園のすべての保護者）",
    )
    if st.button("カードのPDFを作成", key=f"{PAGE}_make", type="primary", icon=":material/picture_as_pdf:"):
        start(nursery, class_name)
    latest = next(iter(entry_logs_api.card_jobs(nursery["id"], class_name)), None)
    if latest is not None:
        running = latest["status"] not in FINISHED
        st.session_state[POLLING_KEY] = running
        st.fragment(progress, run_every=POLL_SECONDS if running else None)(nursery["id"], latest["id"])
