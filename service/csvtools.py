"""CSV in and out for files from and to Japanese tools; no written cell runs as a spreadsheet formula.

The writer quotes every text cell and leaves numbers, dates and times bare (RFC 4180 allows quotes on any field): a
spreadsheet import that takes a quoted field as text (LibreOffice Calc's
「引用符で囲まれたフィールドをテキストとして扱う」) keeps every code whole (a 22-digit 供給地点特定番号, the postcode
part 0001). No CSV survives Excel's double-click import (0001 becomes 1) without changing what the file says: the lists'
Excel download (service/exports.py) is the file for spreadsheets."""

import csv
import io
import unicodedata
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from itertools import chain
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from service.config import get_settings
from service.errors import ValidationFailed

ENCODINGS = ("utf-8-sig", "cp932")
CSV_FORMAT = "CSVの{row}行目・{column}列目を読めません: {reason}"
LONE_CR = '改行文字（CR）だけの改行があります（改行を含むセルは「"」で囲んでください）'
TOO_LONG = "セルが長すぎます（{limit}文字まで）"
FORMULA_STARTS = frozenset("=+-@")  # a formula's first character, after any leading blanks
CONTROL_STARTS = frozenset("\t\r")  # a cell starting with one is guarded whatever follows
FORMAT = "Cf"  # Unicode format characters (zero-width, bidi controls): invisible, skipped like blanks
GUARD = "'"
CSV_BOM = "\ufeff"  # Excel reads UTF-8 only with it
UTF8, SHIFT_JIS = "utf-8", "shift_jis"
ENCODER = {UTF8: "utf-8", SHIFT_JIS: "cp932"}  # Shift_JIS as Windows and Excel write it (NEC and IBM extensions)
CSV_MEDIA_TYPES = {UTF8: "text/csv; charset=utf-8", SHIFT_JIS: "text/csv; charset=Shift_JIS"}
NOT_SHIFT_JIS = "「{character}」はShift_JISで書けません（UTF-8のCSVかExcel形式でダウンロードしてください）"
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"  # in the service's zone
YES_NO_CELL = "a yes-or-no cell is written in its column's words (exports.declared, exports.yes_no), never True/False"


def decode_csv(data: bytes) -> str:
    """As exports from Japanese spreadsheets come."""
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationFailed(
        "CSVの文字コードを判別できません（UTF-8またはShift_JISのCSVを指定してください）",
        details={"field": "file", "rule": "encoding"},
        code="csv_unreadable",
    )


class CsvRows:
    """A text's CSV records, each read only as far as it goes: after one, `offset` is the character the next begins at,
    so a later read starts there without reading those above. One the csv module cannot read is a 422 naming its row
    (line) and column."""

    def __init__(self, text: str, offset: int = 0) -> None:
        self._text, self._start, self.offset, self._read = text, offset, offset, offset
        self._reader = csv.reader(self._lines())  # one line at a time, as io.StringIO splits them (on "\n" only)

    def _lines(self) -> Iterator[str]:
        """The csv reader asks for a line only when its record goes on: once it returns one, `_read` is its end."""
        text = self._text
        while (position := self._read) < len(text):
            self._read = text.find("\n", position) + 1 or len(text)
            yield text[position : self._read]

    def __iter__(self) -> "CsvRows":
        return self

    def __next__(self) -> list[str]:
        first_line = self._reader.line_num + 1
        try:
            row = next(self._reader)
        except csv.Error as exc:
            raise _unreadable(self._text, self._start, first_line, self._reader.line_num, exc) from exc
        self.offset = self._read
        return row


def _unreadable(text: str, start: int, first_line: int, line: int, exc: csv.Error) -> ValidationFailed:
    """A lone carriage return, a cell over the size limit (lines counted from `start`, the text's line numbered)."""
    above = text.count("\n", 0, start)
    record = "\n".join(text[start:].split("\n")[first_line - 1 : line])
    column, reason = _problem(record)
    return ValidationFailed(
        CSV_FORMAT.format(row=above + line, column=column, reason=reason or str(exc)),
        details={"field": "file", "rule": "csv_format", "row": above + line, "column": column},
        code="csv_unreadable",
    )


def _problem(record: str) -> tuple[int, str]:
    """1-based."""
    column, length, quoted, limit = 1, 0, False, csv.field_size_limit()
    for index, char in enumerate(record):
        if char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            column, length = column + 1, 0
            continue
        elif char == "\r" and not quoted and record[index + 1 : index + 2] not in ("\n", ""):
            return column, LONE_CR
        length += 1
        if length > limit:
            return column, TOO_LONG.format(limit=limit)
    return column, ""


def runs_as_formula(text: str) -> bool:
    """Whether a spreadsheet may run the cell as a formula (CSV injection, OWASP's rules): it starts with a tab or a
    carriage return, or its first visible character, after blanks, line breaks and format characters, is =, +, - or @
    (` =1+1`, `\n=1+1` and `\u200b@x` run as well as `=1+1`)."""
    if text[:1] in CONTROL_STARTS:
        return True
    visible = text.lstrip()
    while visible and unicodedata.category(visible[0]) == FORMAT:
        visible = visible[1:].lstrip()
    return visible[:1] in FORMULA_STARTS


def spreadsheet_safe(value: Any) -> str:
    """One that could (`runs_as_formula`) gets an apostrophe in front; None is an empty cell."""
    text = "" if value is None else str(value)
    return GUARD + text if runs_as_formula(text) else text


def spreadsheet_text(cell: str) -> str:
    return cell[1:] if cell[:1] == GUARD and runs_as_formula(cell[1:]) else cell


class _Bare(str):
    """A spreadsheet reads a date only from a bare field: QUOTE_NONNUMERIC leaves bare whatever has `__float__` (Python
    3.12's QUOTE_STRINGS says the same directly). Never converted."""

    def __float__(self) -> float:
        raise TypeError("a date's text is no number")


EMPTY = _Bare("")


def csv_cell(value: Any) -> Any:
    """A date as 2026-11-24, a time as 2026-11-24 07:04:56 in the service's zone; True/False is refused (its column's
    words belong there)."""
    if isinstance(value, str):
        return GUARD + value if runs_as_formula(value) else value
    if value is None:
        return EMPTY
    if isinstance(value, datetime):
        return _Bare(value.astimezone(ZoneInfo(get_settings().timezone)).strftime(TIME_FORMAT))
    if isinstance(value, date):
        return _Bare(value.isoformat())
    if isinstance(value, bool):
        raise TypeError(YES_NO_CELL)
    if isinstance(value, int | float | Decimal):
        return value
    return spreadsheet_safe(value)


def write_rows(out: TextIO, rows: Iterable[Iterable[Any]]) -> None:
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_NONNUMERIC)
    writer.writerows([csv_cell(cell) for cell in row] for row in rows)


def csv_lines(rows: Iterable[Iterable[Any]]) -> str:
    """The piece a streamed export yields per batch."""
    out = io.StringIO()
    write_rows(out, rows)
    return out.getvalue()


def csv_line(cells: Iterable[Any]) -> str:
    return csv_lines([cells])


def encoded(text: str, encoding: str) -> bytes:
    """A character Shift_JIS has not is refused by name (422), never replaced."""
    try:
        return text.encode(ENCODER[encoding])
    except UnicodeEncodeError as exc:
        character = exc.object[exc.start : exc.end]
        raise ValidationFailed(
            NOT_SHIFT_JIS.format(character=character),
            details={"field": "encoding", "rule": "shift_jis", "character": character},
            code="not_shift_jis",
        ) from exc


def file_start(encoding: str) -> str:
    """Excel reads UTF-8 only with the BOM."""
    return CSV_BOM if encoding == UTF8 else ""


def csv_bytes(header: Iterable[str], rows: Iterable[Iterable[Any]], encoding: str = UTF8) -> bytes:
    out = io.StringIO()
    out.write(file_start(encoding))
    write_rows(out, chain([header], rows))
    return encoded(out.getvalue(), encoding)
