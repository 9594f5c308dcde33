"""What every import job shares over its steps (each a task of its own).

The request reads only the rows a header may sit in (the mapping step asks there) and keeps the file as sent
(`SheetUpload`); the job's first step reads it whole (`read_upload`, status 「読み込み中」), so a workbook's conversion
never holds a request, and stores its text in pieces of whole rows (`SheetPiece`). Each chunk after it checks only its
rows, read from where the chunk before stopped (`chunk_records`: the character and sheet row, kept on the job), loading
only the header's piece and its own, so the job's cost grows with the file's length, not faster.

A copy inside the file names its first row (`FirstRows`): the first row holding each content that makes two rows one
(a terminal's serial; a device's number and timestamp) is kept in the domain's `FirstRowIndex` table under a hash of
that content, so each row is looked up once, whatever the file's length, and the rows above a chunk are never read
again. Refused (or planned) rows are reported up to MAX_REPORTED of each outcome (`Report`), but every row a person
must resolve (held) is listed, since the list is where they resolve it."""

import hashlib
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Iterator
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import BigInteger, ForeignKey, LargeBinary, Text, bindparam, func, insert, select, text
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column

from service.csvtools import CsvRows
from service.errors import DomainError
from service.tabular import (
    HEADER_SEARCH_ROWS,
    Columns,
    Pieces,
    Place,
    Record,
    Table,
    read_table,
    sheet_head,
    sheet_text,
)

MAX_REPORTED = 1000  # rows listed of each outcome
MUST_RESOLVE = frozenset({"held"})  # outcomes a person resolves from the list: each of their rows is listed

Key = tuple[Hashable, ...]  # what makes two rows one
READING = "reading"  # the job's first step: the file read into its pieces
PIECE_CHARS = 65_536  # a stored piece of a file's text: whole rows, at least this many characters (the last fewer)


class OfAnImport:
    """A row of a domain's table that belongs to one import (a mixin): `import_table` names the table of the imports
    it serves, whose deletion takes its rows."""

    import_table: ClassVar[str]

    @declared_attr
    def import_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey(f"{cls.import_table}.id", ondelete="CASCADE"), primary_key=True)


class SheetPiece(OfAnImport):
    """A piece of an import's file as CSV text (a mixin of the domain's model): whole sheet rows, the first piece
    holding every row a header may sit in, so a chunk loads the header's piece and the pieces its own rows are in."""

    start: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)  # its first character in the whole text
    content: Mapped[str] = mapped_column(Text)


class SheetUpload:
    """An import's file (a mixin of its model): as sent until its job reads it, then its rows as CSV text in the
    domain's `pieces`, each read column named as the import names it."""

    pieces: ClassVar[type[SheetPiece]]
    if TYPE_CHECKING:
        id: int  # the domain's model's

    upload: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    mapping: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default=text("'{}'"))  # the person's columns
    total_rows: Mapped[int] = mapped_column(default=0)
    # where the last chunk's read of the text stopped (a tabular.Place; read_row 0: none yet), the next one's start
    read_index: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    read_offset: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    read_row: Mapped[int] = mapped_column(default=0, server_default=text("0"))


def read_head(data: bytes, columns: Columns, mapping: dict[str, str] | None) -> Table:
    """What a request reads: the header (a required column unmatched is tabular.ColumnsUnmatched, the mapping step)."""
    return read_table(sheet_head(data), columns, mapping)


def read_upload(
    db: Session, job: SheetUpload, columns: Columns, limit: int, too_many: Callable[[int], DomainError]
) -> None:
    """The job's first step: the file read with the person's mapping, its rows counted (more than `limit`: `too_many`
    of their count is raised), stored in pieces, then let go."""
    table = read_table(sheet_text(job.upload or b""), columns, job.mapping)
    total = table.count()
    if total > limit:
        raise too_many(total)
    _store_pieces(db, job, table.named_text())
    job.total_rows, job.upload = total, None


def _store_pieces(db: Session, job: SheetUpload, content: str) -> None:
    """Cut after a row once a piece holds PIECE_CHARS characters, the first not before the rows a header may sit in."""
    starts, rows = [0], CsvRows(content)
    for number, _ in enumerate(rows, start=1):
        if rows.offset - starts[-1] >= PIECE_CHARS and number >= HEADER_SEARCH_ROWS and rows.offset < len(content):
            starts.append(rows.offset)
    ends = [*starts[1:], len(content)]
    pieces = [{"import_id": job.id, "start": s, "content": content[s:e]} for s, e in zip(starts, ends, strict=True)]
    db.execute(insert(job.pieces), pieces)


def _stored(db: Session, job: SheetUpload, columns: Columns) -> tuple[Table, Pieces]:
    """The stored text's header (in its first piece), and its pieces from a character on."""
    piece, mine = job.pieces, job.pieces.import_id == job.id

    def from_character(offset: int) -> Iterator[tuple[int, str]]:
        """One piece loaded at a time, from the one holding `offset`: a chunk stops loading once it has its rows."""
        start = db.scalar(select(func.max(piece.start)).where(mine, piece.start <= offset)) or 0
        following = select(piece.start, piece.content).where(mine, piece.start >= bindparam("start"))
        while found := db.execute(following.order_by(piece.start).limit(1), {"start": start}).first():
            yield found.start, found.content
            start = found.start + 1

    head = db.scalar(select(piece.content).where(mine, piece.start == 0)) or ""
    return read_table(head, columns), from_character


def chunk_records(db: Session, job: SheetUpload, columns: Columns, start: int, size: int) -> list[Record]:
    """Rows start to start + size of the stored text (0: the first below the header), read from where the job's last
    chunk stopped when that is row `start` (else from the header), so a chunk never reads the rows above its own, nor
    loads their pieces; the job keeps where this one stops, committed with the chunk's progress."""
    table, pieces = _stored(db, job, columns)
    since = Place(job.read_index, job.read_offset, job.read_row) if job.read_row else None
    records, place = table.read(start, size, since, pieces)
    job.read_index, job.read_offset, job.read_row = place.index, place.offset, place.row
    return records


def stored_records(db: Session, job: SheetUpload, columns: Columns) -> Iterator[Record]:
    """Every row of the stored text below its header, with its sheet row number (where the chunks read is kept)."""
    table, pieces = _stored(db, job, columns)
    return table.rows(pieces)


class FirstRowIndex(OfAnImport):
    """A domain's first-row table (a mixin of its model)."""

    digest: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    row: Mapped[int]  # the sheet's row number


def digest(key: Key) -> int:
    """A key as the index stores it: 8 bytes of its hash (a date by its ISO text)."""
    joined = "\x1f".join(value.isoformat() if isinstance(value, date) else str(value) for value in key)
    return int.from_bytes(hashlib.blake2b(joined.encode(), digest_size=8).digest(), "big", signed=True)


class FirstRows:
    """The file's first row of each key a chunk holds: those the job met before (an earlier chunk's, a dry run's),
    loaded once for the chunk's keys, and the chunk's own, stored by `save`."""

    def __init__(self, db: Session, index: type[FirstRowIndex], import_id: int, keys: Iterable[Key]) -> None:
        self._db, self._index, self._import_id = db, index, import_id
        found = select(index.digest, index.row).where(
            index.import_id == import_id, index.digest.in_({digest(key) for key in keys})
        )
        self._stored: dict[int, int] = dict(db.execute(found).tuples().all())
        self._new: dict[int, int] = {}

    def get(self, key: Key) -> int | None:
        """The first row met holding it."""
        found = digest(key)
        return self._stored.get(found, self._new.get(found))

    def first(self, key: Key, row: int) -> int:
        """The first row holding it: `row` itself when none above does (then noted as its first)."""
        found = digest(key)
        if found in self._stored:
            return self._stored[found]
        return self._new.setdefault(found, row)

    def save(self) -> None:
        """The chunk's first rows, for the chunks after it."""
        if self._new:
            rows = [{"import_id": self._import_id, "digest": d, "row": r} for d, r in self._new.items()]
            self._db.execute(insert(self._index), rows)
            self._stored |= self._new
            self._new = {}


class Report:
    """An import's listed rows, as stored so far, with the chunk's added: each outcome's first MAX_REPORTED, and every
    row of an outcome a person must resolve (an entry's "outcome"; without one, a row is of a single kind)."""

    def __init__(self, listed: Iterable[dict[str, Any]]) -> None:
        self.rows = list(listed)
        self._shown = Counter(entry.get("outcome") for entry in self.rows)

    def add(self, entry: dict[str, Any]) -> None:
        outcome = entry.get("outcome")
        if outcome in MUST_RESOLVE or self._shown[outcome] < MAX_REPORTED:
            self._shown[outcome] += 1
            self.rows.append(entry)
