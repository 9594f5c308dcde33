"""The one CSV reader of every import (records as lists, unreadable records a 422 naming their line and column) and
the one writer of every CSV the service writes (no cell runs as a spreadsheet formula)."""

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from service.csvtools import SHIFT_JIS, CsvRows, csv_bytes, csv_line, spreadsheet_safe, spreadsheet_text
from service.errors import ValidationFailed


def refusal(text: str) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as caught:
        list(CsvRows(text))
    return caught.value


def test_crlf_and_quoted_line_breaks_are_read():
    assert list(CsvRows('a,b\r\n1,"x\r\ny"\r\n2,"p\rq"\n')) == [["a", "b"], ["1", "x\r\ny"], ["2", "p\rq"]]


def test_a_lone_carriage_return_names_its_line_and_column():
    error = refusal('a,b,c\n1,"multi\nline",ok\n2,x,y\rz\n')
    assert (error.code, error.details) == (
        "csv_unreadable",
        {"field": "file", "rule": "csv_format", "row": 4, "column": 3},
    )
    assert error.message.startswith("CSVの4行目・3列目を読めません: 改行文字（CR）")


def test_an_over_long_cell_names_its_line_and_column():
    error = refusal("a,b\n1," + "x" * (csv.field_size_limit() + 1) + "\n")
    assert error.details == {"field": "file", "rule": "csv_format", "row": 2, "column": 2}
    assert "セルが長すぎます" in error.message


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_the_writer_keeps_every_cell_from_running_as_a_formula(start):
    text = csv_bytes(["名前", start + "cmd"], [[start + "SUM(A1)", None, 7]]).decode("utf-8")
    assert text.startswith("\ufeff") and text.endswith("\r\n")
    assert list(csv.reader(io.StringIO(text[1:]))) == [
        ["名前", "'" + start + "cmd"],
        ["'" + start + "SUM(A1)", "", "7"],
    ]


@pytest.mark.parametrize(
    "cell",
    [" =1+1", "\n=1+1", "\r\n+1", "\t@x", "\u3000-1", "  \n @SUM(A1)", "\u200b=1", "\u202e\u00a0=cmd", "\ufeff@x"],
)
def test_a_formula_after_blanks_line_breaks_or_invisible_characters_is_guarded(cell):
    """Spreadsheets skip leading blanks and line breaks before a formula: the guard looks past them too."""
    assert spreadsheet_safe(cell) == "'" + cell
    assert spreadsheet_text(spreadsheet_safe(cell)) == cell


@pytest.mark.parametrize("cell", ["", "  ", "1+1", "a=1", " x=1", "\n\nメモ", "山田 = 太郎"])
def test_text_that_cannot_run_is_written_as_it_is(cell):
    assert spreadsheet_safe(cell) == cell
    assert spreadsheet_text(cell) == cell


def test_a_streamed_line_is_written_as_the_whole_file_writes_it():
    assert csv_line(["=1+1", "ok", 'say "hi"']) == '"\'=1+1","ok","say ""hi"""\r\n'


def test_text_is_quoted_and_numbers_dates_and_times_are_bare():
    """A reader reads the same values either way; an import taking quoted fields as text keeps every code whole."""
    cells = ["0001", "0333780938269903123456", 42, -3, 1.5, Decimal("2.50"), None]
    times = [date(2026, 11, 24), datetime(2026, 11, 23, 22, 4, 56, tzinfo=UTC)]  # a time in Japan time
    assert csv_line(cells + times) == (
        '"0001","0333780938269903123456",42,-3,1.5,2.50,,2026-11-24,2026-11-24 07:04:56\r\n'
    )


def test_a_bare_true_or_false_is_refused_its_columns_words_belong_there():
    with pytest.raises(TypeError, match="never True/False"):
        csv_line(["有効", True])


def test_shift_jis_writes_what_windows_writes_and_refuses_a_character_it_has_not_by_name():
    assert csv_bytes(["髙橋", "①"], [], SHIFT_JIS) == '"髙橋","①"\r\n'.encode("cp932")  # no BOM in Shift_JIS
    with pytest.raises(ValidationFailed) as refused:
        csv_bytes(["名前"], [["吉田"], ["𠮷田"]], SHIFT_JIS)
    assert refused.value.message.startswith("「𠮷」はShift_JISで書けません")
    assert (refused.value.status_code, refused.value.code) == (422, "not_shift_jis")
    assert refused.value.details == {"field": "encoding", "rule": "shift_jis", "character": "𠮷"}
