"""Phone numbers: E.164 and Japanese domestic formats accepted, E.164 stored. PHONE_SHAPE is stated on every phone
column, so the vocabulary serves it and a form checks it before sending."""

import re
import unicodedata

from service.schemas import matching

SEPARATOR = r"[\s\-‐‑‒–—―ー−().]"  # spaces, hyphens and dashes, brackets and dots between the digits
SEPARATORS = re.compile(SEPARATOR)
_SEP = f"{SEPARATOR}*"
_DIGITS = rf"(?:{_SEP}\d)"
# 0 then 9 or 10 digits (the first not 0); or + then 8 to 15 digits (the first not 0), +81 then 9 or 10 (not 0 first)
_DOMESTIC = rf"0{_SEP}[1-9]{_DIGITS}{{8,9}}"
_E164 = rf"\+{_SEP}(?:8{_SEP}1{_SEP}[1-9]{_DIGITS}{{8,9}}|(?!8{_SEP}1)[1-9]{_DIGITS}{{7,14}})"
PHONE_WORDS = "E.164（+819012345678）または日本の形式（090-1234-5678）"
PHONE_PATTERN = matching(rf"^{_SEP}(?:{_DOMESTIC}|{_E164}){_SEP}$", PHONE_WORDS)
PHONE_SHAPE = {
    "pattern": PHONE_PATTERN,
    "pattern_words": PHONE_WORDS,
    "phone": True,
}  # field_info("電話番号", **PHONE_SHAPE)
RULE = re.compile(PHONE_PATTERN)
JAPAN = "+81"


class PhoneFormatError(ValueError):
    """Not a phone number in E.164 or a Japanese domestic format."""


def normalise_phone(raw: str) -> str:
    """'090-1234-5678', '(03) 1234 5678', '＋81 90 1234 5678' → '+819012345678'."""
    text = unicodedata.normalize("NFKC", raw or "").strip()
    if not RULE.match(text):
        raise PhoneFormatError(f"expected {PHONE_WORDS}")
    number = SEPARATORS.sub("", text)
    return JAPAN + number[1:] if number.startswith("0") else number
