"""The log list: list, CSV, delete and archive, and 再登録 (a log recorded by hand)."""
