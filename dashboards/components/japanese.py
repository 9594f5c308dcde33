"""Japanese in place of the English words of Streamlit's own frontend, on every page (streamlit_app.py draws it first):
the style for what it shows (the file uploader's, the status widget's, the tables' toolbars: assets/streamlit_ja.css),
the script for what only a script can change (the words it writes into attributes, a field's 「Press Enter to apply」,
an empty date field's 「yyyy / mm / dd」, a number field's range error: assets/streamlit_ja.js), in a container kept
off the page (streamlit_ja.css)."""

from pathlib import Path

import streamlit as st

ASSETS = Path(__file__).resolve().parent.parent / "assets"
STYLE = ASSETS / "streamlit_ja.css"
SCRIPT = ASSETS / "streamlit_ja.js"
SCRIPT_KEY = "streamlit_ja"


def streamlit_in_japanese() -> None:
    st.html(STYLE)
    with st.container(key=SCRIPT_KEY):
        st.html(f"<script>{SCRIPT.read_text()}</script>", unsafe_allow_javascript=True)
