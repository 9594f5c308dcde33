"""Views (§2.3.2, §3.1): NORMAL, AUDIT and SUMMARY driven by the data types, and their named figures."""
