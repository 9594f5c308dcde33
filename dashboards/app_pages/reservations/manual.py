"""予約 › 運用マニュアル (§3.3): the operators' manual as the service keeps it, and every manual of §3 as a PDF to
download (the shop manual and FAQ go to partner shops; the requester FAQ is also a public page linked from the SMS)."""

import streamlit as st

from dashboards import auth, reservations_api

PAGE = "reservations_manual"
SHOWN = "operator-manual"


def downloads() -> None:
    columns = st.columns(len(manuals := reservations_api.manuals()))
    for column, manual in zip(columns, manuals, strict=True):
        with column:
            st.download_button(
                manual["title"],
                reservations_api.manual_pdf(manual["name"]),
                file_name=f"qrv-{manual['name']}.pdf",
                mime="application/pdf",
                key=f"{PAGE}_{manual['name']}",
                icon=":material/picture_as_pdf:",
            )


def body_of(markdown: str) -> str:
    """The manual without its first heading (the page's title says it)."""
    first, _, rest = markdown.partition("\n")
    return rest if first.startswith("# ") else markdown


auth.require_page(__file__)
shown = reservations_api.manual(SHOWN)
st.title("運用マニュアル")
st.caption(shown["title"])
st.caption("PDFをダウンロード")
downloads()
st.divider()
st.markdown(body_of(shown["markdown"]))
