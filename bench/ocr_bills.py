"""A generated test set of electricity bills for the CRM's OCR, with the values each one carries, in two sets of
layouts: the development set here, which the reader's rules are developed on, and the held-out set
(bench/ocr_heldout/), written from how real bills look and kept apart: no rule is written against it.

A layout (`Style`) is a supplier's bill: one of the ten area companies (service/crm/ocr/companies.py) or a new-power
company (その他, 99) supplying a site in some area; its header (the issuer's name, on a coloured band for some), its
title, its own words for each field, its お客様番号's groups, its plans (従量電灯A with no 契約容量, 低圧電力 in kW),
portrait or landscape, Gothic or Mincho (IPAex, Debian's fonts-ipaexfont), and around the fields what real bills carry
too: the meter readings, the tiers of the energy charge (「1段料金 120kWh」), the breakdown of the amount, its
consumption tax, the period of use (a bill's month is the month its period ends) and the grid operator. Some amounts
carry a stray point (「13,.586 円」). Seven arrangements: label and value on one line; ruled rows, the label left;
label left and value at the right margin; boxes with the label above the value; a shaded label cell above its value
cell; two columns of label over value; and header rows, a row of labels over a row of values. Then the page is made
to look photographed: turned a few degrees or 10°, seen at a slant, blurred, a noisy JPEG, an iPhone's HEIC, lying
sideways or upside down (no EXIF orientation), on a desk at an angle, or under the shadow of the phone taking it.
The sites' names come from the demo (service/demo/crm.py). Used by bench/ocr.py and, one bill at a time, by the tests.
"""

import io
import random
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import pillow_heif
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from service.crm.ocr.companies import AMPERES, COMPANIES
from service.crm.ocr.pages import perspective
from service.demo import crm as demo
from service.documents import japanese_font_path

PAGE = (1240, 1754)  # A4 at 150 dpi, portrait
LOOKS = ("flat", "turned", "slanted", "blurred", "noisy", "heic", "sideways", "upside_down", "on_desk", "turned_10",
         "shadow")  # fmt: skip
CLEAR = ("flat", "turned", "slanted")  # a photograph a person would call clear
DESK = (92, 78, 64)  # a wooden desk's brown
MINCHO = Path("/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf")  # Debian's fonts-ipaexfont-mincho
KANJI_DIGITS = "〇一二三四五六七八九"
TIERS = (120, 180)  # kWh of the first and second tier; the rest is the third
RATES = (29.80, 36.40, 40.49)  # 円/kWh by tier
RENEWABLE = 3.49  # 再エネ発電賦課金, 円/kWh
TAX = 10  # %
OTHER = "99"  # 電力会社 その他: a new-power company
NO_CAPACITY = ""  # the unit of a plan contracted with no 契約容量 (従量電灯A)


@dataclass(frozen=True)
class Style:
    """How one supplier's bill is laid out and worded. `words` maps a kind of line to its label (a kind left out is not
    printed: a bill without ご使用年月 carries its month in its period, 「2026年1月6日～2026年2月4日」)."""

    area: str  # the supplier's 電力会社 code: an area company's, or 99
    title: str
    arrangement: str  # lines, table, right, boxes, cells, columns, header
    words: dict[str, str]
    band: str | None = None  # the header band's colour (the issuer in white on it), or none
    grid: str = ""  # the grid operator named at the foot (停電のお問い合わせ)
    readings: bool = False  # the meter readings printed
    grouping: str = " "  # how the 供給地点特定番号's fours are separated
    issuer: str = ""  # a new-power company's name (an area company's is its own)
    site_area: str = ""  # the area its sites are in (a new-power company's; an area company's own)
    plans: dict[str, str] | None = None  # plan -> its 契約容量's unit; the company's own when none
    customer_number: str = ""  # "#" a digit; the company's own groups when empty
    landscape: bool = False
    font: str = "gothic"  # or mincho

    @property
    def name(self) -> str:
        return self.issuer or COMPANIES[self.area].name

    @property
    def sites_in(self) -> str:
        return self.site_area or self.area


BASE = {
    "date": "ご使用年月",
    "customer": "お客さま番号",
    "name": "ご契約名義",
    "place": "ご使用場所",
    "plan": "ご契約種別",
    "location": "供給地点特定番号",
    "A": "ご契約",
    "kVA": "契約容量",
    "kW": "契約電力",
    "usage": "ご使用量",
    "amount": "ご請求金額",
}
LAYOUTS = (
    Style("01", "電気ご使用量のお知らせ", "table", BASE | {"date": "ご使用月", "amount": "請求予定金額"},
          grid="北海道電力ネットワーク"),
    Style("02", "電気料金のお知らせ", "lines",
          BASE | {"name": "お客さま名", "place": "供給場所", "plan": "契約種別", "A": "契約電流",
                  "usage": "使用電力量"},
          band="#0b7a48", grid="東北電力ネットワーク", grouping="-"),
    Style("03", "電気料金のお知らせ", "boxes", BASE | {"amount": "請求予定金額"}, band="#d7000f",
          grid="東京電力パワーグリッド", readings=True),
    Style("04", "電気料金のお知らせ", "table",
          BASE | {"date": "ご請求年月", "name": "ご契約者名", "plan": "ご契約メニュー", "A": "契約電流",
                  "usage": "ご使用電力量"},
          band="#c8006e", grid="中部電力パワーグリッド"),
    Style("05", "電気ご使用量のお知らせ", "lines",
          BASE | {"date": "検針年月", "plan": "契約種別", "A": "契約電流", "amount": "ご請求予定金額"},
          grid="北陸電力送配電", readings=True),
    Style("06", "電気料金等のお知らせ", "columns",
          BASE | {"name": "お客さま名", "kVA": "ご契約容量", "amount": "今月のご請求額"}, band="#005bac",
          grid="関西電力送配電"),
    Style("07", "電気ご使用量のお知らせ", "table", BASE | {"date": "ご使用月", "usage": "使用電力量"},
          grid="中国電力ネットワーク", grouping="-"),
    Style("08", "電気料金のお知らせ", "lines",
          BASE | {"place": "需要場所", "plan": "料金プラン", "kVA": "ご契約容量"}, band="#e95513",
          grid="四国電力送配電"),
    Style("09", "電気ご使用量のお知らせ", "boxes",
          BASE | {"name": "お客さま名", "A": "契約電流", "amount": "ご請求予定金額"}, band="#ee7800",
          grid="九州電力送配電", readings=True),
    Style("10", "電気料金のお知らせ", "columns", BASE | {"kVA": "ご契約容量", "usage": "使用電力量"},
          grid="沖縄電力"),
    # new-power companies' statements and the plans the area companies' tables leave out
    Style(OTHER, "ご請求明細", "header",
          BASE | {"customer": "ご契約番号", "plan": "契約メニュー", "A": "契約容量", "kVA": "契約容量",
                  "usage": "ご利用量", "amount": "ご請求額（税込）", "place": "ご利用場所", "date": "ご利用年月"},
          issuer="はなまるでんき株式会社", site_area="03", plans={"はなまるプランM": "A", "はなまるビジネス": "kVA"},
          customer_number="##########", landscape=True, grid="東京電力パワーグリッド"),
    Style(OTHER, "電気料金のお知らせ", "boxes",
          BASE | {"customer": "お客様番号", "plan": "料金プラン", "A": "契約容量"},
          issuer="こだまエナジー株式会社", site_area="04", plans={"こだまスタンダード": "A"},
          customer_number="C###-####-##", band="#2e7d32", grid="中部電力パワーグリッド"),
    Style(OTHER, "電気料金明細", "right",
          BASE | {"customer": "ご契約番号", "plan": "料金プラン", "kVA": "契約容量", "usage": "ご使用量",
                  "amount": "今回お支払金額"},
          issuer="みなと電力株式会社", site_area="06", plans={"みなと動力プラン": "kVA", "みなと低圧プラン": "kVA"},
          customer_number="########", grid="関西電力送配電", font="mincho"),
    Style("06", "電気料金等のお知らせ", "cells",
          BASE | {"name": "お客さま名", "amount": "ご請求金額"}, band="#005bac", grid="関西電力送配電",
          plans={"従量電灯A": NO_CAPACITY}, customer_number="####-####-####-##"),
    Style("09", "電気料金のお知らせ（低圧電力）", "table", BASE | {"kW": "契約電力", "usage": "使用電力量"},
          grid="九州電力送配電", plans={"低圧電力": "kW"}, font="mincho"),
    Style("07", "電気ご使用量のお知らせ", "header",
          BASE | {"date": "ご使用月", "kVA": "契約容量", "usage": "使用電力量"}, grid="中国電力ネットワーク",
          font="mincho"),
)  # fmt: skip
STYLES = {style.area: style for style in LAYOUTS[:10]}  # the ten area companies' usual layouts
PLACES = {  # prefecture, city, town, postal code: in each company's area
    "01": (("北海道", "札幌市中央区", "北一条西", "060-0001"), ("北海道", "函館市", "本町", "040-0011")),
    "02": (("宮城県", "仙台市青葉区", "一番町", "980-0811"), ("新潟県", "新潟市中央区", "万代", "950-0088")),
    "03": (("東京都", "渋谷区", "神宮前", "150-0001"), ("神奈川県", "横浜市西区", "みなとみらい", "220-0012")),
    "04": (("愛知県", "名古屋市中区", "栄", "460-0008"), ("静岡県", "静岡市葵区", "追手町", "420-0853")),
    "05": (("石川県", "金沢市", "広坂", "920-0962"), ("富山県", "富山市", "新総曲輪", "930-0006")),
    "06": (("大阪府", "大阪市北区", "梅田", "530-0001"), ("兵庫県", "神戸市中央区", "三宮町", "650-0021")),
    "07": (("広島県", "広島市中区", "基町", "730-0011"), ("岡山県", "岡山市北区", "駅前町", "700-0023")),
    "08": (("香川県", "高松市", "番町", "760-0017"), ("愛媛県", "松山市", "一番町", "790-0001")),
    "09": (("福岡県", "福岡市博多区", "博多駅前", "812-0011"), ("熊本県", "熊本市中央区", "水前寺", "862-0950")),
    "10": (("沖縄県", "那覇市", "泉崎", "900-0021"), ("沖縄県", "那覇市", "久茂地", "900-0015")),
}
BUILDINGS = ("", "", "サクラビル3F", "第二ハイツ101")


@dataclass(frozen=True)
class Bill:
    """One bill: its site's true values (the site's field names; None where the bill has none to give), what else it
    prints and how it is drawn."""

    name: str
    truth: dict[str, Any]
    style: Style
    printed: dict[str, str]  # kind of line -> its value as the bill prints it
    extra: list[tuple[str, str]] = field(default_factory=list)  # the lines around the fields
    look: str = "flat"

    @property
    def issuer(self) -> str:
        return self.style.name


@cache
def _font(size: int, font: str = "gothic") -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(MINCHO if font == "mincho" else japanese_font_path()), size)


def _kanji(number: int) -> str:
    """1-99 in kanji numerals: 十, 十二, 二十三."""
    tens, ones = divmod(number, 10)
    return (("" if tens == 1 else KANJI_DIGITS[tens]) + "十" if tens else "") + (KANJI_DIGITS[ones] if ones else "")


def _street(rng: random.Random, n: int) -> tuple[str, str]:
    """(as printed, as the sales form and the carrier CSV keep it: 丁目-番地-号)."""
    chome, ban, go = rng.randrange(1, 6), rng.randrange(1, 30), rng.randrange(1, 20)
    printed = (
        f"{chome}丁目{ban}番{go}号",
        f"{_kanji(chome)}丁目{ban}-{go}",
        f"{chome}-{ban}-{go}",
        f"{chome}丁目{ban}番地",
    )[n % 4]
    return printed, (f"{chome}-{ban}" if n % 4 == 3 else f"{chome}-{ban}-{go}")


def _yen(amount: int, stray: bool = False) -> str:
    """「13,586」, or with a stray point after the comma as some print runs leave it: 「13,.586」."""
    written = f"{amount:,}"
    return written.replace(",", ",.", 1) if stray and "," in written else written


def _charges(rng: random.Random, usage: int, tiered: bool) -> tuple[int, list[tuple[str, str]]]:
    """The amount and its breakdown lines (energy by tier when `tiered`)."""
    base = rng.choice((885, 1180, 1475, 1770))
    lines = [("基本料金", f"{base:,}円")]
    if tiered:
        tiers = [min(usage, TIERS[0]), min(max(usage - TIERS[0], 0), TIERS[1]), max(usage - sum(TIERS), 0)]
    else:
        tiers = [usage]
    energy = 0
    for n, (kwh, rate) in enumerate(zip(tiers, RATES, strict=False), start=1):
        if kwh:
            cost = int(kwh * rate)
            energy += cost
            lines.append(
                (f"{n}段料金" if tiered else "電力量料金", f"{kwh}kWh {rate:.2f}円 {cost:,}円")
            )  # fmt: skip
    adjustment = -int(usage * rng.uniform(0.5, 2.5))
    renewable = int(usage * RENEWABLE)
    lines += [("燃料費調整額", f"△{-adjustment:,}円"), ("再エネ発電賦課金", f"{renewable:,}円")]
    total = base + energy + adjustment + renewable
    return total, [*lines, ("うち消費税等相当額", f"{total * TAX // (100 + TAX):,}円")]


def _customer_number(rng: random.Random, groups: str) -> str:
    return "".join(str(rng.randrange(10)) if char == "#" else char for char in groups)


def _months(month: int) -> tuple[str, str]:
    """The period of use ending in `month` (2026): as printed beside ご使用年月, and alone with its years."""
    before = month - 1 or 12
    started = 2026 if month > 1 else 2025
    return (f"{before}月6日～{month}月5日（30日間）", f"{started}年{before}月6日～2026年{month}月5日")


def bills(count: int, *, seed: int = 81, layouts: tuple[Style, ...] = LAYOUTS) -> list[Bill]:
    """`count` bills, in turn through the layouts; each round through them takes each layout to its next look (and one
    further), so every layout meets every look."""
    rng = random.Random(seed)
    now = datetime(2026, 2, 1, tzinfo=UTC)
    made = []
    for i in range(count):
        style = layouts[i % len(layouts)]
        area, company = style.sites_in, COMPANIES.get(style.area)
        plans = style.plans or (company.plans if company else {})
        corporation = demo._corporation(rng, 1, now, False)
        prefecture, city, town, postal = PLACES[area][i // len(layouts) % 2]
        street, kept_street = _street(rng, i // len(layouts) + i)
        plan = rng.choice(list(plans))
        unit = plans[plan]
        amount = rng.choice(AMPERES[2:]) if unit == "A" else rng.randrange(6, 30)
        usage = rng.randrange(150, 1800)
        charges, breakdown = _charges(rng, usage, tiered=plan.startswith(("従量", "スタンダード")))
        month = rng.randrange(1, 13)
        customer = _customer_number(rng, style.customer_number or (company.customer_number if company else ""))
        location = area + "".join(str(rng.randrange(10)) for _ in range(20))
        truth = {
            "power_supplier_type": style.area,
            "power_customer_number": customer,
            "power_customer_location_number": location,
            "power_customer_name": corporation["display_name"],
            "power_zip_code": postal,
            "power_prefecture": prefecture,
            "power_city": city,
            "power_town": town,
            "power_street": kept_street,
            "power_plan_name": plan,
            "contract_capacity": f"{amount}{unit}" if unit else None,
            "latest_date": f"2026-{month:02d}",
            "latest_power_usage": usage,
            "latest_charges": charges,
        }
        building = BUILDINGS[i % len(BUILDINGS)]
        short, long = _months(month)
        printed = {
            "date": (f"2026年{month}月分", f"令和8年{month}月分", f"2026年{month:02d}月")[i % 3],
            "customer": customer,
            "name": f"{corporation['display_name']} 様",
            "place": f"〒{postal} {prefecture}{city}{town}{street}" + (f" {building}" if building else ""),
            "plan": plan,
            "location": style.grouping.join(location[n : n + 4] for n in range(0, 22, 4)),
            "usage": f"{usage:,}kWh",
            "amount": f"{_yen(charges, stray=i % 4 == 1)} 円",
            "period": short if "date" in style.words else long,
        }
        if unit:
            printed[unit] = f"{amount}{unit}"
        extra = [] if "period" in style.words else [("ご使用期間", printed["period"])]
        extra += breakdown
        if style.readings:
            previous = rng.randrange(1000, 60000)
            extra[1:1] = [("今回指示数", f"{previous + usage:05d}"), ("前回指示数", f"{previous:05d}"),
                          ("差引", f"{usage:,}"), ("乗率", "1")]  # fmt: skip
        rounds = i // len(layouts)
        look = LOOKS[(i + rounds) % len(LOOKS)]
        made.append(Bill(f"bill_{i + 1:03d}_{style.sites_in}", truth, style, printed, extra, look))
    return made


KINDS = ("date", "period", "customer", "name", "place", "plan", "location", "A", "kVA", "kW", "usage", "amount")
Row = tuple[str, str, str]  # kind, label, value


def _rows(bill: Bill) -> list[Row]:
    """The fields' (kind, label, value) in the supplier's words, in the order bills print them."""
    words, printed = bill.style.words, bill.printed
    return [(kind, words[kind], printed[kind]) for kind in KINDS if kind in words and kind in printed]


def page_size(style: Style) -> tuple[int, int]:
    return (PAGE[1], PAGE[0]) if style.landscape else PAGE


def _header(pen: ImageDraw.ImageDraw, bill: Bill) -> int:
    """The issuer and the title; the top of what follows."""
    font = bill.style.font
    if bill.style.band:
        pen.rectangle((0, 0, page_size(bill.style)[0], 150), fill=bill.style.band)
        pen.text((80, 45), bill.issuer, fill="white", font=_font(44, font))
    else:
        pen.text((80, 60), bill.issuer, fill="black", font=_font(40, font))
    pen.text((80, 190), bill.style.title, fill="#1f4e79", font=_font(48, font))
    return 290


def _lines(pen: ImageDraw.ImageDraw, rows: list[Row], top: int, style: Style, size: int = 30) -> int:
    for _, label, value in rows:
        pen.text((80, top), f"{label}：{value}", fill="black", font=_font(size, style.font))
        top += round(size * 1.9)
    return top


def _table(pen: ImageDraw.ImageDraw, rows: list[Row], top: int, style: Style) -> int:
    right = page_size(style)[0] - 70
    for _, label, value in rows:
        pen.rectangle((70, top, right, top + 76), outline="#555555", width=2)
        pen.line((400, top, 400, top + 76), fill="#555555", width=2)
        pen.text((90, top + 20), label, fill="black", font=_font(30, style.font))
        pen.text((420, top + 20), value, fill="black", font=_font(30, style.font))
        top += 76
    return top + 30


def _right(pen: ImageDraw.ImageDraw, rows: list[Row], top: int, style: Style) -> int:
    """The label at the left margin, its value set against the right one, a thin rule under each row."""
    right = page_size(style)[0] - 80
    font = _font(30, style.font)
    for _, label, value in rows:
        pen.text((80, top), label, fill="#333333", font=font)
        pen.text((right - pen.textlength(value, font=font), top), value, fill="black", font=font)
        pen.line((80, top + 52, right, top + 52), fill="#aaaaaa", width=1)
        top += 72
    return top + 20


def _grid(
    pen: ImageDraw.ImageDraw, rows: list[Row], top: int, style: Style, order: tuple[tuple[str, ...], ...], cell: Any
) -> int:
    """Rows of cells in `order` (kinds; those the bill lacks left out), each drawn by `cell` across the page's width;
    the address and the 供給地点特定番号 in wider cells."""
    by_kind = {kind: (label, value) for kind, label, value in rows}
    width = page_size(style)[0] - 140
    for kinds in order:
        row = [by_kind[kind] for kind in kinds if kind in by_kind]
        if not row:
            continue
        left = 70
        for label, value in row:
            share = width // len(row)
            height = cell(pen, (left, top, left + share, top), label, value, style)
            left += share
        top += height
    return top + 30


def _box(pen: ImageDraw.ImageDraw, at: tuple[int, int, int, int], label: str, value: str, style: Style) -> int:
    """A box, its label above its value, as a meter reader's slip."""
    left, top, right, _ = at
    pen.rectangle((left, top, right, top + 120), outline="#555555", width=2)
    pen.text((left + 16, top + 12), label, fill="#333333", font=_font(26, style.font))
    pen.text((left + 16, top + 62), value, fill="black", font=_font(30, style.font))
    return 120


def _cell(pen: ImageDraw.ImageDraw, at: tuple[int, int, int, int], label: str, value: str, style: Style) -> int:
    """A shaded label cell over its value's cell."""
    left, top, right, _ = at
    pen.rectangle((left, top, right, top + 46), fill="#dfe8f3", outline="#44546a", width=2)
    pen.text((left + 12, top + 9), label, fill="#1f2d3d", font=_font(24, style.font))
    pen.rectangle((left, top + 46, right, top + 126), outline="#44546a", width=2)
    pen.text((left + 20, top + 68), value, fill="black", font=_font(30, style.font))
    return 126


BOXES = (("date", "customer"), ("name",), ("place",), ("plan", "A", "kVA", "kW", "usage"), ("location", "amount"))
CELLS = (("customer", "date"), ("name",), ("place",), ("plan", "A", "kVA", "kW"), ("usage", "amount"), ("location",))


def _boxes(pen: ImageDraw.ImageDraw, rows: list[Row], top: int, style: Style) -> int:
    return _grid(pen, rows, top, style, BOXES, _box)


def _cells(pen: ImageDraw.ImageDraw, rows: list[Row], top: int, style: Style) -> int:
    return _grid(pen, rows, top, style, CELLS, _cell)


def _columns(pen: ImageDraw.ImageDraw, rows: list[Row], top: int, style: Style) -> int:
    """Two columns: who and where on the left, the contract and the figures on the right; the address below."""
    place = next(row for row in rows if row[0] == "place")
    ordered = [row for row in rows if row is not place]
    half = (len(ordered) + 1) // 2
    second = page_size(style)[0] // 2 + 40
    for n, (_, label, value) in enumerate(ordered):
        left, row = (80, n) if n < half else (second, n - half)
        pen.text((left, top + row * 100), label, fill="#333333", font=_font(24, style.font))
        pen.text((left, top + row * 100 + 36), value, fill="black", font=_font(30, style.font))
    top += half * 100 + 20
    pen.text((80, top), place[1], fill="#333333", font=_font(24, style.font))
    pen.text((80, top + 36), place[2], fill="black", font=_font(30, style.font))
    return top + 110


HEADER_ROWS = {  # (landscape, portrait): the kinds of each table, its header row over its value row
    True: (("customer", "plan", "A", "kVA", "kW", "usage", "amount"), ("date", "period", "name", "location"),
           ("place",)),
    False: (("customer", "plan", "A", "kVA", "kW"), ("date", "period", "usage", "amount"), ("name", "location"),
            ("place",)),
}  # fmt: skip
FIGURES = ("usage", "amount")  # set against the right of their cells


def _header_rows(pen: ImageDraw.ImageDraw, rows: list[Row], top: int, style: Style) -> int:
    """Tables of a shaded header row of labels over a row of values, ruled, each column as wide as what it holds; a
    label centred over its column, a figure set right, other values left."""
    by_kind = {kind: (label, value) for kind, label, value in rows}
    font, small = _font(28, style.font), _font(24, style.font)
    width = page_size(style)[0] - 140
    for kinds in HEADER_ROWS[style.landscape]:
        table = [(kind, *by_kind[kind]) for kind in kinds if kind in by_kind]
        if not table:
            continue
        needs = [
            max(pen.textlength(label, font=small), pen.textlength(value, font=font)) + 40 for _, label, value in table
        ]
        left = 70.0
        for (kind, label, value), need in zip(table, needs, strict=True):
            right = left + need * width / sum(needs)
            pen.rectangle((left, top, right, top + 48), fill="#e8e8e8", outline="#666666", width=2)
            pen.rectangle((left, top + 48, right, top + 118), outline="#666666", width=2)
            pen.text(((left + right - pen.textlength(label, font=small)) / 2, top + 10), label, fill="#222222",
                     font=small)  # fmt: skip
            shown = right - 16 - pen.textlength(value, font=font) if kind in FIGURES else left + 16
            pen.text((shown, top + 66), value, fill="black", font=font)
            left = right
        top += 150
    return top


ARRANGEMENTS = {"lines": _lines, "table": _table, "right": _right, "boxes": _boxes, "cells": _cells,
                "columns": _columns, "header": _header_rows}  # fmt: skip


def draw(bill: Bill) -> Image.Image:
    """The bill as a clean page."""
    size = page_size(bill.style)
    page = Image.new("RGB", size, "white")
    pen = ImageDraw.Draw(page)
    top = ARRANGEMENTS[bill.style.arrangement](pen, _rows(bill), _header(pen, bill), bill.style)
    top = _lines(pen, [("", label, value) for label, value in bill.extra], top + 20, bill.style, size=24)
    if bill.style.grid:
        pen.text((80, min(top + 30, size[1] - 80)), f"停電・電柱のお問い合わせ：{bill.style.grid}", fill="#333333",
                 font=_font(22, bill.style.font))  # fmt: skip
    return page


def looking(bill: Bill, look: str) -> Bill:
    return replace(bill, look=look)


def _perspective(page: Image.Image, rng: random.Random) -> Image.Image:
    """Seen at a slant: the top edge a little narrower than the bottom."""
    width, height = page.size
    inset = rng.uniform(0.02, 0.05) * width
    quad = (inset, 0, 0, height, width, height, width - inset, 0)  # source corners: upper left, lower left, …
    return page.transform(page.size, Image.Transform.QUAD, quad, Image.Resampling.BICUBIC, fillcolor="white")


def _on_desk(page: Image.Image, rng: random.Random) -> Image.Image:
    """The sheet photographed lying on a desk, the camera held at an angle: its corners drawn in towards the far edge
    (a true perspective), a desk around it, the light falling off across the photo."""
    width, height = page.size
    photo = (round(width * 1.2), round(height * 1.15))
    near, far = rng.uniform(0.02, 0.05), rng.uniform(0.08, 0.14)  # how far in the near and far corners are drawn
    drop = rng.uniform(-0.02, 0.02)  # the far edge a little askew
    left, top = photo[0] * 0.1, photo[1] * 0.06
    corners = (
        (left + far * width, top + drop * height),
        (left + near * width, top + height),
        (left + (1 - near) * width, top + height),
        (left + (1 - far) * width, top - drop * height),
    )
    own = ((0, 0), (0, height), (width, height), (width, 0))
    sheet = page.convert("RGBA").transform(
        photo, Image.Transform.PERSPECTIVE, perspective(corners, own), Image.Resampling.BICUBIC
    )
    desk = Image.new("RGBA", photo, DESK)
    light = Image.linear_gradient("L").resize(photo).point(lambda v: 255 - v // 4)
    shot = Image.alpha_composite(desk, sheet).convert("RGB")
    return Image.composite(shot, Image.new("RGB", photo, "black"), light)


def _shadow(page: Image.Image, rng: random.Random) -> Image.Image:
    """The soft shadow of the phone (and the hand holding it) taking the photo, falling across part of the sheet."""
    width, height = page.size
    mask = Image.new("L", page.size, 0)
    left = rng.uniform(0.25, 0.55) * width
    top = rng.uniform(-0.2, 0.3) * height
    ImageDraw.Draw(mask).rounded_rectangle(
        (left, top, left + 0.45 * width, top + 0.75 * height), radius=round(0.08 * width), fill=round(255 * 0.45)
    )
    mask = mask.filter(ImageFilter.GaussianBlur(0.04 * width))
    return Image.composite(Image.new("RGB", page.size, (40, 40, 48)), page, mask)


def photographed(bill: Bill, page: Image.Image) -> tuple[bytes, str]:
    """The page as its look makes it: (file bytes, extension)."""
    rng = random.Random(bill.name)
    out = io.BytesIO()
    if bill.look in ("turned", "noisy", "heic", "sideways", "upside_down", "turned_10"):
        degrees = 10.0 if bill.look == "turned_10" else rng.uniform(1.5, 4.0)
        page = page.rotate(rng.choice((-1, 1)) * degrees, Image.Resampling.BICUBIC, expand=True, fillcolor="white")
    if bill.look == "sideways":
        page = page.transpose(rng.choice((Image.Transpose.ROTATE_90, Image.Transpose.ROTATE_270)))
    if bill.look == "upside_down":
        page = page.transpose(Image.Transpose.ROTATE_180)
    if bill.look == "slanted":
        page = _perspective(page, rng)
    if bill.look == "on_desk":
        page = _on_desk(page, rng).filter(ImageFilter.GaussianBlur(0.7))
    if bill.look == "shadow":
        page = _shadow(page, rng)
    if bill.look in ("blurred", "noisy"):
        page = page.filter(ImageFilter.GaussianBlur(1.2 if bill.look == "blurred" else 0.6))
    if bill.look == "heic":
        pillow_heif.from_pillow(page).save(out, quality=60)
        return out.getvalue(), "heic"
    if bill.look == "noisy":
        page.save(out, "JPEG", quality=35)
        return out.getvalue(), "jpg"
    page.save(out, "PNG" if bill.look == "flat" else "JPEG", **({} if bill.look == "flat" else {"quality": 85}))
    return out.getvalue(), "png" if bill.look == "flat" else "jpg"


def as_pdf(bill: Bill) -> bytes:
    """The bill as a one-page PDF with its text (fpdf2), as a utility's web portal hands it out."""
    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.add_font("ipaexg", fname=str(MINCHO if bill.style.font == "mincho" else japanese_font_path()))
    pdf.set_font("ipaexg", size=14)
    pdf.cell(0, 10, bill.issuer, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("ipaexg", size=20)
    pdf.cell(0, 14, bill.style.title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("ipaexg", size=12)
    pdf.ln(6)
    for label, value in [(label, value) for _, label, value in _rows(bill)] + bill.extra:
        pdf.cell(0, 9, f"{label}：{value}", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def files(made: list[Bill]) -> Iterator[tuple[Bill, bytes, str]]:
    """Each bill's file (every seventh one a PDF) and its extension."""
    for n, bill in enumerate(made):
        if n % 7 == 6:
            yield bill, as_pdf(bill), "pdf"
        else:
            yield bill, *photographed(bill, draw(bill))
