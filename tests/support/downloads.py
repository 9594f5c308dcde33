"""Reading a list's download (service/exports.py), CSV or Excel, as a spreadsheet would, checking its form first."""

import codecs
import csv
import io
from typing import Any

from openpyxl import load_workbook

from service.exports import XLSX_MEDIA_TYPE

CRLF = "\r\n"


def csv_download(response) -> list[list[str]]:
    """The download's records (header first), after checking it is one: a CSV attachment, UTF-8 with a BOM, every
    line ending CRLF (the cells of the tests hold no line breaks)."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"].startswith('attachment; filename="')
    return csv_records(response.content)


def csv_records(content: bytes) -> list[list[str]]:
    """A CSV file's records, after checking its form: UTF-8 with a BOM, every line ending CRLF."""
    assert content.startswith(codecs.BOM_UTF8)
    text = content.decode("utf-8-sig")
    assert text.endswith(CRLF) and "\n" not in text.replace(CRLF, "") and "\r" not in text.replace(CRLF, "")
    return list(csv.reader(io.StringIO(text)))


def workbook_rows(content: bytes) -> list[list[Any]]:
    """The rows of a workbook's one sheet, header first, as openpyxl reads the cells' values: each as wide as the
    widest (a row's empty cells at its end are written as none)."""
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    (sheet,) = workbook.worksheets
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    workbook.close()
    width = max(map(len, rows), default=0)
    return [row + [None] * (width - len(row)) for row in rows]


def xlsx_download(response) -> list[list[Any]]:
    """The download's rows (header first), after checking it is one: an Excel attachment of one sheet."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == XLSX_MEDIA_TYPE
    assert response.headers["content-disposition"].endswith('.xlsx"')
    return workbook_rows(response.content)
