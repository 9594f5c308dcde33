"""代替機 › マスタ管理."""

import streamlit as st

from dashboards import auth

auth.require_page(__file__)
st.title("マスタ管理")
