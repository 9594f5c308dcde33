"""Reading a list's CSV download (service/exports.py) as a spreadsheet would, checking its form on the way."""

import codecs
import csv
import io

CRLF = "\r\n"


def csv_download(response) -> list[list[str]]:
    """The download's records (header first), after checking it is one: a CSV attachment, UTF-8 with a BOM, every
    line ending CRLF (the cells of the tests hold no line breaks)."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"].startswith('attachment; filename="')
    assert response.content.startswith(codecs.BOM_UTF8)
    text = response.content.decode("utf-8-sig")
    assert text.endswith(CRLF) and "\n" not in text.replace(CRLF, "") and "\r" not in text.replace(CRLF, "")
    return list(csv.reader(io.StringIO(text)))
