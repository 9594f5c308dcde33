"""Files people keep, read as every import reads them: a workbook or a CSV in any of the encodings Japanese tools
write, its header below a title, its columns by name however spaced or mapped, its rows numbered as the sheet numbers
them, its dates as people type them."""

import io
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook

from service import tabular
from service.errors import ValidationFailed

TOKYO = ZoneInfo("Asia/Tokyo")
COLUMNS = tabular.Columns(("タイムスタンプ", "0-2.拠点管理番号", "メモ"), ("タイムスタンプ", "0-2.拠点管理番号"))


def workbook(*rows: list) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("2026年11月8日 14:30", datetime(2026, 11, 8, 14, 30, tzinfo=TOKYO)),
        ("2026年11月8日 14時30分", datetime(2026, 11, 8, 14, 30, tzinfo=TOKYO)),
        ("2026/11/8", datetime(2026, 11, 8, tzinfo=TOKYO)),
        ("２０２６/１１/１５", datetime(2026, 11, 15, tzinfo=TOKYO)),
        ("２０２６／１１／１５　１０：０５", datetime(2026, 11, 15, 10, 5, tzinfo=TOKYO)),
        ("2026-11-08T14:30:05", datetime(2026, 11, 8, 14, 30, 5, tzinfo=TOKYO)),
        ("2026/11/08(日) 9:05", datetime(2026, 11, 8, 9, 5, tzinfo=TOKYO)),
    ],
)
def test_dates_are_read_as_people_type_them(typed, read):
    assert tabular.read_datetime(typed, TOKYO) == read


def test_a_date_without_its_year_takes_the_year_given_and_is_refused_without_one():
    assert tabular.read_date("11/8", year=2026) == date(2026, 11, 8)
    assert tabular.read_date("11月8日", year=2025) == date(2025, 11, 8)
    with pytest.raises(ValueError, match="年がありません"):
        tabular.read_datetime("11/8 14:30", TOKYO)
    for unreadable in ("昨日", "2026/13/1", "2026/2/30 10:00"):
        with pytest.raises(ValueError, match="2026/11/8 14:30"):
            tabular.read_datetime(unreadable, TOKYO)


def test_a_workbook_below_its_title_keeps_its_row_numbers_and_its_date_cells():
    data = workbook(
        ["回答一覧（11月）"],
        [],
        ["タイムスタンプ", "0-2. 拠点管理番号", "ＭＥＭＯ", "ほか"],
        [datetime(2026, 11, 8, 14, 30), "A_1", 818613.0, "x"],
        [],
        [date(2026, 11, 9), "A_2", 1.5, ""],
        [time(9, 5), "", None, None],
    )
    table = tabular.read_table(tabular.sheet_text(data), COLUMNS)
    assert (table.header_row, table.ignored) == (3, ["ＭＥＭＯ", "ほか"])
    assert [(row.number, row.values) for row in table.rows()] == [
        (4, {"タイムスタンプ": "2026/11/08 14:30:00", "0-2.拠点管理番号": "A_1"}),
        (6, {"タイムスタンプ": "2026/11/09", "0-2.拠点管理番号": "A_2"}),
        (7, {"タイムスタンプ": "09:05:00", "0-2.拠点管理番号": ""}),
    ]
    assert table.count() == 3 and [row.number for row in table.records(1, 5)] == [6, 7]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932"])
def test_a_csv_in_each_encoding_is_read_the_same(encoding):
    text = "表題,,\nタイムスタンプ,0-2.拠点管理番号,メモ\n\n2026/11/8 14:30,ＯＰＴ１,髙橋\n"
    table = tabular.read_table(tabular.sheet_text(text.encode(encoding)), COLUMNS)
    assert [(row.number, row.values) for row in table.rows()] == [
        (4, {"タイムスタンプ": "2026/11/8 14:30", "0-2.拠点管理番号": "ＯＰＴ１", "メモ": "髙橋"})
    ]


def test_columns_named_otherwise_are_asked_for_then_mapped_and_the_stored_text_names_them():
    text = "日時,番号\n2026/11/8,A_1\n"
    with pytest.raises(tabular.ColumnsUnmatched) as unmatched:
        tabular.read_table(text, COLUMNS)
    assert unmatched.value.details | {"expected": None} == {
        "field": "file",
        "rule": "columns",
        "row": 1,
        "missing": ["タイムスタンプ", "0-2.拠点管理番号"],
        "columns": ["日時", "番号"],
        "expected": None,
        "required": ["タイムスタンプ", "0-2.拠点管理番号"],
    }
    mapping = tabular.parse_mapping('{"日時": "タイムスタンプ", "番号": "0-2.拠点管理番号"}')
    table = tabular.read_table(text, COLUMNS, mapping)
    again = tabular.read_table(table.named_text(), COLUMNS)  # as a job reads the stored text, without the mapping
    assert [row.values for row in again.rows()] == [{"タイムスタンプ": "2026/11/8", "0-2.拠点管理番号": "A_1"}]
    for bad in ("[1]", "not json", '{"日時": "受付番号"}'):
        with pytest.raises(ValidationFailed) as refused:
            tabular.read_table(text, COLUMNS, tabular.parse_mapping(bad))
        assert refused.value.details == {"field": "columns", "rule": "mapping"}


def test_an_old_excel_file_and_a_damaged_workbook_are_refused_in_japanese():
    with pytest.raises(ValidationFailed, match="xlsx"):
        tabular.sheet_text(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    with pytest.raises(ValidationFailed, match="Excelファイルを読めません"):
        tabular.sheet_text(b"PK\x03\x04 not a workbook")
    with pytest.raises(ValidationFailed, match="行がありません"):
        tabular.read_table("\n,,\n", COLUMNS)


def test_a_requests_head_of_a_workbook_is_its_rows_a_header_may_sit_in_and_finds_the_header_as_the_whole_does():
    data = workbook(
        ["回答一覧"], ["タイムスタンプ", "0-2.拠点管理番号"], *([f"2026/11/{day}", f"A_{day}"] for day in range(1, 31))
    )
    head = tabular.sheet_head(data)
    assert len(head.splitlines()) == tabular.HEADER_SEARCH_ROWS
    whole = tabular.read_table(tabular.sheet_text(data), COLUMNS)
    assert tabular.read_table(head, COLUMNS).positions == whole.positions and whole.count() == 30
    csv = "タイムスタンプ,0-2.拠点管理番号\n" + "2026/11/1,A_1\n" * 30
    assert tabular.sheet_head(csv.encode()) == csv  # a CSV is decoded whole: quick, and its encoding checked
