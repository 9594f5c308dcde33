"""予約 › 運用マニュアル (§3): the twelve items of the training material as the service keeps them, each read here
(the operators' manual first) and downloaded as a PDF, grouped by whom they are for (ご依頼者向け, 提携店向け,
運営担当者向け: the shop manuals go to partner shops; the requester FAQ is also a public page linked from the SMS)."""

import streamlit as st

from dashboards import auth, reservations_api

PAGE = "reservations_manual"
FIRST = "operator-manual"


def downloads(manuals: list[dict]) -> None:
    """Each audience's PDFs on a row of their own."""
    audiences = dict.fromkeys(m["audience_label"] for m in manuals)
    for audience in audiences:
        st.markdown(f"**{audience}**")
        theirs = [m for m in manuals if m["audience_label"] == audience]
        for column, manual in zip(st.columns(len(theirs)), theirs, strict=True):
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
    """The manual without its first heading (the page's caption says it)."""
    first, _, rest = markdown.partition("\n")
    return rest if first.startswith("# ") else markdown


auth.require_page(__file__)
manuals = reservations_api.manuals()
titles = {m["name"]: m["title"] for m in manuals}
st.title("運用マニュアル")
chosen = st.selectbox(
    "表示するマニュアル",
    list(titles),
    index=list(titles).index(FIRST),
    format_func=lambda name: titles[name],
    key=f"{PAGE}_shown",
)
shown = reservations_api.manual(chosen or FIRST)
st.caption(shown["title"])
st.caption("PDFをダウンロード")
downloads(manuals)
st.divider()
st.markdown(body_of(shown["markdown"]))
