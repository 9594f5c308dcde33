"""A list's whole file: every list a dashboards page shows answers `GET <list>/export` with all the rows its filters
select within the caller's tenant, as one streamed download, in the file the caller asks for: `?format=csv` (the
default; `&encoding=shift_jis` for old Excel and 基幹 systems, UTF-8 with a BOM otherwise) or `?format=xlsx` (Excel).

A `ListExport` names the list's query (filtered and scoped by the list's own functions), its order and the columns
people see on the list (Japanese headers). The order is a keyset: its terms are never NULL, all run the same way and
the last one is unique. `batches` reads the query `export_batch` rows at a time, each batch in its own short session
on the read engine (the replica when there is one) and starting after the previous batch's last keys, so memory stays
flat however long the list. A batch carries values, not text (a time as stored, which each writer shows in Japan
time; an id or code as text; a phone number as dialled, 090-1234-5678, clientkit/phones.py; a yes-or-no in its
column's words, 有効 / 無効, never True/False, which both writers refuse), and each writer writes them its way:

- CSV (csvtools): UTF-8 with a BOM or Shift_JIS (a character it has not is refused by name), CRLF, text quoted and
  formula-safe, numbers and times bare; streamed a batch at a time;
- Excel (openpyxl's write-only workbook, written to a spooled temporary file, then streamed): one sheet titled with
  the list's Japanese name, its header frozen, its columns as wide as the header and first rows need; text, codes,
  ids, phones and postcodes are text cells (`@`), dates and times date cells in Japan time, money numbers in yen
  (`#,##0"円"`, a column whose facts say `money`), other numbers numbers. A text cell is text whatever it starts with:
  nothing runs as a formula.

A route: `@router.get("<list>/export", **DOWNLOAD)` (or `**download_route(<its other dependencies>)`) returning
`download(export, "<file name>", "<the list's Japanese name>")`. Its options declare the `format` and `encoding`
query parameters (`file_choice`, which records the choice for the response) and the media types, and mark the route
as a download link, which a browser may fetch with the dashboards' session cookie (identity's `download_link`): only
these routes (and `FILE_DOWNLOAD`'s, a file of another kind) accept the cookie.
"""

import unicodedata
from collections import namedtuple
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from functools import cache
from itertools import chain
from operator import attrgetter, itemgetter
from tempfile import SpooledTemporaryFile
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import Depends, Query, Request
from fastapi.responses import StreamingResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from sqlalchemy import Column as SqlColumn
from sqlalchemy import ColumnElement, Row, Select, tuple_
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import UnaryExpression
from starlette.concurrency import iterate_in_threadpool
from starlette.types import Receive, Scope, Send

from clientkit.phones import as_dialled
from service import fields
from service.config import get_settings
from service.csvtools import CSV_MEDIA_TYPES, UTF8, YES_NO_CELL, csv_line, csv_lines, encoded, file_start
from service.database import get_read_sessionmaker, utcnow
from service.errors import ValidationFailed
from service.identity.dependencies import download_link
from service.openapi import file_response

CSV, XLSX = "csv", "xlsx"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHOICE = "export_file"  # the request state's key holding the caller's (format, encoding)
KEY_LABEL = "export_key_{}"
XLSX_CHUNK = 1 << 16  # bytes of the finished workbook per streamed piece
SPOOL_BYTES = 8 << 20  # a workbook up to this size stays in memory; a larger one goes to a temporary file
TEXT_FORMAT = "@"
DATE_FORMAT = "yyyy/mm/dd"
TIME_FORMAT = "yyyy/mm/dd hh:mm:ss"
YEN_FORMAT = '#,##0"円"'
WIDTH = (8, 60)  # a column's least and greatest width, in characters (a wide one counts two)
SHEET_TITLE_LENGTH = 31  # Excel's limit on a sheet's name
EXCEL_ROWS = 1_048_575  # a sheet's rows below its header
TOO_MANY_ROWS = f"Excelの1シートに入るのは{EXCEL_ROWS:,}行までです（条件を絞り込むか、CSVでダウンロードしてください）"
NOT_PLAIN = ("=", "#")  # text openpyxl would take for a formula or an error value unless told it is text


CsvEncoding = Annotated[
    Literal["utf-8", "shift_jis"],
    Query(description="the CSV's encoding: utf-8 (with a BOM, the default) or shift_jis (Windows' cp932)"),
]


def file_choice(
    request: Request,
    file_format: Annotated[
        Literal["csv", "xlsx"], Query(alias="format", description="csv (the default) or xlsx (Excel)")
    ] = "csv",
    encoding: CsvEncoding = "utf-8",
) -> None:
    """Record the file the caller asks for; the response (`Download`) writes that one."""
    setattr(request.state, CHOICE, (file_format, encoding))


class FileStream(StreamingResponse):
    """Streams to the end without listening for a disconnect; a download that fails never looks like a whole file.

    Its first two pieces (a list's header and first batch; a workbook's first bytes, once it is whole) are read
    before the response starts, so a fault there answers as any route's error (the common error shape: a character
    Shift_JIS has not is a 422, a lost database a 500). A fault after that propagates out of the response and the
    server aborts the connection before the body's end (no final chunk): the client sees a broken download, never a
    short file with status 200.

    GuardMiddleware's replayed `receive` answers http.disconnect as soon as the body has been read, which makes
    Starlette cancel a StreamingResponse on ASGI servers below spec 2.4 (uvicorn, TestClient) after zero bytes.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        pieces = aiter(self.body_iterator)
        first = [piece async for piece in _take(pieces, LEAD_PIECES)]
        self.body_iterator = _chained(first, pieces)
        await self.stream_response(send)


LEAD_PIECES = 2  # a list export's header, then its first batch


async def _take(pieces: AsyncIterator[Any], count: int) -> AsyncIterator[Any]:
    for _ in range(count):
        try:
            yield await anext(pieces)
        except StopAsyncIteration:
            return


async def _chained(first: list[Any], rest: AsyncIterator[Any]) -> AsyncIterator[Any]:
    for piece in first:
        yield piece
    async for piece in rest:
        yield piece


GENERAL, CODE, PHONE, MONEY = "general", "code", "phone", "money"  # what a column holds (Column.kind)
TEXT_KINDS = frozenset({CODE, PHONE})  # written as text cells formatted as text (@), so an edit keeps them text


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[Any], Any]  # a record -> its cell's value
    # GENERAL: the value as it is (text, number, date or time); CODE: an id or code, always text (an id 42 is "42");
    # PHONE: a phone number, written as dialled (090-1234-5678); MONEY: yen
    kind: str = GENERAL


def id_kind(name: str) -> str:
    """What a column reading this attribute or key holds: an id (`id`, `…_id`, `user.id`) is a code."""
    last = name.rsplit(".", 1)[-1]
    return CODE if last == "id" or last.endswith("_id") else GENERAL


def field(header: str, name: str) -> Column:
    """A column showing one attribute of each record (dotted names reach further: "user.name")."""
    return Column(header, attrgetter(name), id_kind(name))


def phone(header: str, name: str) -> Column:
    """A column showing a phone number attribute as dialled."""
    return Column(header, attrgetter(name), PHONE)


def declared_kind(attribute: InstrumentedAttribute | SqlColumn) -> str:
    """What the column holds, from its facts (money, a phone) or its keys (an id)."""
    found, column = fields.facts(attribute), fields.column_of(attribute)
    if found.money:
        return MONEY
    if found.phone:
        return PHONE
    return CODE if column.primary_key or column.foreign_keys else GENERAL


def declared(attribute: InstrumentedAttribute | SqlColumn) -> Column:
    """A column showing one attribute, headed by the words its column declares, a code in its choices' words, a
    yes-or-no in its two words (service/fields.py)."""
    found, name = fields.facts(attribute), attribute.key
    if found.choices:
        return labelled(found.label, name, found.choices)
    if fields.is_yes_no(attribute):
        return yes_no(found.label, attribute)
    return Column(found.label, attrgetter(name), declared_kind(attribute))


def yes_no(
    header: str, attribute: InstrumentedAttribute | SqlColumn, value: Callable[[Any], Any] | None = None
) -> Column:
    """A column showing a yes-or-no attribute of each record (or `value`, a record -> the attribute's value or None)
    in its column's two words: yes_no("状態", User.is_active, attrgetter("user.is_active")) -> 有効 / 無効."""
    return Column(header, in_words(attribute, value or attrgetter(attribute.key)))


def in_words(attribute: InstrumentedAttribute | SqlColumn, value: Callable[[Any], Any]) -> Callable[[Any], str]:
    """A record -> the yes-or-no attribute's value (`value`) in its column's words, "" for none."""
    found = fields.facts(attribute)
    return lambda record: fields.word(found, value(record))


def item(header: str, key: str) -> Column:
    """A column showing one key of each record (a dict, e.g. a read the list builds)."""
    return Column(header, itemgetter(key), id_kind(key))


def declared_item(attribute: InstrumentedAttribute | SqlColumn, key: str = "") -> Column:
    """A column showing one key of each record (a dict; by default the attribute's name), headed by the words its
    column declares (service/fields.py): the attribute's own value is of its kind, another key (its words, a
    name for an id) plain, a yes-or-no in its two words."""
    own, label, value = key in ("", attribute.key), fields.facts(attribute).label, itemgetter(key or attribute.key)
    if own and fields.is_yes_no(attribute):
        return Column(label, in_words(attribute, value))
    return Column(label, value, declared_kind(attribute) if own else id_kind(key))


def labelled(header: str, name: str, words: Mapping[str, str]) -> Column:
    """A column showing a code attribute in words (a code without words as it is)."""
    code = attrgetter(name)
    return Column(header, lambda record: words.get(code(record), code(record)))


@cache
def _record_maker(names: tuple[str, ...]) -> Callable[[Iterable[Any]], tuple[Any, ...]]:
    """Builds a record from a row's values, its fields named after the row's columns."""
    record = namedtuple("Record", names, rename=True)  # type: ignore[misc]  # fields known at run time: the columns
    return record._make


def _fetched(_db: Session, rows: Sequence[Row]) -> Sequence[Any]:
    """The rows as records with their columns' names: reading a field of one costs a tenth of reading a Row's."""
    if not rows:
        return rows
    make_record = _record_maker(rows[0]._fields)
    return [make_record(row) for row in rows]


def entities(_db: Session, rows: Sequence[Row]) -> list[Any]:
    """`records` of a query selecting one entity (or one read): the first element of each row."""
    return [row[0] for row in rows]


@dataclass(frozen=True)
class ListExport:
    """One list's CSV: `records(db, rows)` turns a batch's rows (each followed by its keys) into what the columns read,
    inside the batch's session (e.g. the list's own read models, or names looked up for the whole batch)."""

    query: Select
    order: Sequence[Any]
    columns: Sequence[Column]
    records: Callable[[Session, Sequence[Row]], Iterable[Any]] = _fetched

    def __post_init__(self) -> None:
        if len({descending for _, descending in map(_key, self.order)}) != 1:
            raise ValueError("an export's order runs one way: every term ascending or every term descending")


def _key(term: Any) -> tuple[ColumnElement, bool]:
    """An order term as (expression, descending)."""
    if isinstance(term, UnaryExpression) and term.modifier in (operators.asc_op, operators.desc_op):
        return term.element, term.modifier is operators.desc_op
    return term, False


def _after(keys: Sequence[tuple[ColumnElement, bool]], values: Sequence[Any]) -> ColumnElement[bool]:
    """The rows that come after the row with these key values in the keys' order."""
    row = tuple_(*(expression for expression, _ in keys))
    return row < tuple(values) if keys[0][1] else row > tuple(values)


@contextmanager
def _read_session() -> Iterator[Session]:
    db = get_read_sessionmaker()()
    try:
        yield db
    finally:
        db.close()


def _as_code(value: Any) -> str | None:
    return None if value is None else str(value)


CELL_OF_KIND: dict[str, Callable[[Any], Any]] = {CODE: _as_code, PHONE: as_dialled}


def _getter(column: Column) -> Callable[[Any], Any]:
    """A record -> the column's value as the writers take it (each writes a time in the service's zone)."""
    get, shown = column.value, CELL_OF_KIND.get(column.kind)
    return get if shown is None else lambda record: shown(get(record))


def batches(export: ListExport) -> Iterator[list[list[Any]]]:
    """The export's records as rows of values, `export_batch` rows per short session, in the export's order."""
    size = get_settings().export_batch
    keys = [_key(term) for term in export.order]
    key_columns = [expression.label(KEY_LABEL.format(i)) for i, (expression, _) in enumerate(keys)]
    query = export.query.add_columns(*key_columns).order_by(*export.order).limit(size)
    getters = row_getters(export.columns)
    last: Sequence[Any] | None = None
    while True:
        with _read_session() as db:
            rows = db.execute(query if last is None else query.where(_after(keys, last))).all()
            cells = [[get(record) for get in getters] for record in export.records(db, rows)]
        if cells:
            yield cells
        if len(rows) < size:
            return
        last = rows[-1][-len(keys) :]


def row_getters(columns: Sequence[Column]) -> list[Callable[[Any], Any]]:
    """A record -> each column's value, as `batches` reads them (for rows a list adds from another source)."""
    return [_getter(column) for column in columns]


@dataclass(frozen=True)
class Sheet:
    """What every writer reads: the columns, and the rows' values a batch at a time (read as the file is written)."""

    columns: Sequence[Column]
    batches: Iterable[list[list[Any]]]


def csv_pieces(sheet: Sheet, encoding: str) -> Iterator[bytes]:
    """The whole CSV, piece by piece: the BOM (in UTF-8) and header, then one piece per batch."""
    yield encoded(file_start(encoding) + csv_line(column.header for column in sheet.columns), encoding)
    for rows in sheet.batches:
        yield encoded(csv_lines(rows), encoding)


def _text_cell(worksheet: WriteOnlyWorksheet, text: str) -> WriteOnlyCell:
    """A text cell, text whatever it starts with (openpyxl would take "=…" for a formula, "#N/A" for an error)."""
    cell = WriteOnlyCell(worksheet, text)
    cell.data_type = "s"
    cell.number_format = TEXT_FORMAT
    return cell


def _local(value: datetime, zone: tzinfo) -> datetime:
    """A time as a workbook holds it: in the service's zone, to the second, without the zone (a spreadsheet's time
    has none)."""
    return value.astimezone(zone).replace(tzinfo=None, microsecond=0)


def _xlsx_cell(worksheet: WriteOnlyWorksheet, value: Any, kind: str, zone: tzinfo) -> Any:
    """A value as the workbook holds it: a styled cell where its kind or type needs one, else the value itself
    (openpyxl's own cell, the cheaper by far)."""
    if isinstance(value, str):
        return _text_cell(worksheet, value) if kind in TEXT_KINDS or value.startswith(NOT_PLAIN) else value
    if isinstance(value, datetime):
        cell = WriteOnlyCell(worksheet, _local(value, zone))
        cell.number_format = TIME_FORMAT
        return cell
    if isinstance(value, date):
        cell = WriteOnlyCell(worksheet, value)
        cell.number_format = DATE_FORMAT
        return cell
    if kind == MONEY and value is not None:
        cell = WriteOnlyCell(worksheet, value)
        cell.number_format = YEN_FORMAT
        return cell
    if isinstance(value, bool):
        raise TypeError(YES_NO_CELL)
    return value


def _shown_width(value: Any) -> int:
    """How many characters wide a cell shows (a wide character counts two)."""
    if isinstance(value, datetime | date):
        return len(TIME_FORMAT if isinstance(value, datetime) else DATE_FORMAT)
    text = "" if value is None else str(value)
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _lay_out(worksheet: WriteOnlyWorksheet, columns: Sequence[Column], first: list[list[Any]]) -> None:
    """The header frozen, each column as wide as its header and the first batch's cells need (within WIDTH)."""
    worksheet.freeze_panes = "A2"
    for index, column in enumerate(columns):
        widest = max([_shown_width(column.header), *(_shown_width(row[index]) for row in first)])
        width = min(max(widest + 2, WIDTH[0]), WIDTH[1])
        worksheet.column_dimensions[get_column_letter(index + 1)].width = width


def _append_rows(worksheet: WriteOnlyWorksheet, kinds: list[str], batches: Iterable[list[list[Any]]]) -> None:
    """The rows below the header, each cell as the workbook holds it; more than a sheet holds is a 422."""
    written, zone = 0, ZoneInfo(get_settings().timezone)
    for rows in batches:
        written += len(rows)
        if written > EXCEL_ROWS:
            raise ValidationFailed(
                TOO_MANY_ROWS, details={"field": "format", "rule": "excel_rows"}, code="too_many_rows"
            )
        for row in rows:
            worksheet.append([_xlsx_cell(worksheet, value, kind, zone) for value, kind in zip(row, kinds, strict=True)])


def xlsx_pieces(sheet: Sheet, title: str) -> Iterator[bytes]:
    """The whole workbook, one sheet titled `title`: written row by row to a spooled temporary file (openpyxl's
    write-only mode keeps no row in memory), then streamed."""
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(title[:SHEET_TITLE_LENGTH])
    rest = iter(sheet.batches)
    first = next(rest, [])
    _lay_out(worksheet, sheet.columns, first)
    worksheet.append([_text_cell(worksheet, column.header) for column in sheet.columns])
    try:
        _append_rows(worksheet, [column.kind for column in sheet.columns], chain([first], rest))
    except BaseException:
        worksheet.close()  # a workbook given up half-written closes its sheet's stream now, not when collected
        raise
    with SpooledTemporaryFile(SPOOL_BYTES) as file:
        workbook.save(file)
        file.seek(0)
        yield from iter(lambda: file.read(XLSX_CHUNK), b"")


class Download(FileStream):
    """A list's file, written when the response is sent in the format the caller chose (`file_choice`)."""

    def __init__(self, sheet: Sheet, name: str, title: str) -> None:
        super().__init__(iter(()))
        self.sheet, self.name, self.title = sheet, name, title

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        file_format, encoding = scope.get("state", {}).get(CHOICE, (CSV, UTF8))
        pieces = xlsx_pieces(self.sheet, self.title) if file_format == XLSX else csv_pieces(self.sheet, encoding)
        self.body_iterator = iterate_in_threadpool(pieces)
        self.media_type = XLSX_MEDIA_TYPE if file_format == XLSX else CSV_MEDIA_TYPES[encoding]
        self.init_headers({"Content-Disposition": f'attachment; filename="{self.name}.{file_format}"'})
        await super().__call__(scope, receive, send)


def sheet(export: ListExport) -> Sheet:
    """The list's columns and its rows, read as the file is written."""
    return Sheet(export.columns, batches(export))


def download(export: ListExport | Sheet, name: str, title: str) -> Download:
    """A route's answer: the export streamed as the attachment `<name>_<local date>.csv` or `.xlsx` (name in ASCII),
    its sheet titled `title` (the list's Japanese name); `export` may also be a Sheet of rows already gathered (a
    list's batches followed by rows of another source)."""
    local_date = utcnow().astimezone(ZoneInfo(get_settings().timezone)).date()
    return Download(sheet(export) if isinstance(export, ListExport) else export, f"{name}_{local_date:%Y%m%d}", title)


def download_route(*dependencies: Any) -> dict[str, Any]:
    """A list download route's options: its media types and its `format` and `encoding` parameters, and
    `download_link` before the route's other `dependencies` (e.g. a network check), so the session cookie is taken
    before anything asks who is calling."""
    return {
        "response_class": Download,
        "status_code": 200,  # said here: FastAPI would look for it among Download's own arguments
        "responses": {200: file_response("text/csv", XLSX_MEDIA_TYPE)},
        "dependencies": [Depends(download_link), *dependencies, Depends(file_choice)],
    }


DOWNLOAD = download_route()


def file_download(media_type: str) -> dict[str, Any]:
    """A download link's options for a file that is no list (an archive): its media type, the session cookie."""
    return {
        "response_class": FileStream,
        "responses": {200: file_response(media_type)},
        "dependencies": [Depends(download_link)],
    }
