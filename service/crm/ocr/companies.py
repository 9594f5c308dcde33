"""What the ten major power companies' bills print, for the checks of OCR proposals (`checks.py`): they give a plan
its company's spelling and a number its company's groups, and are never by themselves a reason to withhold a value (a
bill may group its number or name its plan otherwise).

A company's code is its area's: the first two digits of a 供給地点特定番号 (01 北海道 … 10 沖縄) and the 電力会社
master's code. For each: the prefectures it supplies (some prefectures are split between two or three areas), the digit
groups of its お客様番号 as its bills print them, and its usual plans with the unit their 契約容量 is stated in. A
postal code's first two digits name its prefecture (Japan Post's regions; a few border towns share a prefix)."""

import re
from dataclasses import dataclass

AREAS = ("01", "02", "03", "04", "05", "06", "07", "08", "09", "10")
AMPERES = (10, 15, 20, 30, 40, 50, 60)  # the breaker sizes of a 従量電灯B contract in amperes
LARGEST = 49  # a low-voltage contract (kVA, kW) stays under 50
Unit = str  # "A", "kVA" or "kW"


@dataclass(frozen=True)
class Company:
    area: str
    name: str  # as the header prints it
    customer_number: str  # "#" a digit, "-" where the bill separates its groups
    plans: dict[str, Unit]

    def customer_number_of(self, digits: str) -> str | None:
        """The digits in the company's groups; None when their count is not the company's."""
        if len(digits) != self.customer_number.count("#"):
            return None
        numbers = iter(digits)
        return "".join(next(numbers) if char == "#" else char for char in self.customer_number)


OTHER = "99"  # 電力会社 その他: a supplier that is none of the ten (a new-power company)
NO_CAPACITY: Unit = ""  # the unit of a plan contracted with no 契約容量
# Plans every company contracts alike: 従量電灯A (Kansai, Chugoku, Shikoku, Okinawa) by the minimum charge, with no
# 契約容量; 低圧電力 in kW.
FIXED_UNITS = {"従量電灯A": NO_CAPACITY, "低圧電力": "kW"}
LIGHTING = {"従量電灯B": "A", "従量電灯C": "kVA", "低圧電力": "kW"}  # metered lighting by amperes, then by kVA
LIGHTING_KVA = {"従量電灯A": NO_CAPACITY, "従量電灯B": "kVA", "低圧電力": "kW"}  # the western companies: kVA only
COMPANIES = {
    company.area: company
    for company in (
        Company("01", "北海道電力株式会社", "####-####-####", LIGHTING),
        Company("02", "東北電力株式会社", "####-###-####", LIGHTING),
        Company("03", "東京電力エナジーパートナー株式会社", "##-####-####",
                LIGHTING | {"スタンダードS": "A", "スタンダードL": "kVA"}),
        Company("04", "中部電力ミライズ株式会社", "####-#####-####", LIGHTING),
        Company("05", "北陸電力株式会社", "###-###-####", LIGHTING),
        Company("06", "関西電力株式会社", "####-####-####-##", LIGHTING_KVA),
        Company("07", "中国電力株式会社", "###-####-#####", LIGHTING_KVA),
        Company("08", "四国電力株式会社", "#####-#####", LIGHTING_KVA),
        Company("09", "九州電力株式会社", "###-####-####", LIGHTING),
        Company("10", "沖縄電力株式会社", "####-###-###",
                {"従量電灯": "kVA", "従量電灯A": NO_CAPACITY, "低圧電力": "kW"}),
    )
}  # fmt: skip

PREFECTURE_AREAS: dict[str, frozenset[str]] = {
    prefecture: frozenset(areas.split())
    for prefectures, areas in (
        ("北海道", "01"),
        ("青森県 岩手県 宮城県 秋田県 山形県 福島県", "02"),
        ("新潟県", "02 05"),
        ("茨城県 栃木県 群馬県 埼玉県 千葉県 東京都 神奈川県 山梨県", "03"),
        ("静岡県", "03 04"),
        ("長野県 愛知県", "04"),
        ("岐阜県", "04 05 06"),
        ("三重県", "04 06"),
        ("富山県 石川県", "05"),
        ("福井県", "05 06"),
        ("滋賀県 京都府 大阪府 奈良県 和歌山県", "06"),
        ("兵庫県", "06 07"),
        ("鳥取県 島根県 岡山県 広島県 山口県", "07"),
        ("徳島県 香川県 愛媛県 高知県", "08"),
        ("福岡県 佐賀県 長崎県 熊本県 大分県 宮崎県 鹿児島県", "09"),
        ("沖縄県", "10"),
    )
    for prefecture in prefectures.split()
}

POSTAL_PREFECTURES: dict[str, frozenset[str]] = {
    f"{prefix:02d}": frozenset(names.split())
    for first, last, names in (
        (0, 0, "北海道"),
        (1, 1, "秋田県"),
        (2, 2, "岩手県"),
        (3, 3, "青森県"),
        (4, 9, "北海道"),
        (10, 20, "東京都"),
        (21, 25, "神奈川県"),
        (26, 29, "千葉県"),
        (30, 31, "茨城県"),
        (32, 32, "栃木県"),
        (33, 36, "埼玉県"),
        (37, 37, "群馬県"),
        (38, 39, "長野県"),
        (40, 40, "山梨県"),
        (41, 43, "静岡県"),
        (44, 48, "愛知県"),
        (49, 49, "愛知県 三重県"),
        (50, 50, "岐阜県"),
        (51, 51, "三重県"),
        (52, 52, "滋賀県"),
        (53, 59, "大阪府"),
        (60, 62, "京都府"),
        (63, 63, "奈良県"),
        (64, 64, "和歌山県 三重県"),
        (65, 67, "兵庫県"),
        (68, 68, "鳥取県"),
        (69, 69, "島根県"),
        (70, 71, "岡山県"),
        (72, 73, "広島県"),
        (74, 75, "山口県"),
        (76, 76, "香川県"),
        (77, 77, "徳島県"),
        (78, 78, "高知県"),
        (79, 79, "愛媛県"),
        (80, 83, "福岡県"),
        (84, 84, "佐賀県"),
        (85, 85, "長崎県"),
        (86, 86, "熊本県"),
        (87, 87, "大分県"),
        (88, 88, "宮崎県"),
        (89, 89, "鹿児島県"),
        (90, 90, "沖縄県"),
        (91, 91, "福井県"),
        (92, 92, "石川県"),
        (93, 93, "富山県"),
        (94, 95, "新潟県"),
        (96, 97, "福島県"),
        (98, 98, "宮城県"),
        (99, 99, "山形県"),
    )
    for prefix in range(first, last + 1)
}

SPACES = re.compile(r"\s+")
# How the engine misreads what bills print: katakana for the kanji they look like (電カ for 電力), folded alike when a
# known word is looked for (a label, a company, a plan; never a value kept as read); 電力's 力 lost at a line's end
# (低圧電力 read 低圧電, 契約電力 契約電).
LOOKALIKES = str.maketrans("カロエニハタト", "力口工二八夕卜")
LOST_AT_END = "力"


def plan_named(read: str, area: str | None) -> tuple[str, Unit] | None:
    """The plan (as its company spells it) and its unit that `read` names, spaces and lookalikes aside (a 力 lost at
    its end too, or one of its kanji or kana misread when no other plan is that near); of the area's company, or of
    any when the area is not known."""
    wanted = SPACES.sub("", read).translate(LOOKALIKES)
    companies = [COMPANIES[area]] if area in COMPANIES else list(COMPANIES.values())
    plans = {name: unit for company in companies for name, unit in company.plans.items()}
    for name, unit in plans.items():
        if name.translate(LOOKALIKES) in (wanted, wanted + LOST_AT_END):
            return name, unit
    near = [name for name in plans if _one_misread(name.translate(LOOKALIKES), wanted)]
    return (near[0], plans[near[0]]) if len(near) == 1 else None


def _one_misread(name: str, read: str) -> bool:
    """One character other, never a letter or digit (従量電灯A is not 従量電灯B)."""
    differing = [(a, b) for a, b in zip(name, read, strict=False) if a != b]
    return len(name) == len(read) and len(differing) == 1 and not differing[0][0].isascii()


def capacity_allowed(amount: float, unit: Unit) -> bool:
    if unit == "A":
        return amount in AMPERES
    return amount == int(amount) and (6 if unit == "kVA" else 1) <= amount <= LARGEST
