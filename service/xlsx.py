"""The Excel writer of list downloads (`?format=xlsx`, service/exports.py), imported by the first one rather than with
the app: openpyxl pulls in numpy and Pillow."""

import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, tzinfo
from itertools import chain
from tempfile import SpooledTemporaryFile
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.worksheet import Worksheet

from service.config import get_settings
from service.csvtools import YES_NO_CELL
from service.errors import ValidationFailed
from service.sheets import MONEY, TEXT_KINDS, Column, Printed, Sheet

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
PRINTED_TITLE_SIZE, PRINTED_NOTE_SIZE = 14, 9  # points, in a printed page's header
NOT_PLAIN = ("=", "#")  # text openpyxl would take for a formula or an error value unless told it is text


def _text_cell(worksheet: WriteOnlyWorksheet, text: str) -> WriteOnlyCell:
    """openpyxl would take "=…" for a formula, "#N/A" for an error."""
    cell = WriteOnlyCell(worksheet, text)
    cell.data_type = "s"
    cell.number_format = TEXT_FORMAT
    return cell


def _local(value: datetime, zone: tzinfo) -> datetime:
    """To the second, without the zone: a spreadsheet's time has none."""
    return value.astimezone(zone).replace(tzinfo=None, microsecond=0)


def _xlsx_cell(worksheet: WriteOnlyWorksheet, value: Any, kind: str, zone: tzinfo) -> Any:
    """A styled cell only where its kind or type needs one: openpyxl's own cell is the cheaper by far."""
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
    """A wide character counts two."""
    if isinstance(value, datetime | date):
        return len(TIME_FORMAT if isinstance(value, datetime) else DATE_FORMAT)
    text = "" if value is None else str(value)
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _lay_out(worksheet: WriteOnlyWorksheet, columns: Sequence[Column], first: list[list[Any]]) -> None:
    worksheet.freeze_panes = "A2"
    for index, column in enumerate(columns):
        widest = max([_shown_width(column.header), *(_shown_width(row[index]) for row in first)])
        width = min(max(widest + 2, WIDTH[0]), WIDTH[1])
        worksheet.column_dimensions[get_column_letter(index + 1)].width = width


def _append_rows(worksheet: WriteOnlyWorksheet, kinds: list[str], batches: Iterable[list[list[Any]]]) -> None:
    """More rows than a sheet holds is a 422."""
    written, zone = 0, ZoneInfo(get_settings().timezone)
    for rows in batches:
        written += len(rows)
        if written > EXCEL_ROWS:
            raise ValidationFailed(
                TOO_MANY_ROWS, details={"field": "format", "rule": "excel_rows"}, code="too_many_rows"
            )
        for row in rows:
            worksheet.append([_xlsx_cell(worksheet, value, kind, zone) for value, kind in zip(row, kinds, strict=True)])


def _set_up_printing(worksheet: WriteOnlyWorksheet, printed: Printed) -> None:
    """A4 landscape, one page wide (as many long as it takes), the title and note in the page's header and the table's
    header row on every page; the page's number below. The cells hold the table alone, as the CSV does."""
    setup = worksheet.page_setup
    setup.orientation, setup.paperSize = Worksheet.ORIENTATION_LANDSCAPE, Worksheet.PAPERSIZE_A4
    setup.fitToWidth, setup.fitToHeight = 1, 0
    worksheet.sheet_properties.pageSetUpPr.fitToPage = True
    worksheet.print_title_rows = "1:1"
    header, footer = worksheet.HeaderFooter.oddHeader, worksheet.HeaderFooter.oddFooter
    header.center.text, header.center.size = printed.title, PRINTED_TITLE_SIZE
    header.left.text, header.left.size = printed.note, PRINTED_NOTE_SIZE
    footer.center.text = "&P / &N"


def pieces(sheet: Sheet, title: str) -> Iterator[bytes]:
    """openpyxl's write-only mode keeps no row in memory; the file is spooled, then streamed."""
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(title[:SHEET_TITLE_LENGTH])
    rest = iter(sheet.batches)
    first = next(rest, [])
    _lay_out(worksheet, sheet.columns, first)
    if sheet.printed is not None:
        _set_up_printing(worksheet, sheet.printed)
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
