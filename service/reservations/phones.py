"""Phone numbers: E.164 (+81…) and Japanese domestic formats (090-1234-5678, 03-1234-5678) accepted, E.164 stored."""

import re
import unicodedata

SEPARATORS = re.compile(r"[\s\-‐‑‒–—―ー−().]")
E164 = re.compile(r"\+[1-9]\d{7,14}")
DOMESTIC = re.compile(r"0[1-9]\d{8,9}")
JAPAN = "+81"


class PhoneFormatError(ValueError):
    """Not a phone number in E.164 or a Japanese domestic format."""


def normalise_phone(raw: str) -> str:
    """'090-1234-5678', '(03) 1234 5678', '＋81 90 1234 5678' → '+819012345678'; anything else raises."""
    text = SEPARATORS.sub("", unicodedata.normalize("NFKC", raw or "").strip())
    if DOMESTIC.fullmatch(text):
        return JAPAN + text[1:]
    if E164.fullmatch(text):
        if text.startswith(JAPAN) and not re.fullmatch(r"\+81[1-9]\d{8,9}", text):
            raise PhoneFormatError("a Japanese number is +81 followed by 9 or 10 digits without the leading 0")
        return text
    raise PhoneFormatError("expected E.164 (+819012345678) or a Japanese number (090-1234-5678)")
