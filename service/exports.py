"""List downloads: `GET <list>/export` streams every row the list's filters select within the caller's tenant, as CSV
(`?format=csv`: UTF-8 with a BOM, or `&encoding=shift_jis` for old Excel and 基幹 systems) or Excel (`?format=xlsx`).

The order is a keyset (terms never NULL, all one direction, the last unique): `batches` reads `export_batch` rows per
short session on the read engine, each after the previous batch's last keys, so memory stays flat however long the list.
A batch carries values, not text; a yes-or-no is in its column's words (有効 / 無効), never True/False, which both
writers refuse. An Excel text cell is text whatever it starts with: nothing runs as a formula.

Only download routes (`download_route`, `file_download`) accept the dashboards' session cookie
(`credentials.download_link`)."""

from collections import namedtuple
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from operator import attrgetter, itemgetter
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import Depends, Query, Request
from fastapi.responses import StreamingResponse
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
from service.credentials import download_link
from service.csvtools import CSV_MEDIA_TYPES, UTF8, csv_line, csv_lines, encoded, file_start
from service.database import get_read_sessionmaker, utcnow
from service.openapi import file_response
from service.sheets import CODE, GENERAL, MONEY, PHONE, Column, Sheet

CSV, XLSX = "csv", "xlsx"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHOICE = "export_file"
KEY_LABEL = "export_key_{}"


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


def id_kind(name: str) -> str:
    """An id (`id`, `…_id`, `user.id`) is a code."""
    last = name.rsplit(".", 1)[-1]
    return CODE if last == "id" or last.endswith("_id") else GENERAL


def field(header: str, name: str) -> Column:
    """Dotted names reach further: "user.name"."""
    return Column(header, attrgetter(name), id_kind(name))


def phone(header: str, name: str) -> Column:
    return Column(header, attrgetter(name), PHONE)


def declared_kind(attribute: InstrumentedAttribute | SqlColumn) -> str:
    found, column = fields.facts(attribute), fields.column_of(attribute)
    if found.money:
        return MONEY
    if found.phone:
        return PHONE
    return CODE if column.primary_key or column.foreign_keys else GENERAL


def declared(attribute: InstrumentedAttribute | SqlColumn) -> Column:
    """Headed by the words its column declares; a code in its choices' words, a yes-or-no in its two words
    (service/fields.py)."""
    found, name = fields.facts(attribute), attribute.key
    if found.choices:
        return labelled(found.label, name, found.choices)
    if fields.is_yes_no(attribute):
        return yes_no(found.label, attribute)
    return Column(found.label, attrgetter(name), declared_kind(attribute))


def yes_no(
    header: str, attribute: InstrumentedAttribute | SqlColumn, value: Callable[[Any], Any] | None = None
) -> Column:
    """yes_no("状態", User.is_active, attrgetter("user.is_active")) -> 有効 / 無効."""
    return Column(header, in_words(attribute, value or attrgetter(attribute.key)))


def in_words(attribute: InstrumentedAttribute | SqlColumn, value: Callable[[Any], Any]) -> Callable[[Any], str]:
    found = fields.facts(attribute)
    return lambda record: fields.word(found, value(record))


def item(header: str, key: str) -> Column:
    return Column(header, itemgetter(key), id_kind(key))


def declared_item(attribute: InstrumentedAttribute | SqlColumn, key: str = "") -> Column:
    """By default the key is the attribute's name; the attribute's own value is of its kind, another key plain."""
    own, label, value = key in ("", attribute.key), fields.facts(attribute).label, itemgetter(key or attribute.key)
    if own and fields.is_yes_no(attribute):
        return Column(label, in_words(attribute, value))
    return Column(label, value, declared_kind(attribute) if own else id_kind(key))


def labelled(header: str, name: str, words: Mapping[str, str]) -> Column:
    code = attrgetter(name)
    return Column(header, lambda record: words.get(code(record), code(record)))


@cache
def _record_maker(names: tuple[str, ...]) -> Callable[[Iterable[Any]], tuple[Any, ...]]:
    record = namedtuple("Record", names, rename=True)  # type: ignore[misc]  # fields known at run time: the columns
    return record._make


def _fetched(_db: Session, rows: Sequence[Row]) -> Sequence[Any]:
    """Reading a field of a record costs a tenth of reading a Row's."""
    if not rows:
        return rows
    make_record = _record_maker(rows[0]._fields)
    return [make_record(row) for row in rows]


def entities(_db: Session, rows: Sequence[Row]) -> list[Any]:
    return [row[0] for row in rows]


@dataclass(frozen=True)
class ListExport:
    """`records(db, rows)` turns a batch's rows (each followed by its keys) into what the columns read, inside the
    batch's session."""

    query: Select
    order: Sequence[Any]
    columns: Sequence[Column]
    records: Callable[[Session, Sequence[Row]], Iterable[Any]] = _fetched

    def __post_init__(self) -> None:
        if len({descending for _, descending in map(_key, self.order)}) != 1:
            raise ValueError("an export's order runs one way: every term ascending or every term descending")


def _key(term: Any) -> tuple[ColumnElement, bool]:
    if isinstance(term, UnaryExpression) and term.modifier in (operators.asc_op, operators.desc_op):
        return term.element, term.modifier is operators.desc_op
    return term, False


def _after(keys: Sequence[tuple[ColumnElement, bool]], values: Sequence[Any]) -> ColumnElement[bool]:
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
    """Each writer writes a time in the service's zone."""
    get, shown = column.value, CELL_OF_KIND.get(column.kind)
    return get if shown is None else lambda record: shown(get(record))


def batches(export: ListExport) -> Iterator[list[list[Any]]]:
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
    """For rows a list adds from another source."""
    return [_getter(column) for column in columns]


def csv_pieces(sheet: Sheet, encoding: str) -> Iterator[bytes]:
    yield encoded(file_start(encoding) + csv_line(column.header for column in sheet.columns), encoding)
    for rows in sheet.batches:
        yield encoded(csv_lines(rows), encoding)


def xlsx_pieces(sheet: Sheet, title: str) -> Iterator[bytes]:
    """The Excel writer is imported here, by the first Excel download (service/xlsx.py)."""
    from service import xlsx

    yield from xlsx.pieces(sheet, title)


class Download(FileStream):
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
    return Sheet(export.columns, batches(export))


def download(export: ListExport | Sheet, name: str, title: str) -> Download:
    """Streamed as `<name>_<local date>.csv` or `.xlsx` (name in ASCII); `export` may be a Sheet of rows already
    gathered."""
    local_date = utcnow().astimezone(ZoneInfo(get_settings().timezone)).date()
    return Download(sheet(export) if isinstance(export, ListExport) else export, f"{name}_{local_date:%Y%m%d}", title)


def download_route(*dependencies: Any) -> dict[str, Any]:
    """`download_link` comes before the route's other `dependencies`, so the session cookie is taken before anything
    asks who is calling."""
    return {
        "response_class": Download,
        "status_code": 200,  # said here: FastAPI would look for it among Download's own arguments
        "responses": {200: file_response("text/csv", XLSX_MEDIA_TYPE)},
        "dependencies": [Depends(download_link), *dependencies, Depends(file_choice)],
    }


DOWNLOAD = download_route()


def file_download(media_type: str) -> dict[str, Any]:
    return {
        "response_class": FileStream,
        "responses": {200: file_response(media_type)},
        "dependencies": [Depends(download_link)],
    }
