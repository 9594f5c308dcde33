"""Dashboard pages, run by Streamlit as scripts (a package so the import contracts see them)."""
