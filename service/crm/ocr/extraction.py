"""A statement's site fields found in what the engine read, each by its label and its rule, then checked against each
other (`checks.py`).

Lines are read NFKC (㎾h as kWh, ㎥ as m3), dashes of every kind as "-". Each field's label words are the choice
master's (`masters.OCR_LABELS` its defaults; an admin adds a bill's wording on the マスタ page). Every line's labels
are found, the longest first, one of four characters or more also with one character misread (ご使用年朋). A value is
taken wherever the page puts it: after its label up to the next label or a wide gap; under it, in its box or in its
column under a header row (the boxes' x-overlap); or right of it, read as another line. The first value that keeps its
field's rule is proposed; when none does, the first that broke it is withheld with the rule, never proposed, and so is
a value with a character the engine could not make out, and a name with one it was unsure of. Lines that are no
field's are read too: they end a value (基本料金, 1段料金 …), and the checks use some (the tiers, the meter readings,
the consumption tax). The issuer is the topmost company's name: an area company's proposes its 電力会社, another's
その他. Gas bills carry ガスご使用量 in m3 and no 契約容量 or 電力会社."""

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cache
from typing import Literal, get_args

from service.crm import masters
from service.crm.ocr import addresses, checks
from service.crm.ocr.companies import COMPANIES, LOOKALIKES, LOST_AT_END, OTHER, PREFECTURE_AREAS, plan_named
from service.crm.ocr.engine import Box, Glyph, Line
from service.crm.ocr.proposals import Extraction, Proposal, Withheld

DASHES = dict.fromkeys(map(ord, "‐‑‒–—―−ｰ－"), "-")
LOCATION_DIGITS = 22
MAX_LENGTH = {"power_customer_number": 30, "power_customer_name": 100, "power_plan_name": 100,
              "power_city": 50, "power_town": 50, "power_street": 100, "contract_capacity": 20}  # fmt: skip
REIWA = 2018  # 令和元年 = 2019
PHRASE = "の"  # a label's words followed by の are a phrase (電気ご使用量のお知らせ), not the label
FUZZY_FROM = 4  # a label this long is also found with one of its characters misread
MISREAD = r"[^\x00-\x7f\s]"  # what a label's character may be read as: another character, never a digit or a letter
ROW_APART = 1.2  # characters whose middles are this many times the line's height apart stand on two rows
WIDE_GAP = 5  # a gap this many times the line's height ends a value (the next column's text)
ILLEGIBLE = 0.1  # a character read with less confidence is not made out (it is as likely another)
PIECE_GAP = 2  # a gap this many times the line's height parts two cells' texts
ROW_BAND = 0.6  # texts whose middles are less than this many line heights apart stand on one row
BELOW_REACH = 3  # a value under its label starts within this many line heights of the label's foot
# 様 is often read as one of the characters it looks like; a name never ends with them
HONORIFICS = re.compile(r"\s*(様|御中|殿|欄|楼|橡|標)$")
SERVICE_WORDS = re.compile(r"ガス|電気|電力")
POWER_MISREAD = re.compile(r"(?<=[電動])カ")  # 電カ, 動カ: katakana カ after these kanji is 力
SPECKS = re.compile(r"[!?|]|・$")  # what no name or plan has: a speck, or a word cut short after its ・
# 「1,234」: the comma may be read as a point, or as both, a stray point beside it too; a space may split a group
AMOUNT = re.compile(r"(\d{1,3}(?:[,.]{1,3}\d(?: ?\d){2})+|\d+)")
SEPARATORS = " :;|_-ー\"'。、・,."  # and what is left of a table's rules (or a speck) before a value
DEFAULT_LABELS = masters.ocr_labels(masters.choice_rows())  # the master's words as the migration seeds them
# Lines that are no field's: what the checks read from them, or only where they end a value.
CONTEXT = {
    "tier": ("1段料金", "2段料金", "3段料金", "第1段", "第2段", "第3段"),
    "reading_now": ("今回指示数", "当月指示数"),
    "reading_before": ("前回指示数", "前月指示数"),
    "reading_difference": ("差引",),
    "multiplier": ("乗率",),
    "tax": ("うち消費税等相当額", "消費税等相当額", "うち消費税等", "消費税等"),
    "other": ("基本料金", "電力量料金", "燃料費調整額", "再エネ発電賦課金", "検針日", "停電"),
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
        heights = sorted(glyph.box[3] - glyph.box[1] for glyph in line.glyphs if not glyph.text.isspace())
        self.height = heights[len(heights) // 2] if heights else 1

    def glyph(self, index: int) -> Glyph:
        return self.glyphs[self.origin[index]]

    def span(self, start: int, end: int) -> tuple[Box, float, tuple[tuple[str, float], ...]]:
        glyphs = [self.glyphs[n] for n in dict.fromkeys(self.origin[start:end])]
        inked = [glyph for glyph in glyphs if not glyph.text.isspace()] or glyphs
        box = (
            min(g.box[0] for g in inked),
            min(g.box[1] for g in inked),
            max(g.box[2] for g in inked),
            max(g.box[3] for g in inked),
        )
        chars = tuple((self.text[i], self.glyph(i).confidence) for i in range(start, end))
        read = [confidence for char, confidence in chars if not char.isspace()]
        return box, round(sum(read) / len(read), 3) if read else 0.0, chars

    def trimmed(self, start: int, end: int) -> tuple[int, int]:
        """Without the separators before and the spaces after; cut at the first wide gap (the next column)."""
        while start < end and self.text[start] in SEPARATORS:
            start += 1
        for i in range(start, end - 1):
            if self.glyph(i + 1).box[0] - self.glyph(i).box[2] > WIDE_GAP * self.height:
                end = i + 1
                break
        while end > start and self.text[end - 1].isspace():
            end -= 1
        return start, end


def _next_ascii(glyphs: tuple[Glyph, ...], n: int) -> bool:
    following = unicodedata.normalize("NFKC", glyphs[n + 1].text) if n + 1 < len(glyphs) else ""
    return following[:1].isascii()


def _label_pattern(words: Iterable[str], *, fuzzy: bool) -> re.Pattern[str] | None:
    """A label's characters may come apart (the engine splits Japanese into words): 「ご 契約 種別」."""
    variants = []
    for word in sorted(words, key=len, reverse=True):
        chars = [re.escape(char) for char in unicodedata.normalize("NFKC", word).translate(LOOKALIKES)]
        if not fuzzy:
            variants.append(chars)
            continue
        if len(chars) >= FUZZY_FROM:
            variants += [[*chars[:n], MISREAD, *chars[n + 1 :]] for n in range(len(chars))]
        if word.endswith(LOST_AT_END):
            variants.append(chars[:-1])
    return re.compile("|".join("\\s*".join(chars) for chars in variants)) if variants else None


Words = tuple[tuple[str, tuple[str, ...]], ...]  # (field or context, its words) …


@cache
def patterns(words: Words) -> dict[str, tuple[re.Pattern[str] | None, re.Pattern[str] | None]]:
    """Each field's and context's label patterns, exact and with one character misread."""
    return {name: (_label_pattern(said, fuzzy=False), _label_pattern(said, fuzzy=True)) for name, said in words}


@dataclass(frozen=True)
class Label:
    """A label found on a line: the field (or context) it names, its characters on that line."""

    name: str
    line: int
    start: int
    end: int
    fuzzy: bool


def _labels(
    n: int, text: Text, found_by: dict[str, tuple[re.Pattern[str] | None, re.Pattern[str] | None]]
) -> list[Label]:
    """A line's labels, left to right, none overlapping but twins: where two start together the longer (then the exact)
    wins."""
    found = []
    for name, pair in found_by.items():
        for pattern, fuzzy in zip(pair, (False, True), strict=True):
            if pattern is not None:
                found += [
                    Label(name, n, m.start(), m.end(), fuzzy)
                    for m in pattern.finditer(text.folded)
                    if not text.folded.startswith(PHRASE, m.end())
                ]
    found.sort(key=lambda label: (label.start, label.start - label.end, label.fuzzy))
    chosen: list[Label] = []
    for label in found:
        if not chosen or label.start >= chosen[-1].end or _twins(label, chosen[-1]):
            chosen.append(label)
    return chosen


def _twins(label: Label, other: Label) -> bool:
    """Two fields' labels read alike with a character wrong (ご使用所: ご使用月 or ご使用量): both are kept, and each
    field's rule tells whose value follows."""
    return label.fuzzy and other.fuzzy and (label.start, label.end) == (other.start, other.end)


@dataclass(frozen=True)
class Found:
    """A value's characters on its line (the label's, or another's); `fuzzy`: its label was read with a character
    wrong (a title's words may look alike: ご請求明細 for ご請求額)."""

    text: Text
    start: int
    end: int
    fuzzy: bool = False

    @property
    def value(self) -> str:
        return self.text.text[self.start : self.end]


def rows(line: Line) -> list[Line]:
    """A line the engine read across two rows of text (a box's label and its value below) as one line per row, top
    to bottom: its characters grouped by their height on the page, a space going with the character before it."""
    inked = [glyph for glyph in line.glyphs if not glyph.text.isspace()]
    if not inked:
        return [line]
    heights = sorted(glyph.box[3] - glyph.box[1] for glyph in inked)
    apart = ROW_APART * heights[len(heights) // 2]
    centres = sorted((glyph.box[1] + glyph.box[3]) / 2 for glyph in inked)
    tops = [centres[0]] + [
        later for earlier, later in zip(centres, centres[1:], strict=False) if later - earlier > apart
    ]
    if len(tops) == 1:
        return [line]
    grouped: list[list[Glyph]] = [[] for _ in tops]
    row = 0
    for glyph in line.glyphs:
        if not glyph.text.isspace():
            row = max(n for n, top in enumerate(tops) if (glyph.box[1] + glyph.box[3]) / 2 >= top)
            grouped[row].append(glyph)
        elif grouped[row]:
            grouped[row].append(glyph)
    return [Line(tuple(glyphs)) for glyphs in grouped if glyphs]


@dataclass(frozen=True)
class Piece:
    """A run of a line's characters with no wide gap inside (one cell's text), and its box."""

    line: int
    start: int
    end: int
    box: Box


def _overlap(one: Sequence[float], other: Sequence[float]) -> float:
    return min(one[2], other[2]) - max(one[0], other[0])


def _middle(box: Box) -> float:
    return (box[1] + box[3]) / 2


def _centre(box: Box) -> float:
    return (box[0] + box[2]) / 2


class Page:
    """The lines read (a row each), the labels on each, and each line's pieces: what stands where."""

    def __init__(self, lines: list[Line], words: Words) -> None:
        self.texts = [Text(row) for line in lines for row in rows(line)]
        found_by = patterns(words)
        self.labels = [_labels(n, text, found_by) for n, text in enumerate(self.texts)]
        self.pieces = [piece for n in range(len(self.texts)) for piece in self._pieces(n)]

    def _pieces(self, n: int) -> list[Piece]:
        text = self.texts[n]
        inked = [i for i, char in enumerate(text.text) if not char.isspace()]
        runs: list[list[int]] = []
        reach = 0  # the right edge of the run so far (the engine's character boxes may overlap or shrink)
        for i in inked:
            if runs and text.glyph(i).box[0] - reach <= PIECE_GAP * text.height:
                runs[-1].append(i)
            else:
                runs.append([i])
            reach = max(reach, text.glyph(i).box[2]) if len(runs[-1]) > 1 else text.glyph(i).box[2]
        return [Piece(n, run[0], run[-1] + 1, text.span(run[0], run[-1] + 1)[0]) for run in runs]

    def box(self, label: Label) -> Box:
        return self.texts[label.line].span(label.start, label.end)[0]

    def values(self, name: str) -> list[Found]:
        """Each of the label's values, top to bottom, by where it stands: after the label on its line, under it (in
        its box, or in its column under a header row), or to its right apart from it."""
        found = []
        for on_line in self.labels:
            for label in on_line:
                if label.name == name:
                    following = next((other for other in on_line if other.start >= label.end), None)
                    for where in (self._beside(label, following), self._below(label), self._right(label, following)):
                        if where is not None:
                            found.append(replace(where, fuzzy=label.fuzzy))
        return found

    def _beside(self, label: Label, following: Label | None) -> Found | None:
        text = self.texts[label.line]
        start, end = text.trimmed(label.end, following.start if following else len(text.text))
        return Found(text, start, end) if start < end else None

    def _starts_a_label(self, piece: Piece) -> bool:
        text = self.texts[piece.line]
        start, _ = text.trimmed(piece.start, piece.end)
        return any(other.start <= start < other.end for other in self.labels[piece.line])

    def _value(self, piece: Piece) -> Found | None:
        """A piece's text up to a label in it; none when it starts with one (a row of labels, not of values)."""
        if self._starts_a_label(piece):
            return None
        text = self.texts[piece.line]
        end = min((other.start for other in self.labels[piece.line] if piece.start < other.start < piece.end),
                  default=piece.end)  # fmt: skip
        start, end = text.trimmed(piece.start, end)
        return Found(text, start, end) if start < end else None

    def _row_labels(self, box: Box, height: float) -> list[Box]:
        """The boxes of the labels standing on the row of `box` (itself among them)."""
        return [
            self.box(other)
            for on_line in self.labels
            for other in on_line
            if abs(_middle(self.box(other)) - _middle(box)) <= ROW_BAND * height
        ]

    def _below(self, label: Label) -> Found | None:
        """The piece under the label on the nearest row below whose pieces stand under the label's row. A label alone
        on its row takes the piece it overlaps most, or the nearest. A label of a header row takes the piece of its
        column: the pieces under it or whose middles stand between the middles of the gaps to its neighbours on that row
        (labels, or texts that are no label's: a column a value is centred, set left or set right in), the nearest to
        its middle; a piece under two labels is cut where the cells part."""
        box, height = self.box(label), self.texts[label.line].height
        header = self._row_labels(box, height)
        left, right = self._column_bounds(box, height) if len(header) > 1 else (box[0] - height, box[2] + height)
        under = [
            piece
            for piece in self.pieces
            if _middle(piece.box) > _middle(box) + ROW_BAND * height
            and piece.box[1] < box[3] + BELOW_REACH * height
            and _overlap(piece.box, (left, 0, right, 0)) > 0
        ]
        if not under:
            return None
        top = min(_middle(piece.box) for piece in under)
        row = [piece for piece in under if _middle(piece.box) - top <= ROW_BAND * height]
        if len(header) == 1:
            return self._value(max(row, key=lambda piece: _overlap(piece.box, box)))  # or the nearest
        ours = [piece for piece in row if left <= _centre(piece.box) <= right or _overlap(piece.box, box) > 0]
        if not ours:
            return None
        chosen = self._column(min(ours, key=lambda piece: abs(_centre(piece.box) - _centre(box))), box, header)
        return self._value(chosen) if chosen is not None else None

    def _column_bounds(self, box: Box, height: float) -> tuple[float, float]:
        """Where the column under a header row's label runs: to the middles of the gaps to its neighbours on its row."""
        row = [piece.box for piece in self.pieces if abs(_middle(piece.box) - _middle(box)) <= ROW_BAND * height]
        neighbours = [b for b in [*self._row_labels(box, height), *row] if _overlap(b, box) <= 0]
        before = [b[2] for b in neighbours if b[2] <= box[0]]
        after = [b[0] for b in neighbours if b[0] >= box[2]]
        return (
            (max(before) + box[0]) / 2 if before else float("-inf"),
            (box[2] + min(after)) / 2 if after else float("inf"),
        )

    def _column(self, piece: Piece, box: Box, header: list[Box]) -> Piece | None:
        """A piece running under two labels of a header row (two cells' values read together) cut at its widest gap
        between the labels' middles: there the cells part."""
        others = [other for other in header if other != box and _overlap(piece.box, other) > 0]
        if not others:
            return piece
        text = self.texts[piece.line]
        inked = [i for i in range(piece.start, piece.end) if not text.text[i].isspace()]
        start, end = inked[0], inked[-1] + 1
        for other in others:
            low, high = sorted((_centre(box), _centre(other)))
            gaps = [
                (text.glyph(after).box[0] - text.glyph(before).box[2], before, after)
                for before, after in zip(inked, inked[1:], strict=False)
                if low <= (text.glyph(before).box[2] + text.glyph(after).box[0]) / 2 <= high
            ]
            if not gaps:
                return None
            _, before, after = max(gaps)
            if _centre(other) > _centre(box):
                end = min(end, before + 1)
            else:
                start = max(start, after)
        return Piece(piece.line, start, end, text.span(start, end)[0]) if start < end else None

    def _right(self, label: Label, following: Label | None) -> Found | None:
        """The nearest piece on another line standing right of a label that ends its line, on the same row."""
        if following is not None:
            return None
        box = self.box(label)
        beside = [
            piece
            for piece in self.pieces
            if piece.line != label.line
            and piece.box[0] > box[2]
            and piece.box[1] <= _middle(box) <= piece.box[3]  # a long line a little askew is a tall box
        ]
        return self._value(min(beside, key=lambda piece: piece.box[0])) if beside else None


# --- the rules: each takes the value part and answers (value, the part of it used), or raises Broken -------------


Rule = Callable[[str], tuple[str | int, int, int]]


def location_number(value: str) -> tuple[str, int, int]:
    match = re.match(r"[\d\s-]*\d", value)
    digits = re.sub(r"[\s-]", "", match.group(0)) if match else ""
    if len(digits) != LOCATION_DIGITS:
        raise Broken(f"{LOCATION_DIGITS}桁の数字ではありません（{len(digits)}桁）")
    return digits, 0, match.end() if match else 0


def customer_number(value: str) -> tuple[str, int, int]:
    """Spaces between the groups go, hyphens stay; a new-power company's may start with letters (C123-4567)."""
    match = re.match(r"(?:[A-Za-z]{1,3}-?)?[0-9](?:[0-9-]| (?=[0-9]))*[0-9]", value)
    if not match or sum(c.isdigit() for c in match.group(0)) < 5:
        raise Broken("5桁以上の数字（「-」区切り可）ではありません")
    number = match.group(0).replace(" ", "")
    if len(number) > MAX_LENGTH["power_customer_number"]:
        raise Broken("30文字を超えています")
    return number, 0, match.end()


def _text(name: str) -> Rule:
    """様・御中 dropped; 電力's and 動力's 力 read as katakana カ put right."""

    def rule(value: str) -> tuple[str, int, int]:
        kept = POWER_MISREAD.sub("力", HONORIFICS.sub("", value).strip())
        if not any(c.isalpha() for c in kept):
            raise Broken("文字が読み取れません")
        if SPECKS.search(kept):
            raise Broken("途中までしか読み取れません（文字でない記号があります）")
        if len(kept) > MAX_LENGTH[name]:
            raise Broken(f"{MAX_LENGTH[name]}文字を超えています")
        return kept, 0, len(kept)

    return rule


def capacity(value: str) -> tuple[str, int, int]:
    """kVA's k may be read twice (kKVA)."""
    match = re.match(r"(\d+(?:\.\d+)?)\s*(k?kVA|kW|A)\b", value, re.IGNORECASE)
    if not match:
        raise Broken("数値と単位（A・kVA・kW）ではありません")
    unit = {"kkva": "kVA", "kva": "kVA", "kw": "kW", "a": "A"}[match.group(2).lower()]
    return f"{match.group(1)}{unit}", 0, match.end()


YEAR_MONTH = re.compile(r"(?:(\d{4})|令和\s*(\d{1,2}|元))\s*年\s*(\d{1,2})\s*月|(\d{4})\s*[/.-]\s*(\d{1,2})(?!\d)")
PERIOD = "~"  # between a period's first and last day (～ read NFKC)


def year_month(value: str) -> tuple[str, int, int]:
    """A month (2026年1月分, 令和8年1月, 2026/01), or a period's: the month its last day is in (the meter's)."""
    dates = list(YEAR_MONTH.finditer(value))
    if not dates or dates[0].start() > 0 and not value[: dates[0].start()].isspace():
        raise Broken("年月（2026年1月 など）ではありません")
    match = dates[-1] if PERIOD in value[dates[0].end() :] and len(dates) > 1 else dates[0]
    western, reiwa, month, slashed_year, slashed_month = match.groups()
    year = int(western or slashed_year) if (western or slashed_year) else REIWA + (1 if reiwa == "元" else int(reiwa))
    number = int(month or slashed_month)
    if not (2000 <= year <= 2100 and 1 <= number <= 12):
        raise Broken("ありえない年月です")
    return f"{year}-{number:02d}", match.start(), match.end()


def whole_number(digits: str) -> int:
    """「1,234」; the engine may read the comma as a point, and split a group with a space."""
    return int(re.sub(r"[,. ]", "", digits))


def _usage(unit: str) -> Rule:
    def rule(value: str) -> tuple[int, int, int]:
        match = re.match(rf"{AMOUNT.pattern}\s*{unit}\b", value, re.IGNORECASE)
        if not match:
            raise Broken(f"数値と単位（{unit}）ではありません")
        return whole_number(match.group(1)), 0, match.end()

    return rule


def charges(value: str) -> tuple[int, int, int]:
    """円 may be read as F (or PF)."""
    match = re.match(rf"[¥\\]?\s*{AMOUNT.pattern}\s*(円|P?F)?", value)
    if not match or not (match.group(2) or value.lstrip().startswith(("¥", "\\"))):
        raise Broken("金額（円）ではありません")
    return whole_number(match.group(1)), 0, match.end()


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
GAS_RULES = {name: rule for name, rule in RULES.items() if name != "contract_capacity"} | {
    "latest_power_usage": _usage("m3")
}


def propose(found: Found, name: str, value: str | int, start: int, end: int) -> Proposal:
    box, confidence, chars = found.text.span(found.start + start, found.start + end)
    return Proposal(name, value, confidence, box, chars)


def _labelled(page: Page, name: str, rule: Rule, into: Extraction) -> None:
    """The first that keeps the rule; when none does, the first that broke it is withheld (one found by a label read
    with a character wrong is not: it may be no label)."""
    broken: Withheld | None = None
    for found in page.values(name):
        try:
            value, start, end = rule(found.value)
        except Broken as exc:
            if not found.fuzzy:
                broken = broken or Withheld(name, found.value, str(exc))
            continue
        into.proposals[name] = propose(found, name, value, start, end)
        return
    if broken is not None:
        into.withheld.append(broken)


def _address(page: Page, into: Extraction) -> None:
    """The first address found whose prefecture is read; when none is, the first's problems are withheld."""
    first = None
    for place in page.values("address"):
        split = addresses.split(place.value)
        first = first or split
        if any(part.field == "power_prefecture" for part in split.parts):
            for part in split.parts:
                if len(part.value) <= MAX_LENGTH.get(part.field, LOCATION_DIGITS):
                    into.proposals[part.field] = propose(place, part.field, part.value, part.start, part.end)
            into.withheld += [Withheld(*problem) for problem in split.problems]
            into.confirmed |= split.confirmed
            return
    if first is not None:
        into.withheld += [Withheld(*problem) for problem in first.problems]


ISSUER = re.compile(r"株式会社|\(株\)|合同会社|有限会社|でんき|電力|エナジー|パワー|ガス")
NOT_ISSUER = re.compile(r"お知らせ|明細|ご請求|ご案内|請求書|ネットワーク|パワーグリッド|送配電|問い合わせ|様$|御中$")
ISSUER_WITHIN = 0.3  # the issuer's name stands in the page's top part (of what was read)
OWN_NAME = 2  # a new-power company's name has this many characters beside the words every company's has


def _issuer(page: Page, companies: dict[str, str], into: Extraction) -> None:
    """The issuer is the topmost line naming a company that is not the title, a grid operator, a customer or a label's
    line: an area company's name in it proposes its code, any other's その他 (a new-power company); its name is kept for
    the operator either way. Run after the other fields: where a name read with a character lost may be two area
    companies' (国電力), the one whose area the 供給地点特定番号 and the prefecture name is."""
    bottom = max((text.span(0, len(text.text))[0][3] for text in page.texts if text.text.strip()), default=0)
    for n in sorted(range(len(page.texts)), key=lambda n: page.texts[n].span(0, len(page.texts[n].text))[0][1]):
        text = page.texts[n]
        squeezed = [i for i, char in enumerate(text.folded) if char != " "]
        joined = "".join(text.folded[i] for i in squeezed)
        if not joined or text.span(0, len(text.text))[0][1] > ISSUER_WITHIN * bottom:
            continue
        if page.labels[n] or NOT_ISSUER.search(joined) or not ISSUER.search(joined):
            continue
        into.issuer = text.text.strip()
        named = _company(joined, companies, _areas_named(into))
        if named is not None:
            code, at, length = named
            box, confidence, chars = text.span(squeezed[at], squeezed[at + length - 1] + 1)
            into.proposals["power_supplier_type"] = Proposal("power_supplier_type", code, confidence, box, chars)
        return


def _areas_named(found: Extraction) -> set[str]:
    """The areas the proposed 供給地点特定番号 and prefecture name (none when neither is proposed)."""
    location, prefecture = found.proposals.get(checks.LOCATION), found.proposals.get(checks.PREFECTURE)
    areas = {str(location.value)[:2]} if location else set()
    return areas | (PREFECTURE_AREAS.get(str(prefecture.value), frozenset()) if prefecture else set())


def _company(joined: str, companies: dict[str, str], areas: set[str]) -> tuple[str, int, int] | None:
    """The area company a name is (its code, where its name stands), or その他 when it names none; None when it may be
    one of two (国電力: 中国電力 or 四国電力, a character lost) that `areas` does not tell apart, or when nothing of
    its own is left of it (電力株式会社: an area company's name half lost). A name is also found with one character
    lost or misread, or by the rest of the company's full name (エナジーパートナー)."""
    for area, name in companies.items():
        at = joined.find(name.translate(LOOKALIKES))
        if at >= 0:
            return area, at, len(name)
    near = {}
    for area, name in companies.items():
        chars = [re.escape(char) for char in name.translate(LOOKALIKES)]
        variants = [chars[:n] + chars[n + 1 :] for n in range(len(chars))] + [
            [*chars[:n], ".", *chars[n + 1 :]] for n in range(len(chars))
        ]
        rest = _own_words(COMPANIES[area].name, name) if area in COMPANIES else ""
        variants += [[re.escape(rest.translate(LOOKALIKES))]] if len(rest) >= OWN_NAME else []
        match = re.search("|".join("".join(variant) for variant in variants), joined)
        if match:
            near[area] = (area, match.start(), match.end() - match.start())
    if len(near) > 1:
        near = {area: at for area, at in near.items() if area in areas}
    if len(near) > 1:
        return None
    if not near and len(_own_words(joined, "")) < OWN_NAME:
        return None
    return next(iter(near.values()), (OTHER, 0, len(joined)))


def _own_words(name: str, short: str) -> str:
    """A company's name without its short name and the words every company's has (株式会社, 電力 …)."""
    return ISSUER.sub("", name.replace(short, "") if short else name)


def _illegible(found: Extraction, sure_name: float) -> None:
    """A value with a character the engine could not make out (a smudge, a shadow's edge) is withheld: it is as likely
    another character; a name already with one read with less than `sure_name`, as nothing on the page checks it. Of a
    figure, only its digits count (its unit, 円 or kWh, is not the value); a value another read confirms stands."""
    for name, proposal in list(found.proposals.items()):
        counted = str.isdigit if isinstance(proposal.value, int) else str.strip
        confidence, char = min(((c, mark) for mark, c in proposal.chars if counted(mark)), default=(1.0, ""))
        if name in found.confirmed:
            continue
        if confidence < ILLEGIBLE:
            found.withhold(name, f"読み取れない文字があります（「{char}」、信頼度{confidence:.0%}）")
        elif name == "power_customer_name" and confidence < sure_name:
            found.withhold(name, f"読み取りの確かでない文字があります（「{char}」、信頼度{confidence:.0%}）")


def is_gas(texts: list[Text]) -> bool:
    """The topmost line naming ガス, 電気 or 電力 names ガス."""
    for text in texts:
        match = SERVICE_WORDS.search(text.folded)
        if match:
            return match.group(0) == "ガス"
    return False


def extract(
    lines: list[Line], *, companies: dict[str, str], labels: dict[str, tuple[str, ...]] | None = None, sure_name: float
) -> Extraction:
    """`labels`: each field's label words (the master's; its defaults when none); `sure_name`: the engine's confidence
    below which a name's character makes it doubtful. Every proposal has passed its rule and the checks between the
    fields."""
    words = tuple((labels or DEFAULT_LABELS).items()) + tuple(CONTEXT.items())
    page = Page(lines, words)
    found = Extraction({}, [], {name: [f.value for f in page.values(name)] for name in CONTEXT if name != "other"})
    gas = is_gas(page.texts)
    for name, rule in (GAS_RULES if gas else RULES).items():
        _labelled(page, name, rule, found)
    _address(page, found)
    if not gas:
        _issuer(page, companies, found)
    plan = found.proposals.get("power_plan_name")
    if plan is not None and plan_named(str(plan.value), None) is not None:
        found.confirmed.add(plan.field)  # a company's plan, read with a character wrong at most
    _illegible(found, sure_name)
    checks.check(found)
    found.proposals = {name: found.proposals[name] for name in FIELDS if name in found.proposals}
    return found
