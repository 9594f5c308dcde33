"""The address a bill prints after ご使用場所, split as the sales form and the carrier CSV keep it: 〒 and seven digits,
the prefecture, the city (…市…区, …郡…町, …市; a 区 alone only in 東京都), the town (町域: up to its 丁目's number or
the first digit), and the street (番地: 丁目, 番地 and 号 as 「1-2-3」, the carrier CSV's power_street_1〜3; kanji
numerals as digits). What follows the numbers (a building) is not the street's. A prefecture read with one character
wrong is taken when nothing else fits it."""

import re
from dataclasses import dataclass, field

from service.crm.masters import PREFECTURES
from service.crm.ocr.companies import POSTAL_PREFECTURES

# 〒 misread too, or followed by a speck
POSTAL = re.compile(r"(?:〒?[^\d\s](?=\s*\d{3}\s*-)|〒)?\s*(\d{3})\s*-\s*(\d{4})|〒\s*(\d{3})(\d{4})")
CITY = re.compile(r"(.+?郡.+?[町村]|.+?市.+?区|.+?[市区町村])")
KANJI_NUMBER = "[一二三四五六七八九十]+"
CHOME_WORD = "丁目"
CHOME = re.compile(rf"(\d+|{KANJI_NUMBER}){CHOME_WORD}")
STREET_NUMBER = re.compile(rf"\d+|{KANJI_NUMBER}(?=丁目)")
STREET_SEPARATOR = re.compile(r"丁目|番地|番|号|の|-|ー")
ENDS_A_NUMBER = ("丁目", "番地", "番", "号")  # written after a number, part of the street as printed
STREET_PARTS = 3  # 丁目, 番地, 号
SPECIAL_WARDS = "東京都"  # the one prefecture with wards (特別区) that are in no city
KANJI_DIGITS = "〇一二三四五六七八九"


@dataclass(frozen=True)
class Part:
    """A field's value and where it stands in the address as read."""

    field: str
    value: str
    start: int
    end: int


@dataclass
class Split:
    parts: list[Part] = field(default_factory=list)
    problems: list[tuple[str, str, str]] = field(default_factory=list)  # field, what was read, the rule


def kanji_number(written: str) -> int:
    """一 … 九十九: 十, 十二, 二十, 二十三."""
    if "十" not in written:
        return int("".join(str(KANJI_DIGITS.index(char)) for char in written))
    tens, _, ones = written.partition("十")
    return (KANJI_DIGITS.index(tens) if tens else 1) * 10 + (KANJI_DIGITS.index(ones) if ones else 0)


def split(value: str) -> Split:
    """Spaces the engine put in are skipped; a part's start and end are in `value`. 丁目 may be read 丁日."""
    value = value.replace("丁日", "丁目")
    found = Split()
    offset = 0
    postal = POSTAL.match(value)
    if postal:
        first, last = (postal.group(1), postal.group(2)) if postal.group(1) else (postal.group(3), postal.group(4))
        found.parts.append(Part("power_zip_code", f"{first}-{last}", 0, postal.end()))
        offset = postal.end()
    kept = [i for i in range(offset, len(value)) if value[i] != " "]
    joined = "".join(value[i] for i in kept)
    prefecture = _prefecture(joined, found.parts[0].value if found.parts else None)
    if prefecture is None:
        found.problems.append(("power_prefecture", value[offset:].strip(), "都道府県名から始まっていません"))
        return found
    pieces = [("power_prefecture", prefecture, 0, len(prefecture))]
    city = CITY.match(joined, len(prefecture))
    if city is None:
        found.problems.append(("power_city", joined[len(prefecture) :], "市区町村が読み取れません"))
        return _placed(found, pieces, kept)
    name = joined[len(prefecture) : city.end()]
    if name.endswith("区") and "市" not in name and prefecture != SPECIAL_WARDS:
        found.problems.append(
            ("power_city", name, f"{SPECIAL_WARDS}のほかに市のない区はありません（市の名前が読み取れません）")
        )
    else:
        pieces.append(("power_city", name, len(prefecture), city.end()))
    pieces += _town_and_street(joined, city.end(), found)
    return _placed(found, pieces, kept)


def _prefecture(joined: str, postal: str | None) -> str | None:
    """The prefecture the address starts with; read with one character wrong (東京者) when it is the only such one, and
    the postal code's when there is one."""
    exact = next((p for p in PREFECTURES if joined.startswith(p)), None)
    if exact is not None:
        return exact
    near = [p for p in PREFECTURES if sum(a != b for a, b in zip(p, joined[: len(p)], strict=False)) == 1]
    near = [p for p in near if len(joined) >= len(p)]
    if postal is not None:
        near = [p for p in near if p in POSTAL_PREFECTURES.get(postal[:2], frozenset())]
    return near[0] if len(near) == 1 else None


def _placed(found: Split, pieces: list[tuple[str, str, int, int]], kept: list[int]) -> Split:
    """The pieces' places in the address as read (`kept`: where each character of the joined text stood)."""
    for name, part, start, end in pieces:
        found.parts.append(Part(name, part, kept[start], kept[end - 1] + 1))
    return found


def _town_and_street(joined: str, start: int, found: Split) -> list[tuple[str, str, int, int]]:
    """The town up to its 丁目's number (or the first digit); the street's numbers joined by 「-」."""
    marks = [match.start() for match in (CHOME.search(joined, start), re.compile(r"\d").search(joined, start)) if match]
    town_end = min(marks, default=len(joined))
    if joined.endswith(CHOME_WORD, start, town_end):  # 丁目 with no number before it: the number was lost
        rule = f"{CHOME_WORD}の数字が読み取れません"
        found.problems += [("power_town", joined[start:town_end], rule), ("power_street", joined[town_end:], rule)]
        return []
    pieces = []
    if town_end > start:
        pieces.append(("power_town", joined[start:town_end], start, town_end))
    numbers: list[str] = []
    at = end = town_end
    while len(numbers) < STREET_PARTS:
        number = STREET_NUMBER.match(joined, at)
        if number is None:
            break
        written = number.group(0)
        numbers.append(str(int(written) if written.isdigit() else kanji_number(written)))
        at = end = number.end()
        separator = STREET_SEPARATOR.match(joined, at)
        if separator is None:
            break
        at = separator.end()
        end = at if separator.group(0) in ENDS_A_NUMBER else end
    if numbers:
        pieces.append(("power_street", "-".join(numbers), town_end, end))
    elif town_end < len(joined):
        found.problems.append(("power_street", joined[town_end:], "番地（丁目・番地・号の数字）が読み取れません"))
    return pieces
