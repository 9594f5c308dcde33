"""The checks between an extraction's proposals: what the page says of itself (companies.py). A proposal the page
contradicts is withheld with the reason the operator is shown; where two disagree and a third sides with one, only the
other is withheld. A value is never withheld only because a company's table has it otherwise.

- 供給地点特定番号: its first two digits are an area (01 北海道 … 10 沖縄), the 電力会社's (an area company's; a
  new-power company, その他, supplies any area), and one of the prefecture's.
- お客様番号 is proposed as printed; in the 電力会社's groups when printed without them and it has their digits.
  契約プラン is proposed as printed, in its company's spelling when it is one of its plans.
- 契約容量: none for a plan with no capacity (従量電灯A); 低圧電力's in kW; a size such a contract has.
- 郵便番号's first two digits are the prefecture's.
- 使用量 is what the bill's own figures make it when it prints them: the sum of the tiers' kWh (1段料金 …; at least
  that of those read when fewer than three were), or the meter readings' difference times the multiplier.
- 請求金額's consumption tax, when printed, is its 10/110 (rounded down, or one yen off).
"""

import re
from dataclasses import replace

from service.crm.masters import POWER_COMPANIES
from service.crm.ocr.companies import (
    AMPERES,
    COMPANIES,
    FIXED_UNITS,
    LARGEST,
    NO_CAPACITY,
    POSTAL_PREFECTURES,
    PREFECTURE_AREAS,
    Company,
    capacity_allowed,
    plan_named,
)
from service.crm.ocr.proposals import Extraction

LOCATION, SUPPLIER, PREFECTURE = "power_customer_location_number", "power_supplier_type", "power_prefecture"
TAX_RATE = 10  # %
TIERS = 3  # a bill prints up to three tiers: with all three read, 使用量 is their sum
NUMBER = re.compile(r"\d{1,3}(?:[,.]{1,2}\d{3})+|\d+")
COMPANY_NAMES = dict(POWER_COMPANIES)


def check(found: Extraction) -> None:
    company = _area(found)
    if company is not None:
        _customer_number(found, company)
    _plan(found, company)
    _capacity(found)
    _postal(found)
    _usage(found)
    _charges(found)


def _value(found: Extraction, name: str) -> str | None:
    proposal = found.proposals.get(name)
    return None if proposal is None else str(proposal.value)


def _area(found: Extraction) -> Company | None:
    """The area company the proposals agree on (None: none proposed, withheld, or a new-power company)."""
    location, supplier, prefecture = (_value(found, name) for name in (LOCATION, SUPPLIER, PREFECTURE))
    located = location[:2] if location else None
    if located is not None and located not in COMPANIES:
        found.withhold(LOCATION, f"先頭2桁（{located}）がエリアの番号（01〜10）ではありません")
        located = None
    supplying = supplier if supplier in COMPANIES else None  # a new-power company supplies in any area
    areas = PREFECTURE_AREAS.get(prefecture or "", frozenset())
    if located and supplying and located != supplying:
        if areas and (located in areas) != (supplying in areas):
            loser = SUPPLIER if located in areas else LOCATION
        else:
            loser = None
        rule = f"供給地点特定番号の先頭2桁（{located}）と電力会社（{COMPANY_NAMES[supplying]}）のエリアが合いません"
        for name in (SUPPLIER, LOCATION) if loser is None else (loser,):
            found.withhold(name, rule)
        located = None if loser in (None, LOCATION) else located
        supplying = None if loser in (None, SUPPLIER) else supplying
    area = located or supplying
    if area and prefecture and areas and area not in areas:
        found.withhold(PREFECTURE, f"{prefecture}は供給地点特定番号・電力会社のエリア（{area}）にありません")
    return COMPANIES.get(supplying) if supplying else None


def _customer_number(found: Extraction, company: Company) -> None:
    """Printed without groups (or read without them) and with the company's digits: in the company's groups."""
    read = _value(found, "power_customer_number")
    if read is None or "-" in read:
        return
    grouped = company.customer_number_of(read)
    if grouped is not None:
        found.proposals["power_customer_number"] = replace(found.proposals["power_customer_number"], value=grouped)


def _plan(found: Extraction, company: Company | None) -> None:
    """In its company's spelling when it is one of its plans (of any company's when the company is not known)."""
    read = _value(found, "power_plan_name")
    named = plan_named(read, company.area if company else None) if read else None
    if named is not None:
        found.proposals["power_plan_name"] = replace(found.proposals["power_plan_name"], value=named[0])


def _capacity(found: Extraction) -> None:
    read = _value(found, "contract_capacity")
    plan = _value(found, "power_plan_name")
    wanted = FIXED_UNITS.get(plan or "")
    if read is None:
        return
    if wanted == NO_CAPACITY:
        found.proposals.pop("contract_capacity")  # what was read is another figure: the plan has none
        return
    amount, unit = re.fullmatch(r"([\d.]+)(kVA|kW|A)", read).groups()  # type: ignore[union-attr]
    if wanted is not None and wanted != unit:
        found.withhold("contract_capacity", f"契約種別（{plan}）の契約容量は{wanted}で表します")
    elif not capacity_allowed(float(amount), unit):
        sizes = "・".join(map(str, AMPERES))
        found.withhold("contract_capacity", f"契約容量は{sizes}A、または{LARGEST}kVA・kW以下の整数です")


def _postal(found: Extraction) -> None:
    postal, prefecture = _value(found, "power_zip_code"), _value(found, PREFECTURE)
    if postal and prefecture and prefecture not in POSTAL_PREFECTURES.get(postal[:2], frozenset()):
        found.withhold("power_zip_code", f"郵便番号（{postal}）は{prefecture}の番号ではありません")


def _numbers(found: Extraction, name: str, unit: str = "") -> list[int]:
    """The first figure (with its unit) of each line of that kind."""
    read = []
    for text in found.context.get(name, []):
        match = re.search(rf"({NUMBER.pattern})\s*{unit}", text)
        if match:
            read.append(int(re.sub(r"[,.]", "", match.group(1))))
    return read


def _usage(found: Extraction) -> None:
    usage = found.proposals.get("latest_power_usage")
    if usage is None:
        return
    made = []
    tiers = _numbers(found, "tier", "kWh")
    if len(tiers) == TIERS:
        made.append(("段料金の使用量の合計", sum(tiers)))
    elif tiers and int(usage.value) < sum(tiers):
        made.append(("読み取れた段料金の使用量の合計", sum(tiers)))  # a tier unread: the total is at least theirs
    now, before = _numbers(found, "reading_now"), _numbers(found, "reading_before")
    multiplier = (_numbers(found, "multiplier") or [1])[0]
    if now and before:
        made.append(("今回と前回の指示数の差", (now[0] - before[0]) * multiplier))
    if made and usage.value not in [figure for _, figure in made]:
        words, figure = made[0]
        found.withhold("latest_power_usage", f"使用量（{usage.value:,}kWh）が{words}（{figure:,}kWh）と合いません")


def _charges(found: Extraction) -> None:
    charges = found.proposals.get("latest_charges")
    taxes = _numbers(found, "tax")
    if charges is None or not taxes:
        return
    included = int(charges.value) * TAX_RATE // (100 + TAX_RATE)
    if abs(taxes[0] - included) > 1:
        found.withhold(
            "latest_charges", f"請求金額（{charges.value:,}円）とその消費税等相当額（{taxes[0]:,}円）が合いません"
        )
