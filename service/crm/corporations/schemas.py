"""法人 (§2.4) bodies: 1page and 2page as a form sends them, the read with the card masked, search hits, 法人の統合."""

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, StrictBool

from service.crm import validation
from service.crm.models import Corporation
from service.crm.schemas import Version, checked, kana, opened, read_model, ruled
from service.fields import rules
from service.schemas import IsoDate, VersionedPatch, optional_fields

Birthday = Annotated[IsoDate | None, AfterValidator(validation.past_date)]
CARD_NUMBER_MAX = 30  # a card number as typed (spaces, hyphens); stored encrypted: no column states it
SECURITY_CODE_MAX = 4  # a card's security code (stored encrypted: no column states it)
SecurityCode = Annotated[str, checked(SECURITY_CODE_MAX, validation.security_code)]


class CorporationFields(BaseModel):
    """1page (契約者情報) and 2page (支払方法). Card number and security code are write-only."""

    model_config = ConfigDict(extra="forbid")

    customer_type: Annotated[str, rules(Corporation.customer_type)]
    corporation_number: Annotated[str, ruled(Corporation.corporation_number, validation.corporation_number)] = ""
    last_name: Annotated[str, rules(Corporation.last_name)]
    first_name: Annotated[str, rules(Corporation.first_name)] = ""
    last_name_kana: Annotated[str, kana(Corporation.last_name_kana)] = ""
    first_name_kana: Annotated[str, kana(Corporation.first_name_kana)] = ""
    representative_last_name: Annotated[str, rules(Corporation.representative_last_name)] = ""
    representative_first_name: Annotated[str, rules(Corporation.representative_first_name)] = ""
    representative_last_name_kana: Annotated[str, kana(Corporation.representative_last_name_kana)] = ""
    representative_first_name_kana: Annotated[str, kana(Corporation.representative_first_name_kana)] = ""
    zip_code: Annotated[str, ruled(Corporation.zip_code, validation.postal_code)] = ""
    prefecture: Annotated[str, ruled(Corporation.prefecture, validation.prefecture)] = ""
    city: Annotated[str, rules(Corporation.city)] = ""
    town: Annotated[str, rules(Corporation.town)] = ""
    street: Annotated[str, rules(Corporation.street)] = ""
    building_name: Annotated[str, rules(Corporation.building_name)] = ""
    phone1: Annotated[str, ruled(Corporation.phone1, validation.phone_number)] = ""
    phone2: Annotated[str, ruled(Corporation.phone2, validation.phone_number)] = ""
    mail_address: EmailStr | Literal[""] = ""
    birthday: Birthday = None
    representative_birthday: Birthday = None
    job_type: Annotated[str, rules(Corporation.job_type)] = ""
    # chosen, never defaulted: a card opens required fields
    payment_type: Annotated[str, rules(Corporation.payment_type)]
    credit_card_number: Annotated[str, checked(CARD_NUMBER_MAX, validation.card_number)] = ""
    credit_card_expire_month: Annotated[str, ruled(Corporation.credit_card_expire_month, validation.expire_month)] = ""
    credit_card_expire_year: Annotated[str, ruled(Corporation.credit_card_expire_year, validation.expire_year)] = ""
    credit_card_name: Annotated[str, rules(Corporation.credit_card_name)] = ""
    credit_card_security_code: SecurityCode = ""
    invoice: Literal["0", "3"] = "0"
    payment_certificate: Literal["0", "1"] = "0"
    billing_address_same: StrictBool = True
    billing_zip_code: Annotated[str, ruled(Corporation.billing_zip_code, validation.postal_code)] = ""
    billing_prefecture: Annotated[str, ruled(Corporation.billing_prefecture, validation.prefecture)] = ""
    billing_city: Annotated[str, rules(Corporation.billing_city)] = ""
    billing_town: Annotated[str, rules(Corporation.billing_town)] = ""
    billing_street: Annotated[str, rules(Corporation.billing_street)] = ""
    billing_building: Annotated[str, rules(Corporation.billing_building)] = ""
    billing_customer_name: Annotated[str, rules(Corporation.billing_customer_name)] = ""
    sales_channel_id: Annotated[str, rules(Corporation.sales_channel_id)] = ""


# mypy cannot read a model built at run time (optional_fields, read_model): it sees the base the code relies on.
if TYPE_CHECKING:
    CorporationUpdate = VersionedPatch
else:
    CorporationUpdate = optional_fields(
        CorporationFields, "CorporationUpdate", version=(Version, ...), base=(opened(CorporationFields) | None, None)
    )


if TYPE_CHECKING:
    CorporationRead = BaseModel
else:
    CorporationRead = read_model(
        CorporationFields,
        "CorporationRead",
        exclude=("credit_card_number", "credit_card_security_code"),
        first={"id": int, "agency_id": int, "display_name": str},
        last={
            "credit_card_number_masked": (str, ""),
            "has_security_code": (bool, False),
            "security_code_needed": (bool, False),
            "version": int,
            "created_at": datetime,
            "updated_at": datetime,
        },
    )


class CorporationSummary(BaseModel):
    """A search hit for 既存法人に地点追加."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    agency_id: int
    display_name: str
    corporation_number: str
    customer_type: str
    prefecture: str
    city: str
    phone1: str


class CardReveal(BaseModel):
    credit_card_number: str
    credit_card_security_code: str | None


class CorporationMerge(BaseModel):
    """法人の統合 (admin): the duplicate whose requests and sites move to the corporation kept, and is deleted."""

    model_config = ConfigDict(extra="forbid")

    duplicate_id: int = Field(ge=1, le=2**31 - 1)
