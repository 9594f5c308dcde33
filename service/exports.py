"""A list's whole CSV: every list a dashboards page shows answers `GET <list>/export` with all the rows its filters
select within the caller's tenant, as one streamed download.

A `ListExport` names the list's query (filtered and scoped by the list's own functions), its order and the columns
people see on the list (Japanese headers). The order is a keyset: its terms are never NULL, all run the same way and
the last one is unique. `stream` reads the query `export_batch` rows at a time, each batch in its own short session
on the read engine (the replica when there is one) and starting after the previous batch's last keys, and yields
each batch's CSV text as it goes, so memory stays flat however long the list. Cells are written as every CSV of the
service (csvtools: UTF-8 with a BOM, CRLF, no cell runs as a formula); a time is shown in the service's zone (Japan
time).

A route: `@router.get("<list>/export", **DOWNLOAD)` (or `**download_route(<its other dependencies>)`) returning
`download(export, "<file name>")`. Its options also mark the route as a download link, which a browser may fetch with
the dashboards' session cookie (identity's `download_link`): only these routes accept the cookie.
"""

from collections import namedtuple
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, tzinfo
from functools import cache
from operator import attrgetter, itemgetter
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Depends
from fastapi.responses import StreamingResponse
from sqlalchemy import Column as SqlColumn
from sqlalchemy import ColumnElement, Row, Select, tuple_
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import UnaryExpression
from starlette.types import Receive, Scope, Send

from service import fields
from service.config import get_settings
from service.csvtools import CSV_BOM, csv_line, csv_lines
from service.database import get_read_sessionmaker, utcnow
from service.identity.dependencies import download_link
from service.openapi import file_response

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
KEY_LABEL = "export_key_{}"


class CsvStream(StreamingResponse):
    """Streams to the end without listening for a disconnect; a download that fails never looks like a whole file.

    Its first two pieces (a list's header and first batch) are read before the response starts, so a fault there
    answers as any route's error (500, the common error shape). A fault after that propagates out of the response
    and the server aborts the connection before the body's end (no final chunk): the client sees a broken download,
    never a short file with status 200.

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


def download_route(*dependencies: Any) -> dict[str, Any]:
    """A CSV download route's options: its media type, and `download_link` before the route's other `dependencies`
    (e.g. a network check), so the session cookie is taken before anything asks who is calling."""
    return {
        "response_class": CsvStream,
        "responses": {200: file_response("text/csv")},
        "dependencies": [Depends(download_link), *dependencies],
    }


DOWNLOAD = download_route()


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[Any], Any]  # a record -> its cell


def field(header: str, name: str) -> Column:
    """A column showing one attribute of each record (dotted names reach further: "user.name")."""
    return Column(header, attrgetter(name))


def declared(attribute: InstrumentedAttribute | SqlColumn) -> Column:
    """A column showing one attribute, headed by the words its column declares, a code in its choices' words
    (service/fields.py)."""
    found, name = fields.facts(attribute), attribute.key
    return labelled(found.label, name, found.choices) if found.choices else field(found.label, name)


def item(header: str, key: str) -> Column:
    """A column showing one key of each record (a dict, e.g. a read the list builds)."""
    return Column(header, itemgetter(key))


def declared_item(attribute: InstrumentedAttribute | SqlColumn, key: str = "") -> Column:
    """A column showing one key of each record (a dict; by default the attribute's name), headed by the words its
    column declares (service/fields.py)."""
    return item(fields.facts(attribute).label, key or attribute.key)


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


def _cell(value: Any, zone: tzinfo) -> Any:
    return value.astimezone(zone).strftime(TIME_FORMAT) if isinstance(value, datetime) else value


def _batches(export: ListExport, size: int) -> Iterator[list[list[Any]]]:
    """The export's records as cells, `size` rows per short session, in the export's order."""
    keys = [_key(term) for term in export.order]
    key_columns = [expression.label(KEY_LABEL.format(i)) for i, (expression, _) in enumerate(keys)]
    query = export.query.add_columns(*key_columns).order_by(*export.order).limit(size)
    zone = ZoneInfo(get_settings().timezone)
    getters = [column.value for column in export.columns]
    last: Sequence[Any] | None = None
    while True:
        with _read_session() as db:
            rows = db.execute(query if last is None else query.where(_after(keys, last))).all()
            cells = [[_cell(get(record), zone) for get in getters] for record in export.records(db, rows)]
        if cells:
            yield cells
        if len(rows) < size:
            return
        last = rows[-1][-len(keys) :]


def stream(export: ListExport) -> Iterator[str]:
    """The whole CSV, piece by piece: the BOM and header, then one piece per batch."""
    yield CSV_BOM + csv_line(column.header for column in export.columns)
    for cells in _batches(export, get_settings().export_batch):
        yield csv_lines(cells)


def download(export: ListExport | Iterator[str], name: str) -> CsvStream:
    """A route's answer: the export streamed as the attachment `<name>_<local date>.csv` (name in ASCII); `export`
    may also be the CSV's pieces already made (a `stream` of a list followed by rows of another source)."""
    local_date = utcnow().astimezone(ZoneInfo(get_settings().timezone)).date()
    return CsvStream(
        stream(export) if isinstance(export, ListExport) else export,
        media_type=CSV_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{name}_{local_date:%Y%m%d}.csv"'},
    )
