"""What every import's chunks share (service/import_jobs.py), run through fleet's terminal import: each chunk reads its
rows from where the chunk before stopped, never the rows above, with the sheet's row numbers, the copy check across
chunks and a chunk redone after it was cut off."""

import pytest
from sqlalchemy import func, select

from service.audit.service import Actor
from service.database import utcnow
from service.errors import ValidationFailed
from service.fleet.models import Terminal, TerminalImport, TerminalImportPiece
from service.fleet.registry import imports
from service.import_jobs import PIECE_CHARS
from service.tabular import HEADER_SEARCH_ROWS, Place, read_table
from service.tenancy import TenantScope
from tests.service.fleet.conftest import make_customer

SIZE = 4  # rows a chunk: the file below is three chunks
# A title and a blank row above the header, blank rows among the rows (one only commas), a quoted cell over two lines
# (one sheet row, two lines of text), Shift_JIS as Excel writes it
FILE = (
    "端末一覧（2026年11月）\r\n"
    "\r\n"
    "シリアル番号,会社名,設置店舗名,設置日\r\n"
    "TC-1,ABC商事,新宿店,2025/04/01\r\n"  # 4: chunk 1
    'TC-2,ABC商事,"渋谷店\r\nレジ2",\r\n'
    "TC-3,不明商事,池袋店,\r\n"
    "\r\n"
    "TC-4,ABC商事,上野店,2025-13-01\r\n"
    "TC-5,ABC商事,品川店,\r\n"  # 9: chunk 2
    "TC-6,ABC商事,目黒店,\r\n"
    ",,,\r\n"
    "TC-7,ABC商事,大崎店,\r\n"
    "TC-8,ABC商事,五反田店,\r\n"
    "TC-1,ABC商事,新宿店,\r\n"  # 14: chunk 3, a copy of row 4
    "TC-9,ABC商事,恵比寿店,\r\n"
).encode("cp932")
REFUSED = [  # each refused row's sheet row number and its first reason, up to its first bracket
    (5, "設置店舗名: 制御文字"),
    (6, "顧客企業が見つかりません"),
    (8, "「設置日」列の「2025-13-01」: 日付として読めません"),
    (14, "4行目と同じシリアル番号です"),
]
ADDED = ["TC-1", "TC-5", "TC-6", "TC-7", "TC-8", "TC-9"]


def start(db, data: bytes = FILE) -> int:
    job = imports.create_import(
        db,
        filename="端末.csv",
        data=data,
        scope=TenantScope("fleet", "customer", None),
        actor=Actor(type="user", id="0", label="テスト"),
        now=utcnow(),
    )
    db.commit()
    return job.id


def step(db, import_id: int, size: int = SIZE) -> bool:
    """One delivery of the job's task: a step, committed."""
    more = imports.process_chunk(db, import_id=import_id, now=utcnow(), size=size)
    db.commit()
    return more


def refused(job: TerminalImport) -> list[tuple[int, str]]:
    return [(entry["row"], entry["errors"][0].split("（")[0]) for entry in job.rejected]


def pieces(db, import_id: int) -> list[TerminalImportPiece]:
    """The import's stored text, in order."""
    stmt = select(TerminalImportPiece).where(TerminalImportPiece.import_id == import_id)
    return list(db.scalars(stmt.order_by(TerminalImportPiece.start)))


def outcome(db, import_id: int) -> tuple:
    job = db.get(TerminalImport, import_id)
    db.refresh(job)
    added = db.scalars(select(Terminal.serial_number).order_by(Terminal.serial_number)).all()
    return job.status, job.total_rows, job.processed_rows, job.accepted_rows, refused(job), added


@pytest.mark.dialect
def test_a_three_chunk_import_numbers_its_rows_as_the_sheet_does_and_finds_a_copy_two_chunks_below(db):
    make_customer(db, "ABC商事")
    import_id = start(db)
    steps = 1
    while step(db, import_id):
        steps += 1

    status, total, processed, accepted, job_refused, added = outcome(db, import_id)
    assert steps == 4, "the file read, then three chunks"
    assert (status, total, processed, accepted) == ("done", 10, 10, len(ADDED))
    assert job_refused == REFUSED
    assert added == ADDED


@pytest.mark.dialect
def test_a_chunk_cut_off_midway_is_done_again_once(db):
    """Its rows, its first rows and where it read to are committed together: a chunk whose transaction never committed
    (a worker lost) is done again from the same row, and nothing is added twice."""
    make_customer(db, "ABC商事")
    import_id = start(db)
    assert step(db, import_id) and step(db, import_id)  # the file read, chunk 1
    assert imports.process_chunk(db, import_id=import_id, now=utcnow(), size=SIZE)
    db.rollback()  # chunk 2 cut off before its commit
    while step(db, import_id):
        pass

    status, total, processed, accepted, job_refused, added = outcome(db, import_id)
    assert (status, total, processed, accepted) == ("done", 10, 10, len(ADDED))
    assert job_refused == REFUSED
    assert added == ADDED
    assert step(db, import_id) is False, "a copy of a task after the end does nothing"
    assert db.scalar(select(func.count()).select_from(Terminal)) == len(ADDED)


def unreadable_between(text: str, start: int, end: int) -> str:
    """The text with its characters start to end made rows the csv module refuses (a lone carriage return in each),
    each line as long as before."""
    return text[:start] + text[start:end].replace(",", "\r") + text[end:]


def line_start(text: str, line: int) -> int:
    """The character sheet row `line` begins at (a file without a cell over two lines)."""
    position = 0
    for _ in range(line - 1):
        position = text.index("\n", position) + 1
    return position


@pytest.mark.dialect
def test_a_chunk_reads_no_row_above_its_own(db):
    """The rows between the header's search and the second chunk, made unreadable once the first chunk has read them,
    are never read again: the second chunk checks its own rows, numbered as the sheet numbers them."""
    make_customer(db, "ABC商事")
    size = HEADER_SEARCH_ROWS * 2
    rows = [f"TC-{n:03d},ABC商事,店{n}" for n in range(size + 3)]
    rows[size + 1] = rows[size - 1]  # a copy, in chunk 2, of chunk 1's last row (sheet row size + 1)
    import_id = start(db, ("シリアル番号,会社名,設置店舗名\n" + "\n".join(rows) + "\n").encode())
    assert step(db, import_id, size) and step(db, import_id, size)  # the file read, chunk 1
    job, [piece] = db.get(TerminalImport, import_id), pieces(db, import_id)
    below_search = line_start(piece.content, HEADER_SEARCH_ROWS + 1)
    assert job.read_offset == line_start(piece.content, size + 2), "chunk 1 stopped below its last row"
    piece.content = unreadable_between(piece.content, below_search, job.read_offset)
    db.commit()
    with pytest.raises(ValidationFailed, match=f"CSVの{HEADER_SEARCH_ROWS + 1}行目"):
        read_table(piece.content, imports.COLUMNS).records(size, size)  # a read from the header would stop there

    assert step(db, import_id, size) is False

    _, _, processed, accepted, job_refused, _ = outcome(db, import_id)
    assert (processed, accepted) == (len(rows), len(rows) - 1)
    assert job_refused == [(size + 3, f"{size + 1}行目と同じシリアル番号です")]


def test_a_read_from_where_the_last_stopped_is_the_read_from_the_header():
    """Across blank rows, a cell over two lines and CRLF line ends; a place not at the asked row is not used."""
    table = read_table(FILE.decode("cp932"), imports.COLUMNS)
    every = list(table.rows())
    place: Place | None = None
    chunks = []
    for first in range(0, len(every), 3):
        chunk, place = table.read(first, 3, place)
        chunks.append(chunk)
    assert [record for chunk in chunks for record in chunk] == every
    assert [record.number for record in every] == [4, 5, 6, 8, 9, 10, 12, 13, 14, 15]
    assert place == Place(len(every), len(table.text), 16)
    assert table.read(2, 2, place)[0] == every[2:4], "read from the header"


@pytest.mark.dialect
def test_a_chunk_loads_the_headers_piece_and_its_own_only(db):
    """A long file is stored in pieces of whole rows: once a chunk has read past them, the pieces between the header's
    and the next chunk's can be gone, and the next chunk still reads its rows, with their sheet row numbers."""
    make_customer(db, "ABC商事")
    rows = [f"TC-{n:05d},ABC商事,店{n}" for n in range(PIECE_CHARS // 10)]  # over 3 pieces of whole rows
    rows.append(rows[0])  # the last row copies the first (sheet row 2)
    import_id = start(db, ("シリアル番号,会社名,設置店舗名\n" + "\n".join(rows) + "\n").encode())
    size = len(rows) - 1
    assert step(db, import_id, size) and step(db, import_id, size)  # the file read, chunk 1: all rows but the last
    stored = pieces(db, import_id)
    assert len(stored) >= 3 and all(piece.content.endswith("\n") for piece in stored), "whole rows"
    job = db.get(TerminalImport, import_id)
    for piece in stored[1:]:
        if piece.start + len(piece.content) <= job.read_offset:
            db.delete(piece)  # above the next chunk's rows
    db.commit()
    assert len(pieces(db, import_id)) == 2, "the header's and the last row's"

    assert step(db, import_id, size) is False

    _, _, processed, accepted, job_refused, _ = outcome(db, import_id)
    assert (processed, accepted) == (len(rows), len(rows) - 1)
    assert job_refused == [(len(rows) + 1, "2行目と同じシリアル番号です")]
