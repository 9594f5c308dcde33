"""Reading CSV files uploaded from Japanese tools."""

from service.errors import ValidationFailed

ENCODINGS = ("utf-8-sig", "cp932")


def decode_csv(data: bytes) -> str:
    """UTF-8 (with or without BOM) or Shift_JIS (cp932), as exports from Japanese spreadsheets come."""
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
