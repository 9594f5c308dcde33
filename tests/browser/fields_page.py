"""A page of every kind of field the dashboards draw, each empty, with Streamlit's own words put in Japanese as on
every page of theirs (components.japanese): tests/browser/test_streamlit_words.py uses each one. Its server runs it
from the repository's root (tests/support/streamlit_browser.py streamlit_process), where `dashboards` is found."""

import streamlit as st

from dashboards.components import japanese

japanese.streamlit_in_japanese()
st.text_input("テキスト", max_chars=20, key="text")
st.text_area("長文", key="long")
st.number_input("数値", min_value=0, value=None, step=1, key="number")
st.date_input("日付", value=None, key="date")
st.time_input("時刻", value=None, key="time")
st.selectbox("選択肢のない選択", [], key="nothing")
st.radio("選択肢のないラジオボタン", [], key="no_radio")
st.text_input("パスワード", type="password", key="password")
with st.form("form"):
    st.text_input("フォームの項目", key="in_form")
    st.form_submit_button("送信")
