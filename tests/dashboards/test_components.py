"""Shared components rendered on their own."""

from datetime import UTC, datetime, timedelta

from streamlit.testing.v1 import AppTest

from dashboards.components.kpi import figure_value
from dashboards.components.timestamps import relative_time


def badges_and_cards() -> None:
    from dashboards.components import badges, kpi, writes

    kpi.kpi_card("未対応アラート", 12, help="重大度が高いもの")
    badges.status_badge("failed", "失敗")
    badges.status_badge("sent", "送信済み")
    badges.status_badge("something-new")
    writes.show_errors(["一つ目", "二つ目"])


def test_kpi_card_and_status_badges_colour_by_status():
    at = AppTest.from_function(badges_and_cards).run()

    assert [(m.label, m.value) for m in at.metric] == [("未対応アラート", "12")]
    badges = [m.value for m in at.markdown]
    assert badges == [":red-badge[失敗]", ":green-badge[送信済み]", ":gray-badge[something-new]"]
    assert [e.value for e in at.error] == ["一つ目", "二つ目"]


def coloured_list() -> None:
    from dashboards import api
    from dashboards.components import tables, writes

    def fetch(page: int, page_size: int, **filters) -> dict:
        numbers = list(range(1, 8))
        return {"items": numbers[(page - 1) * page_size : page * page_size], "total": len(numbers)}

    tables.paginated_table(
        "numbers",
        fetch,
        lambda n: {"番号": n, "偶奇": "偶" if n % 2 == 0 else "奇"},
        page_size=3,
        style=lambda frame: frame.style.map(lambda v: "color: #f97316" if v == "偶" else "", subset=["偶奇"]),
        note="（偶数 = オレンジ）",
    )
    writes.api_error(
        api.ApiError(422, "missing_columns", "CSVの列が足りません", {"rule": "columns", "missing": ["氏名", "電話"]})
    )
    # a refusal whose message names its fields in words: never its fields' internal names beside them
    writes.api_error(
        api.ApiError(422, "site_incomplete", "必須項目を入力してください: 供給地点特定番号", {"missing": ["pps"]})
    )
    # a refused input: its fields named by the words the API sends (label), each once, never by their code names
    refused = [
        {"loc": ["body", "sites", 0, "phone"], "label": "地点（1件目）の電話番号", "rule": "missing"},
        {"loc": ["body", "name"], "label": "氏名", "rule": "missing"},
        {"loc": ["body", "name"], "label": "氏名", "rule": "string_too_long"},
    ]
    writes.api_error(api.ApiError(422, "validation_failed", "入力内容に誤りがあります", refused))


def test_a_paginated_table_with_a_fixed_size_a_style_and_no_csv():
    at = AppTest.from_function(coloured_list).run()

    assert [c.value for c in at.caption] == ["全7件中 1〜3件目（偶数 = オレンジ）"]
    assert at.dataframe[0].value["番号"].tolist() == [1, 2, 3]
    assert "color: #f97316" in at.dataframe[0].proto.arrow_data.styler.styles
    assert not at.selectbox, "a fixed page size has no 表示件数"
    assert not at.get("link_button")
    assert at.get("pagination")[0].num_pages == 3
    assert [e.value for e in at.error] == [
        "CSVの列が足りません（不足している列: 氏名、電話）",
        "必須項目を入力してください: 供給地点特定番号",
        "入力内容に誤りがあります（地点（1件目）の電話番号、氏名）",
    ]

    at.get("pagination")[0].set_value(3).run()
    assert [c.value for c in at.caption] == ["全7件中 7〜7件目（偶数 = オレンジ）"]


def test_relative_time_counts_minutes_hours_and_days():
    now = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
    ago = {seconds: (now - timedelta(seconds=seconds)).isoformat() for seconds in (30, 600, 3 * 3600, 2 * 86400)}
    assert [relative_time(value, now) for value in ago.values()] == ["たった今", "10分前", "3時間前", "2日前"]
    assert relative_time(None, now) == ""


def test_a_median_card_shows_the_spreadsheets_value_to_two_decimals_only_where_it_has_them():
    def card(value: float, unit: str = "minutes") -> str:
        return figure_value({"unit": unit, "value": value, "basis": 4, "counter": "件"})

    assert [card(45.0), card(12.35), card(12.3), card(2.5, "days")] == ["45.0分", "12.35分", "12.3分", "2.5日"]
    assert figure_value({"unit": "minutes", "value": 0.0, "basis": 0, "counter": "件"}) == "—"
