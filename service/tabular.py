"""Files people keep, read as tables by every import: an Excel workbook's first sheet (.xlsx) or a CSV (UTF-8 with or
without its BOM, or Shift_JIS as Excel writes it).

A file becomes CSV text with one record per sheet row (`sheet_text`), blank and title rows kept, so each row keeps the
number the spreadsheet shows (a job stores that text, and each step reads its rows from where the step before
stopped: `Table.read` from a `Place`); a request reads only the rows a header may sit in (`sheet_head`), leaving a
workbook's conversion to its job. Its header is the first of the first rows that names the most expected columns, so
title rows above it are passed over; a column is matched by its name as a person writes it (NFKC, spaces and case
ignored), by an alias, or by the mapping the person chose when a name differs (`ColumnsUnmatched` answers with the
file's columns and the expected ones for that step). Dates are read in the forms people type them (`read_datetime`,
`read_date`); every refusal names the row, the column and what to do."""

import csv
import io
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, tzinfo
from itertools import islice
from typing import Annotated, Any

from pydantic import Field

from service.csvtools import CsvRows, decode_csv
from service.errors import ValidationFailed
from service.schemas import SingleLine

XLSX_START = b"PK\x03\x04"  # a zip: the workbook's package
XLS_START = b"\xd0\xcf\x11\xe0"  # the old binary workbook (.xls)
HEADER_SEARCH_ROWS = 20  # title rows a header may sit below
CELL_TIME = "%Y/%m/%d %H:%M:%S"  # an Excel date cell as the stored text reads it back
CELL_DATE = "%Y/%m/%d"
OLD_EXCEL = "古いExcel形式（.xls）は読めません。Excelで「.xlsx」形式かCSVで保存し直してください"
NOT_A_WORKBOOK = "Excelファイルを読めません（{reason}）。Excelで開けることを確かめ、「.xlsx」形式で保存し直してください"
EMPTY_FILE = "ファイルに行がありません。見出しの行と、取り込む行のあるファイルを選んでください"
UNMATCHED = (
    "{row}行目の見出しに{missing}の列が見つかりません。"
    "ファイルのどの列がそれにあたるかを選んでください（列名を直して取り込み直すこともできます）"
)
BAD_MAPPING = "列の対応づけを読めません: {reason}。ファイルの列と取込の列を選び直してください"
CELL_PROBLEM = "「{column}」列の「{value}」: {reason}"
COLUMN_PROBLEM = "「{column}」列: {reason}"  # a value not worth repeating (an invisible character's)
DATE_TIME_HINT = "日時として読めません（2026/11/8 14:30、2026年11月8日 14:30 のように年・月・日と時刻を書いてください）"
DATE_HINT = "日付として読めません（2026/11/8、2026年11月8日、11/8 のように書いてください）"
NO_YEAR = "年がありません（2026/11/8 のように年から書いてください）"
COLUMNS_FIELD = 'the mapping step\'s answer, as JSON: {"the file\'s column": "the expected column"}'
MAPPING_LENGTH = 10_000  # characters of a mapping's JSON
# An import's `columns` form field: one line of text without control characters, as every request's
MappingText = Annotated[str, Field(max_length=MAPPING_LENGTH), SingleLine]
SAME_AS = "{row}行目と同じ内容です（同じ行が2回あります。どちらか一方を消してください）"
# 2026/11/8, 2026-11-08, 2026.11.8, 2026年11月8日, 11/8, 11月8日; a weekday in brackets; then a time: 14:30, 14:30:05,
# 14時30分 (full-width digits and signs read NFKC first)
DATE_TIME = re.compile(
    r"^(?:(?P<year>\d{4})\s*[年/.-]\s*)?(?P<month>\d{1,2})\s*[月/.-]\s*(?P<day>\d{1,2})\s*日?"
    r"\s*(?:\([^)]{1,3}\))?"
    r"(?:(?:\s+|T)(?P<hour>\d{1,2})\s*[:時]\s*(?P<minute>\d{1,2})\s*分?(?:\s*:?\s*(?P<second>\d{1,2})\s*秒?)?)?$"
)


def sheet_text(data: bytes) -> str:
    """The file as CSV text, a record per sheet row: a workbook's first sheet with its date cells as 2026/11/08 14:30:00
    (a value is never a formula's: its last computed value), a CSV as it came."""
    if data.startswith(XLS_START):
        raise ValidationFailed(OLD_EXCEL, details={"field": "file", "rule": "file_type"}, code="file_unreadable")
    if data.startswith(XLSX_START):
        return _workbook_text(data)
    return decode_csv(data)


def sheet_head(data: bytes) -> str:
    """As sheet_text, only as far as a header may sit (a workbook's first rows; a CSV is decoded whole, which is
    quick): what a request reads to ask for the mapping step, leaving the whole file to a job."""
    if data.startswith(XLSX_START):
        return _workbook_text(data, HEADER_SEARCH_ROWS)
    return sheet_text(data)


def _workbook_text(data: bytes, rows: int | None = None) -> str:
    """Its first rows only, when given."""
    from openpyxl import load_workbook  # with numpy and Pillow: only when a workbook comes

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerows([_cell_text(v) for v in row] for row in sheet.iter_rows(max_row=rows, values_only=True))
    except Exception as exc:  # a zip that is no workbook, a damaged one: openpyxl raises many kinds
        raise ValidationFailed(
            NOT_A_WORKBOOK.format(reason=type(exc).__name__),
            details={"field": "file", "rule": "file_type"},
            code="file_unreadable",
        ) from exc
    workbook.close()
    return out.getvalue()


def _cell_text(value: Any) -> str:
    """As the sheet shows it: a whole number without .0, a date cell as a date."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime(CELL_DATE if value.time() == time() else CELL_TIME)
    if isinstance(value, date):
        return value.strftime(CELL_DATE)
    if isinstance(value, time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def column_key(name: str) -> str:
    """A column's name as matched: NFKC, no spaces, any case (「0-2. 拠点管理番号」 reads 「0-2.拠点管理番号」)."""
    return "".join(unicodedata.normalize("NFKC", name).split()).casefold()


def parse_mapping(text: str | None) -> dict[str, str]:
    """The mapping a person chose, as a form field: a JSON object {the file's column: the expected column}."""
    if not text:
        return {}
    try:
        mapping = json.loads(text)
    except ValueError as exc:
        raise _bad_mapping("JSONではありません") from exc
    if not isinstance(mapping, dict) or not all(isinstance(v, str) for v in [*mapping, *mapping.values()]):
        raise _bad_mapping("「ファイルの列: 取込の列」の組ではありません")
    return {source: target for source, target in mapping.items() if target}


def _bad_mapping(reason: str) -> ValidationFailed:
    return ValidationFailed(BAD_MAPPING.format(reason=reason), details={"field": "columns", "rule": "mapping"})


@dataclass(frozen=True)
class Columns:
    """What an import reads: its columns as named in its files (each the name it is known by), those it needs, other
    names a column goes by."""

    expected: Sequence[str]
    required: Sequence[str]
    aliases: Mapping[str, str] = field(default_factory=dict)  # another name -> the expected one

    def names(self, mapping: Mapping[str, str]) -> dict[str, str]:
        """A column key -> the expected name it stands for."""
        known = {column_key(name): name for name in self.expected}
        known |= {column_key(alias): name for alias, name in self.aliases.items()}
        for source, target in mapping.items():
            if target not in self.expected:
                raise _bad_mapping(f"「{target}」はこの取込の列ではありません")
            known[column_key(source)] = target
        return known


@dataclass(frozen=True)
class Record:
    number: int  # the sheet's row number
    values: dict[str, str]  # expected name -> its cell, stripped


@dataclass(frozen=True)
class Place:
    """Where a read of a table's rows stopped: the index of the next row holding something (0: the first below the
    header), the character of the text its sheet row (or a blank row above it) begins at, and that row's number."""

    index: int
    offset: int
    row: int


# A stored text from a character on: (its first character, its text) pieces of whole rows, the first holding that one
Pieces = Callable[[int], Iterable[tuple[int, str]]]


@dataclass(frozen=True)
class Table:
    """A file's rows under its header."""

    text: str
    header_row: int  # its sheet row number
    header: list[str]  # the file's column names, as written
    positions: dict[str, int]  # expected name -> its column's index
    body: Place  # just below the header

    @property
    def ignored(self) -> list[str]:
        """The file's columns the import does not read."""
        taken = set(self.positions.values())
        return [name.strip() for index, name in enumerate(self.header) if name.strip() and index not in taken]

    def _whole(self, _offset: int) -> Iterable[tuple[int, str]]:
        return [(0, self.text)]

    def _filled(self, place: Place, pieces: Pieces | None) -> Iterator[tuple[int, list[str], Place]]:
        """The rows holding something from `place` on (in the text, or in its stored `pieces`, when the table holds
        only its head): each one's sheet row number, cells and the place after it."""
        number, index = place.row, place.index
        for first, text in (pieces or self._whole)(place.offset):
            rows = CsvRows(text, max(place.offset - first, 0))
            for row in rows:
                if any(cell.strip() for cell in row):
                    index += 1
                    yield number, row, Place(index, first + rows.offset, number + 1)
                number += 1

    def _record(self, number: int, row: list[str]) -> Record:
        return Record(number, {name: _at(row, index) for name, index in self.positions.items()})

    def rows(self, pieces: Pieces | None = None) -> Iterator[Record]:
        """The rows below the header that hold something, each with its sheet row number."""
        return (self._record(number, row) for number, row, _ in self._filled(self.body, pieces))

    def read(
        self, start: int, size: int, since: Place | None = None, pieces: Pieces | None = None
    ) -> tuple[list[Record], Place]:
        """Rows start to start + size (0 is the first below the header), and the place after them: read from `since`
        when row `start` begins there (where the read before stopped), without a row above; else from the header."""
        place = since if since is not None and since.index == start else self.body
        records = []
        filled = self._filled(place, pieces)
        for number, row, after in islice(filled, start - place.index, start - place.index + size):
            records.append(self._record(number, row))
            place = after
        return records, place

    def records(self, start: int, size: int) -> list[Record]:
        """Rows start to start + size (0 is the first below the header)."""
        return self.read(start, size)[0]

    def count(self) -> int:
        return sum(1 for _ in self._filled(self.body, None))

    def named_text(self) -> str:
        """The text with each read column's header cell named as expected, so a job reads it again without the
        person's mapping."""
        rows = list(CsvRows(self.text))
        header = rows[self.header_row - 1]
        named = list(header)
        for name, index in self.positions.items():
            named[index] = name
        if named == header:
            return self.text
        rows[self.header_row - 1] = named
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(rows)
        return out.getvalue()


def _at(row: list[str], index: int) -> str:
    return row[index].strip() if index < len(row) else ""


def read_table(text: str, columns: Columns, mapping: Mapping[str, str] | None = None) -> Table:
    """The header is the first of the first rows naming the most known columns (the first row that holds something
    when none does); a required column neither named nor mapped is `ColumnsUnmatched`."""
    known = columns.names(mapping or {})
    rows = CsvRows(text)
    head = [(number, row, rows.offset) for number, row in zip(range(1, HEADER_SEARCH_ROWS + 1), rows, strict=False)]
    filled = [(number, row, end) for number, row, end in head if any(cell.strip() for cell in row)]
    if not filled:
        raise ValidationFailed(EMPTY_FILE, details={"field": "file", "rule": "empty"}, code="file_empty")
    number, header, end = max(filled, key=lambda item: (sum(column_key(c) in known for c in item[1]), -item[0]))
    positions: dict[str, int] = {}
    for index, name in enumerate(header):
        target = known.get(column_key(name))
        if target is not None and target not in positions:
            positions[target] = index
    missing = [name for name in columns.required if name not in positions]
    if missing:
        raise ColumnsUnmatched(number, header, columns, missing)
    return Table(text, number, header, positions, Place(0, end, number + 1))


class ColumnsUnmatched(ValidationFailed):
    """The mapping step: the file's columns and the expected ones, for the person to say which is which."""

    def __init__(self, row: int, header: list[str], columns: Columns, missing: list[str]) -> None:
        super().__init__(
            UNMATCHED.format(row=row, missing="・".join(f"「{name}」" for name in missing)),
            code="columns_unmatched",
            details={
                "field": "file",
                "rule": "columns",
                "row": row,
                "missing": missing,
                "columns": [name.strip() for name in header if name.strip()],
                "expected": list(columns.expected),
                "required": list(columns.required),
            },
        )


def cell_problem(column: str, value: str | None, reason: str) -> str:
    """A refusal of one cell: its column, what it holds (None: not shown), what to do (the row goes beside it)."""
    if value is None:
        return COLUMN_PROBLEM.format(column=column, reason=reason)
    return CELL_PROBLEM.format(column=column, value=value, reason=reason)


def _parts(text: str) -> dict[str, int | None]:
    match = DATE_TIME.match(unicodedata.normalize("NFKC", text).strip())
    if match is None:
        raise ValueError(text)
    return {name: None if value is None else int(value) for name, value in match.groupdict().items()}


def read_datetime(text: str, zone: tzinfo, *, year: int | None = None) -> datetime:
    """2026/11/8 14:30(:05), 2026年11月8日 14時30分, ２０２６/１１/１５ (midnight), 2026-11-08T14:30; 11/8 only with the
    year given. ValueError says what to do."""
    try:
        parts = _parts(text)
    except ValueError:
        raise ValueError(DATE_TIME_HINT) from None
    found_year = parts["year"] or year
    if found_year is None:
        raise ValueError(NO_YEAR)
    try:
        return datetime(
            found_year,
            parts["month"],  # type: ignore[arg-type]
            parts["day"],  # type: ignore[arg-type]
            parts["hour"] or 0,
            parts["minute"] or 0,
            parts["second"] or 0,
            tzinfo=zone,
        )
    except ValueError:
        raise ValueError(DATE_TIME_HINT) from None


def read_date(text: str, *, year: int | None = None) -> date:
    """As read_datetime, its date (a time after it is allowed); 11/8 takes the year given."""
    try:
        parts = _parts(text)
        found_year = parts["year"] or year
        if found_year is None:
            raise ValueError(NO_YEAR)
        return date(found_year, parts["month"], parts["day"])  # type: ignore[arg-type]
    except ValueError as exc:
        raise ValueError(NO_YEAR if str(exc) == NO_YEAR else DATE_HINT) from None
