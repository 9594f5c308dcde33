"""A list's whole file, for paginated_table's lists and a page's own."""

from collections.abc import Mapping
from typing import Any

import streamlit as st

from dashboards import api

CSV_LABEL = "CSVダウンロード"
CSV_HELP = "条件に一致する全{total:,}件をダウンロードします"
# A list's downloads (the export's `format` and `encoding`): label, query, what the file is for (after the list's help)
DOWNLOADS: tuple[tuple[str, dict[str, str], str], ...] = (
    (
        CSV_LABEL,
        {},
        "CSV（UTF-8）。Excelで直接開くと長い番号（供給地点特定番号・法人番号など）や先頭の0が崩れます。"
        "Excelで使うときは「Excel（.xlsx）」をお使いください",
    ),
    ("Excel（.xlsx）", {"format": "xlsx"}, "Excelの形式。番号・電話番号は文字列、日時は日付、金額は数値のまま開けます"),
    (
        "CSV（Shift_JIS）",
        {"encoding": "shift_jis"},
        "古いExcelや基幹システム向けのShift_JISのCSV。Shift_JISにない文字（𠮷など）があるとダウンロードできません",
    ),
)


def csv_link(key: str, export: str, filters: Mapping[str, Any], *, help: str) -> None:  # noqa: A002 - Streamlit's word
    """The service streams every row the filters select (the browser signs the download in with its session cookie),
    however many pages the list has."""
    for index, (label, choice, note) in enumerate(DOWNLOADS):
        st.link_button(
            label,
            api.export_url(export, **filters, **choice),
            help=f"{help}（{note}）",
            icon=":material/download:",
            key=f"{key}_{index}" if index else key,
            width="stretch",
        )
