"""Field rules of the carrier screens. Each check normalises what it accepts and raises a PydanticCustomError whose type
names the rule, so a 422 says which field broke which rule."""

import re
import unicodedata
from datetime import date

from pydantic_core import PydanticCustomError

from service.crm.masters import PREFECTURES
from service.crm.periods import local_today
from service.database import utcnow

KATAKANA = re.compile(r"^[\u30a1-\u30fa\u30fc\u30fb\u30fd\u30fe ]+$")
POSTAL = re.compile(r"^(\d{3})-?(\d{4})$")
PHONE = re.compile(r"^0\d{1,4}-?\d{1,4}-?\d{3,4}$")
YEAR_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
HIRAGANA_TO_KATAKANA = {code: code + 0x60 for code in range(0x3041, 0x3097)}


def _nfkc(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip()


def check_digit(base: str) -> int:
    """国税庁の定める計算式."""
    total = sum(int(digit) * (1 if n % 2 else 2) for n, digit in enumerate(reversed(base), start=1))
    return 9 - total % 9


def corporation_number(value: str) -> str:
    digits = _nfkc(value).replace("-", "")
    if not digits:
        return ""
    if not (len(digits) == 13 and digits.isascii() and digits.isdigit()):
        raise PydanticCustomError("corporation_number_format", "法人番号は13桁の数字で入力してください")
    if int(digits[0]) != check_digit(digits[1:]):
        raise PydanticCustomError("corporation_number_check_digit", "法人番号のチェックデジットが一致しません")
    return digits


def katakana(value: str) -> str:
    """Half-width kana and hiragana are converted; spaces, ー and ・ allowed."""
    text = _nfkc(value).replace("\u3000", " ").translate(HIRAGANA_TO_KATAKANA)
    if text and not KATAKANA.match(text):
        raise PydanticCustomError("katakana", "カナ項目は全角カタカナで入力してください")
    return text


def postal_code(value: str) -> str:
    """Stored as 123-4567."""
    text = _nfkc(value)
    if not text:
        return ""
    match = POSTAL.match(text)
    if not match:
        raise PydanticCustomError("postal_code", "郵便番号は7桁の数字（例: 150-0001）で入力してください")
    return f"{match.group(1)}-{match.group(2)}"


def phone_number(value: str) -> str:
    """Hyphens kept as written."""
    text = _nfkc(value).replace(" ", "")
    if not text:
        return ""
    digits = text.replace("-", "")
    if not PHONE.match(text) or len(digits) not in (10, 11) or text.count("-") not in (0, 2):
        raise PydanticCustomError(
            "phone_number", "電話番号は0から始まる10桁または11桁（例: 03-1234-5678）で入力してください"
        )
    return text


def prefecture(value: str) -> str:
    text = _nfkc(value)
    if text and text not in PREFECTURES:
        raise PydanticCustomError("prefecture", "都道府県名が正しくありません（例: 東京都）")
    return text


def card_number(value: str) -> str:
    """Luhn check; spaces and hyphens dropped."""
    digits = _nfkc(value).replace(" ", "").replace("-", "")
    if not digits:
        return ""
    if not (digits.isascii() and digits.isdigit() and 12 <= len(digits) <= 19):
        raise PydanticCustomError("card_number_format", "カード番号は12〜19桁の数字で入力してください")
    total = 0
    for i, digit in enumerate(reversed(digits)):
        n = int(digit) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    if total % 10:
        raise PydanticCustomError("card_number_luhn", "カード番号が正しくありません（チェックディジット不一致）")
    return digits


def security_code(value: str) -> str:
    digits = _nfkc(value)
    if digits and not (digits.isascii() and digits.isdigit() and len(digits) in (3, 4)):
        raise PydanticCustomError("security_code_format", "セキュリティコードは3桁または4桁の数字です")
    return digits


def expire_month(value: str) -> str:
    text = _nfkc(value)
    if not text:
        return ""
    if not (text.isdigit() and 1 <= int(text) <= 12):
        raise PydanticCustomError("expire_month", "有効期限（月）は01〜12で入力してください")
    return f"{int(text):02d}"


def expire_year(value: str) -> str:
    """Stored as four digits."""
    text = _nfkc(value)
    if not text:
        return ""
    if not (text.isdigit() and len(text) in (2, 4)):
        raise PydanticCustomError("expire_year", "有効期限（年）は西暦2桁または4桁で入力してください")
    return text if len(text) == 4 else f"20{text}"


def year_month(value: str) -> str:
    """Also YYYY/MM and YYYYMM."""
    text = _nfkc(value).replace("/", "-")
    if not text:
        return ""
    if len(text) == 6 and text.isdigit():
        text = f"{text[:4]}-{text[4:]}"
    if not YEAR_MONTH.match(text):
        raise PydanticCustomError("year_month", "年月は YYYY-MM 形式で入力してください")
    return text


def location_number(value: str) -> str:
    """供給地点特定番号: 22 digits."""
    digits = _nfkc(value).replace(" ", "").replace("-", "")
    if digits and not (digits.isascii() and digits.isdigit() and len(digits) == 22):
        raise PydanticCustomError("location_number", "供給地点特定番号は22桁の数字で入力してください")
    return digits


def past_date(value: date | None) -> date | None:
    """In APP_TIMEZONE, not the machine's date: a server's UTC date is a day behind Japan's from 00:00 to 09:00."""
    if value is not None and (value.year < 1900 or value > local_today(utcnow())):
        raise PydanticCustomError("past_date", "生年月日は1900年以降の過去の日付で入力してください")
    return value
