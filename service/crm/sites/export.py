"""The carrier export (キャリア管理画面のフィールド名, §2.4/§2.5's 元フィールド), written by csvtools.

Where a 元フィールド is a family (`zip_code1`+`zip_code2`, `phone1`〜`phone3`, `birthday_*`, `street_number_*`) the
value is split into its parts. Card data never leaves masked: the number column holds the masked number and the security
code is not exported. A request's export lists only the sites still to be entered (対応中 and 不備)."""

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.crm import crypto, labels, statuses
from service.crm.models import Agency, Corporation, Profile, Request, Site
from service.csvtools import UTF8, csv_bytes

Getter = Callable[["Context"], Any]


class Context:
    def __init__(self, site: Site, corporation: Corporation, agency: Agency, profile: Profile | None) -> None:
        self.site, self.corporation, self.agency, self.profile = site, corporation, agency, profile


def _parts(value: str, separator: str, count: int) -> list[str]:
    pieces = value.split(separator, count - 1) if value else []
    return pieces + [""] * (count - len(pieces))


def _zip(value: str) -> list[str]:
    digits = value.replace("-", "")
    return [digits[:3], digits[3:]] if digits else ["", ""]


def _date(value: date | None, count: int = 3) -> list[str]:
    return [str(value.year), f"{value.month:02d}", f"{value.day:02d}"][:count] if value else [""] * count


def _family(names: list[str], split: Callable[[Context], list[str]]) -> list[tuple[str, Getter]]:
    return [(name, _part(split, i)) for i, name in enumerate(names)]


def _part(split: Callable[[Context], list[str]], index: int) -> Getter:
    return lambda c: split(c)[index]


def _corp(name: str) -> Getter:
    return lambda c: getattr(c.corporation, name)


def _site(name: str) -> Getter:
    return lambda c: getattr(c.site, name)


def _plain(source: Callable[[str], Getter], names: str) -> list[tuple[str, Getter]]:
    return [(name, source(name)) for name in names.split()]


PAGE1 = [
    *_plain(
        _corp,
        "customer_type corporation_number last_name first_name last_name_kana first_name_kana "
        "representative_last_name representative_first_name representative_last_name_kana "
        "representative_first_name_kana",
    ),
    *_family(["zip_code1", "zip_code2"], lambda c: _zip(c.corporation.zip_code)),
    *_plain(_corp, "prefecture city town"),
    *_family(["street_number_1", "street_number_2", "street_number_3"], lambda c: _parts(c.corporation.street, "-", 3)),
    ("building_name", _corp("building_name")),
    *_family(["phone1", "phone2", "phone3"], lambda c: _parts(c.corporation.phone1, "-", 3)),
    *_family(["phone2_1", "phone2_2", "phone2_3"], lambda c: _parts(c.corporation.phone2, "-", 3)),
    ("mail_address", _corp("mail_address")),
    *_family(["birthday_year", "birthday_month", "birthday_day"], lambda c: _date(c.corporation.birthday)),
    *_family(
        ["representative_birthday_year", "representative_birthday_month", "representative_birthday_day"],
        lambda c: _date(c.corporation.representative_birthday),
    ),
    ("job_type", _corp("job_type")),
    ("referral_shop_code", lambda c: c.agency.referral_shop_code),
    ("referral_shop_name", lambda c: c.agency.referral_shop_name),
    ("l_code", lambda c: c.profile.l_code if c.profile else ""),
    ("sales_staff_code", lambda c: c.profile.sales_staff_code if c.profile else ""),
]
PAGE2 = [
    ("payment_type", _corp("payment_type")),
    ("credit_card_number", lambda c: crypto.mask(c.corporation.card_last4)),
    *_plain(_corp, "credit_card_expire_month credit_card_expire_year credit_card_name invoice payment_certificate"),
    ("payment_location_address_type", lambda c: "1" if c.corporation.billing_address_same else "2"),
    *_family(["payment_zip_code1", "payment_zip_code2"], lambda c: _zip(c.corporation.billing_zip_code)),
    ("payment_prefecture", _corp("billing_prefecture")),
    ("payment_city", _corp("billing_city")),
    ("payment_town", _corp("billing_town")),
    *_family(
        ["payment_street_number_1", "payment_street_number_2", "payment_street_number_3"],
        lambda c: _parts(c.corporation.billing_street, "-", 3),
    ),
    ("payment_building_name", _corp("billing_building")),
    ("payment_customer_name", _corp("billing_customer_name")),
    ("sales_channel_id", _corp("sales_channel_id")),
]
PAGE5 = [
    *_plain(_site, "pps_business_number application_type power_plan_name"),
    ("contract_capacity_form", _site("contract_capacity")),
    *_plain(_site, "power_supplier_type power_customer_number power_customer_location_number"),
    *_family(["power_zip_code1", "power_zip_code2"], lambda c: _zip(c.site.power_zip_code)),
    *_plain(_site, "power_prefecture power_city power_town"),
    *_family(["power_street_1", "power_street_2", "power_street_3"], lambda c: _parts(c.site.power_street, "-", 3)),
    ("power_building_1", _site("power_building")),
    *_plain(
        _site, "power_room_number power_building_type power_branch_name power_customer_name power_customer_name_kana"
    ),
    ("latest_electricity_charges", _site("latest_charges")),
    ("latest_electricity_power_usage", _site("latest_power_usage")),
    *_family(
        ["latest_electricity_date_year", "latest_electricity_date_month"], lambda c: _parts(c.site.latest_date, "-", 2)
    ),
    ("option_plans", lambda c: " ".join(c.site.option_plans or [])),
    *_family(["moving_in_year", "moving_in_month", "moving_in_day"], lambda c: _date(c.site.moving_in_date)),
    *_plain(_site, "note contract_corporation_type saisan_gas_yoto ecolog_gas_yoto power_amounts_form"),
]
STATUS = [("status", lambda c: labels.STATUS_LABELS[c.site.status])]
COLUMNS = STATUS + PAGE1 + PAGE2 + PAGE5
HEADER = [name for name, _ in COLUMNS]


def _contexts(db: Session, sites: list[Site]) -> list[Context]:
    if not sites:
        return []
    request = db.get_one(Request, sites[0].request_id)
    corporation = db.get_one(Corporation, request.corporation_id)
    agency = db.get_one(Agency, request.agency_id)
    profile = db.get(Profile, request.requested_by)
    return [Context(site, corporation, agency, profile) for site in sites]


def carrier_csv(db: Session, *, request_id: int, site_id: int | None = None, encoding: str = UTF8) -> bytes:
    """投入済 sites are in the carrier system already, キャンセル ones never go there."""
    stmt = select(Site).where(Site.request_id == request_id).order_by(Site.id)
    stmt = stmt.where(Site.id == site_id) if site_id is not None else stmt.where(Site.status.in_(statuses.OPEN))
    contexts = _contexts(db, list(db.scalars(stmt)))
    return csv_bytes(HEADER, ([getter(c) for _, getter in COLUMNS] for c in contexts), encoding)
