"""入退管理 › バーコードカード: printable cards of the parents' barcodes (Code128 of the id, name above, id below,
and the QR code of the phone barcode link)."""

import streamlit as st

from dashboards import api, auth, entry_logs_api, labels
from dashboards.app_pages import entry_logs_common as common

PAGE = "entry_logs_cards"
PDF_KEY = f"{PAGE}_pdf"


def make_pdf(nursery: dict, class_name: str) -> None:
    """Ask the API for the cards; keep the PDF for the download button, or show why there is none."""
    try:
        content = entry_logs_api.cards_pdf(nursery["id"], class_name)
    except api.ApiError as exc:
        st.session_state.pop(PDF_KEY, None)
        st.error(exc.message)
        return
    st.session_state[PDF_KEY] = {"nursery": nursery["id"], "class": class_name, "content": content}


def file_name(nursery: dict, class_name: str) -> str:
    return f"entry_exit_cards_{nursery['code']}_{class_name or 'all'}.pdf"


user = auth.require_page(__file__)
st.title("バーコードカード")
st.caption(
    "保護者ごとに、保護者名・保護者IDのバーコード（Code128）・保護者IDと、スマホ用バーコードのリンクのQRコードを"
    "載せたカードを作ります。A4用紙1枚に10枚（91×55mm）。印刷して切り離し、保護者に配ってください。"
    "リンクの無効化・再発行は「保護者・園児管理」で行えます。"
)
nursery = common.nursery_choice(user, PAGE)
if nursery is not None:
    classes = [name for name in entry_logs_api.classes(nursery["id"]) if name]
    class_name = st.columns([1, 2])[0].selectbox(
        "クラス",
        ["", *classes],
        key=f"{PAGE}_class",
        format_func=lambda c: c or f"{labels.ALL_LABEL}（園のすべての保護者）",
    )
    if st.button("カードのPDFを作成", key=f"{PAGE}_make", type="primary", icon=":material/picture_as_pdf:"):
        make_pdf(nursery, class_name)
    made = st.session_state.get(PDF_KEY)
    if made and (made["nursery"], made["class"]) == (nursery["id"], class_name):
        st.download_button(
            "PDFをダウンロード",
            made["content"],
            file_name=file_name(nursery, class_name),
            mime="application/pdf",
            key=f"{PAGE}_download",
            icon=":material/download:",
            on_click="ignore",
        )
