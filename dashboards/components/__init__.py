"""Shared pieces every page uses, so a domain's pages never write their own; one module for each kind: kpi (number
and figure cards), badges (status colours), timestamps (API times in Japan time), writes (act and its messages),
pickers (selects), uploaders, tables (paged lists), exports (a list's download links), layout (a section's home,
expanders, a job's progress) and japanese (Streamlit's own words in Japanese).
"""
