"""Daichō dashboards: one multipage Streamlit app that reads and writes only through the service API."""
