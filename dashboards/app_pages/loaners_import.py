"""代替機 › 回答シート取込."""

import streamlit as st

from dashboards import auth

auth.require_page(__file__)
st.title("回答シート取込")
