"""A statement's site fields found in what the engine read, each by its label and its rule.

Lines are read NFKC (㎾h as kWh, ㎥ as m3), dashes of every kind as "-". A field is looked for after its label (same
line, else the next); a value breaking the field's rule is withheld, never proposed. Gas bills carry ガスご使用量 in m3
and no 契約容量 or 電力会社."""

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal, get_args

from service.crm.masters import PREFECTURES
from service.crm.ocr.engine import Box, Glyph, Line

DASHES = dict.fromkeys(map(ord, "‐‑‒–—―−ｰ－"), "-")
LOCATION_DIGITS = 22
MAX_LENGTH = {"power_customer_number": 30, "power_customer_name": 100, "power_plan_name": 100,
              "power_city": 50, "power_town": 50, "power_street": 100, "contract_capacity": 20}  # fmt: skip
REIWA = 2018  # 令和元年 = 2019
# 様 is often read as one of the characters it looks like; a name never ends with them
HONORIFICS = re.compile(r"\s*(様|御中|殿|欄|楼|橡|標)$")
# katakana read for the kanji they look like (電カ for 電力): folded alike when a known word is looked for
LOOKALIKES = str.maketrans("カロエニハタト", "力口工二八夕卜")
POSTAL = re.compile(r"〒?\s*(\d{3})\s*-\s*(\d{4})|〒\s*(\d{3})(\d{4})")
CITY = re.compile(r"(.+?郡.+?[町村]|.+?市.+?区|.+?[市区町村])")
SERVICE_WORDS = re.compile(r"ガス|電気|電力")
AMOUNT = re.compile(r"(\d{1,3}(?:[,.]{1,2}\d{3})+|\d+)")  # 「1,234」; the comma may be read as a point, or both
# a label's characters may come apart (the engine splits Japanese into words): 「ご 契約 種別」
LABELS = {
    "power_customer_location_number": ("供給地点特定番号", "供給地点番号"),
    "power_customer_number": ("お客様番号", "お客さま番号", "お客様No"),
    "power_customer_name": ("ご契約名義", "契約名義", "ご契約者名", "お客様名"),
    "address": ("ご使用場所", "使用場所", "供給場所", "需要場所"),
    "power_plan_name": ("ご契約種別", "契約種別", "料金プラン", "ご契約プラン", "契約メニュー"),
    "contract_capacity": ("ご契約容量", "契約容量", "ご契約電流", "契約電流", "ご契約電力", "契約電力"),
    "latest_date": ("ご使用年月", "使用年月", "ご請求年月", "ご使用月", "検針年月"),
    "latest_power_usage": ("ガスご使用量", "ご使用量", "使用量", "電力量"),
    "latest_charges": ("ご請求金額", "請求金額", "ご請求予定金額", "ご請求額", "料金合計"),
}
# In the 地点入力 form's order
OcrField = Literal[
    "power_supplier_type",
    "power_customer_number",
    "power_customer_location_number",
    "power_customer_name",
    "power_zip_code",
    "power_prefecture",
    "power_city",
    "power_town",
    "power_street",
    "power_plan_name",
    "contract_capacity",
    "latest_date",
    "latest_power_usage",
    "latest_charges",
]
FIELDS: tuple[str, ...] = get_args(OcrField)


class Broken(ValueError):
    """Its message says the rule in Japanese."""


@dataclass(frozen=True)
class Proposal:
    """Confidence is the mean of its characters'."""

    field: str
    value: str | int
    confidence: float
    box: Box
    chars: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class Withheld:
    field: str
    read: str
    rule: str


@dataclass(frozen=True)
class Extraction:
    proposals: dict[str, Proposal]
    withheld: list[Withheld]


class Text:
    def __init__(self, line: Line) -> None:
        self.glyphs: tuple[Glyph, ...] = line.glyphs
        chars: list[str] = []
        origin: list[int] = []
        for n, glyph in enumerate(line.glyphs):
            for char in unicodedata.normalize("NFKC", glyph.text).translate(DASHES):
                if char == " " and chars and not (chars[-1].isascii() and _next_ascii(line.glyphs, n)):
                    continue  # Japanese is written without spaces: one the engine put beside a Japanese word goes
                chars.append(char)
                origin.append(n)
        self.text, self.origin = "".join(chars), origin
        self.folded = self.text.translate(LOOKALIKES)  # for finding labels and names, never for a value

    def span(self, start: int, end: int) -> tuple[Box, float, tuple[tuple[str, float], ...]]:
        glyphs = [self.glyphs[n] for n in dict.fromkeys(self.origin[start:end])]
        inked = [glyph for glyph in glyphs if not glyph.text.isspace()] or glyphs
        box = (
            min(g.box[0] for g in inked),
            min(g.box[1] for g in inked),
            max(g.box[2] for g in inked),
            max(g.box[3] for g in inked),
        )
        chars = tuple((self.text[i], self.glyphs[self.origin[i]].confidence) for i in range(start, end))
        read = [confidence for char, confidence in chars if not char.isspace()]
        return box, round(sum(read) / len(read), 3) if read else 0.0, chars


def _next_ascii(glyphs: tuple[Glyph, ...], n: int) -> bool:
    following = unicodedata.normalize("NFKC", glyphs[n + 1].text) if n + 1 < len(glyphs) else ""
    return following[:1].isascii()


def _label_pattern(words: Iterable[str]) -> re.Pattern[str]:
    folded = (word.translate(LOOKALIKES) for word in sorted(words, key=len, reverse=True))
    spaced = ("\\s*".join(map(re.escape, word)) for word in folded)
    return re.compile(rf"(?:^|(?<=[\s|]))(?:{'|'.join(spaced)})\s*[:;]?\s*")


PATTERNS = {field: _label_pattern(words) for field, words in LABELS.items()}


@dataclass(frozen=True)
class Found:
    """Or the next line when the label stands alone."""

    text: Text
    start: int
    end: int

    @property
    def value(self) -> str:
        return self.text.text[self.start : self.end]


def _after_label(texts: list[Text], field: str) -> list[Found]:
    found = []
    for n, text in enumerate(texts):
        for match in PATTERNS[field].finditer(text.folded):
            start, end = match.end(), len(text.text.rstrip())
            if start < end:
                found.append(Found(text, start, end))
            elif n + 1 < len(texts) and texts[n + 1].text.strip():
                following = texts[n + 1]
                found.append(
                    Found(following, len(following.text) - len(following.text.lstrip()), len(following.text.rstrip()))
                )
    return found


# --- the rules: each takes the value part and answers (value, the part of it used), or raises Broken -------------


Rule = Callable[[str], tuple[str | int, int, int]]


def location_number(value: str) -> tuple[str, int, int]:
    match = re.match(r"[\d\s-]*\d", value)
    digits = re.sub(r"[\s-]", "", match.group(0)) if match else ""
    if len(digits) != LOCATION_DIGITS:
        raise Broken(f"{LOCATION_DIGITS}桁の数字ではありません（{len(digits)}桁）")
    return digits, 0, match.end() if match else 0


def customer_number(value: str) -> tuple[str, int, int]:
    match = re.match(r"[0-9][0-9-]*[0-9]", value)
    if not match or sum(c.isdigit() for c in match.group(0)) < 5:
        raise Broken("5桁以上の数字（「-」区切り可）ではありません")
    number = match.group(0)
    if len(number) > MAX_LENGTH["power_customer_number"]:
        raise Broken("30文字を超えています")
    return number, 0, match.end()


def _text(field: str) -> Rule:
    """様・御中 dropped."""

    def rule(value: str) -> tuple[str, int, int]:
        kept = HONORIFICS.sub("", value).strip()
        if not any(c.isalpha() for c in kept):
            raise Broken("文字が読み取れません")
        if len(kept) > MAX_LENGTH[field]:
            raise Broken(f"{MAX_LENGTH[field]}文字を超えています")
        return kept, 0, len(kept)

    return rule


def capacity(value: str) -> tuple[str, int, int]:
    match = re.match(r"(\d+(?:\.\d+)?)\s*(kVA|kW|A)\b", value, re.IGNORECASE)
    if not match:
        raise Broken("数値と単位（A・kVA・kW）ではありません")
    unit = {"kva": "kVA", "kw": "kW", "a": "A"}[match.group(2).lower()]
    return f"{match.group(1)}{unit}", 0, match.end()


def year_month(value: str) -> tuple[str, int, int]:
    match = re.match(r"(?:(\d{4})|令和\s*(\d{1,2}|元))\s*年\s*(\d{1,2})\s*月|(\d{4})\s*[/.-]\s*(\d{1,2})(?!\d)", value)
    if not match:
        raise Broken("年月（2026年1月 など）ではありません")
    western, reiwa, month, slashed_year, slashed_month = match.groups()
    year = int(western or slashed_year) if (western or slashed_year) else REIWA + (1 if reiwa == "元" else int(reiwa))
    number = int(month or slashed_month)
    if not (2000 <= year <= 2100 and 1 <= number <= 12):
        raise Broken("ありえない年月です")
    return f"{year}-{number:02d}", 0, match.end()


def _whole_number(digits: str) -> int:
    """「1,234」; the engine may read the comma as a point."""
    return int(re.sub(r"[,.]", "", digits))


def _usage(unit: str) -> Rule:
    def rule(value: str) -> tuple[int, int, int]:
        match = re.match(rf"{AMOUNT.pattern}\s*{unit}\b", value, re.IGNORECASE)
        if not match:
            raise Broken(f"数値と単位（{unit}）ではありません")
        return _whole_number(match.group(1)), 0, match.end()

    return rule


def charges(value: str) -> tuple[int, int, int]:
    match = re.match(rf"[¥\\]?\s*{AMOUNT.pattern}\s*(円)?", value)
    if not match or not (match.group(2) or value.lstrip().startswith(("¥", "\\"))):
        raise Broken("金額（円）ではありません")
    return _whole_number(match.group(1)), 0, match.end()


RULES: dict[str, Rule] = {
    "power_customer_location_number": location_number,
    "power_customer_number": customer_number,
    "power_customer_name": _text("power_customer_name"),
    "power_plan_name": _text("power_plan_name"),
    "contract_capacity": capacity,
    "latest_date": year_month,
    "latest_power_usage": _usage("kWh"),
    "latest_charges": charges,
}
GAS_RULES = {field: rule for field, rule in RULES.items() if field != "contract_capacity"} | {
    "latest_power_usage": _usage("m3")
}


def _propose(found: Found, field: str, value: str | int, start: int, end: int) -> Proposal:
    box, confidence, chars = found.text.span(found.start + start, found.start + end)
    return Proposal(field, value, confidence, box, chars)


def _labelled(texts: list[Text], field: str, rule: Rule, into: Extraction) -> None:
    """The first that broke it is withheld."""
    broken: Withheld | None = None
    for found in _after_label(texts, field):
        try:
            value, start, end = rule(found.value)
        except Broken as exc:
            broken = broken or Withheld(field, found.value, str(exc))
            continue
        into.proposals[field] = _propose(found, field, value, start, end)
        return
    if broken is not None:
        into.withheld.append(broken)


def _address(texts: list[Text], into: Extraction) -> None:
    """〒 and seven digits, a known prefecture, a city (…市…区, …郡…町, …市), the town (up to the first digit), the
    street."""
    for found in _after_label(texts, "address"):
        value, offset = found.value, 0
        postal = POSTAL.match(value)
        if postal:
            first, last = (postal.group(1), postal.group(2)) if postal.group(1) else (postal.group(3), postal.group(4))
            into.proposals["power_zip_code"] = _propose(found, "power_zip_code", f"{first}-{last}", 0, postal.end())
            offset = postal.end() + len(value[postal.end() :]) - len(value[postal.end() :].lstrip())
        rest = value[offset:].replace(" ", "")
        prefecture = next((p for p in PREFECTURES if rest.startswith(p)), None)
        if prefecture is None:
            into.withheld.append(Withheld("power_prefecture", value[offset:], "都道府県名から始まっていません"))
            return
        _address_parts(found, offset, prefecture, into)
        return


def _address_parts(found: Found, offset: int, prefecture: str, into: Extraction) -> None:
    """Spaces the engine put in are skipped."""
    kept = [i for i in range(offset, len(found.value)) if found.value[i] != " "]
    joined = "".join(found.value[i] for i in kept)
    city = CITY.match(joined, len(prefecture))
    town_end = len(joined)
    digit = re.search(r"\d", joined[city.end() :]) if city else None
    if city and digit:
        town_end = city.end() + digit.start()
    parts = [("power_prefecture", 0, len(prefecture))]
    if city:
        parts += [("power_city", len(prefecture), city.end()), ("power_town", city.end(), town_end)]
        if town_end < len(joined):
            parts.append(("power_street", town_end, len(joined)))
    else:
        into.withheld.append(Withheld("power_city", joined[len(prefecture) :], "市区町村が読み取れません"))
    for field, start, end in parts:
        part = joined[start:end]
        if not part or len(part) > MAX_LENGTH.get(field, 50):
            continue
        into.proposals[field] = _propose(found, field, part, kept[start], kept[end - 1] + 1)


def _issuer(texts: list[Text], companies: dict[str, str], into: Extraction) -> None:
    """The topmost first."""
    for text in texts:
        squeezed = [i for i, char in enumerate(text.folded) if char != " "]
        joined = "".join(text.folded[i] for i in squeezed)
        for code, name in companies.items():
            at = joined.find(name.translate(LOOKALIKES))
            if at >= 0:
                box, confidence, chars = text.span(squeezed[at], squeezed[at + len(name) - 1] + 1)
                into.proposals["power_supplier_type"] = Proposal("power_supplier_type", code, confidence, box, chars)
                return


def is_gas(texts: list[Text]) -> bool:
    """The topmost line naming ガス, 電気 or 電力 names ガス."""
    for text in texts:
        match = SERVICE_WORDS.search(text.folded)
        if match:
            return match.group(0) == "ガス"
    return False


def extract(lines: list[Line], *, companies: dict[str, str]) -> Extraction:
    """その他 is never proposed."""
    texts = [Text(line) for line in lines]
    found = Extraction({}, [])
    gas = is_gas(texts)
    if not gas:
        _issuer(texts, companies, found)
    for field, rule in (GAS_RULES if gas else RULES).items():
        _labelled(texts, field, rule, found)
    _address(texts, found)
    proposals = {field: found.proposals[field] for field in FIELDS if field in found.proposals}
    return Extraction(proposals, found.withheld)
