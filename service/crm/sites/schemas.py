"""地点 (§2.5) bodies: 5page as the back office enters it, the site as read, a status change."""

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from service.crm import validation
from service.crm.kinds import RequestStatus
from service.crm.models import STATUSES, Comment, OptionService, Site
from service.crm.schemas import Version, kana, opened, ruled, text
from service.fields import length, rules
from service.schemas import IsoDate, OneOf, VersionedPatch, optional_fields

Status = Annotated[RequestStatus, OneOf(STATUSES)]  # a site's


class SiteFields(BaseModel):
    """5page (申込情報入力): every field the back office enters from the statement images."""

    model_config = ConfigDict(extra="forbid")

    pps_business_number: Annotated[str, rules(Site.pps_business_number)] = ""
    application_type: Annotated[str, rules(Site.application_type)] = ""
    power_plan_name: Annotated[str, rules(Site.power_plan_name)] = ""
    contract_capacity: Annotated[str, rules(Site.contract_capacity)] = ""
    power_area: Annotated[str, rules(Site.power_area)] = ""
    power_supplier_type: Annotated[str, rules(Site.power_supplier_type)] = ""
    power_customer_number: Annotated[str, rules(Site.power_customer_number)] = ""
    power_customer_location_number: Annotated[
        str, ruled(Site.power_customer_location_number, validation.location_number)
    ] = ""
    power_zip_code: Annotated[str, ruled(Site.power_zip_code, validation.postal_code)] = ""
    power_prefecture: Annotated[str, ruled(Site.power_prefecture, validation.prefecture)] = ""
    power_city: Annotated[str, rules(Site.power_city)] = ""
    power_town: Annotated[str, rules(Site.power_town)] = ""
    power_street: Annotated[str, rules(Site.power_street)] = ""
    power_building: Annotated[str, rules(Site.power_building)] = ""
    power_room_number: Annotated[str, rules(Site.power_room_number)] = ""
    power_building_type: Annotated[str, rules(Site.power_building_type)] = ""
    power_branch_name: Annotated[str, rules(Site.power_branch_name)] = ""
    power_customer_name: Annotated[str, rules(Site.power_customer_name)] = ""
    power_customer_name_kana: Annotated[str, kana(Site.power_customer_name_kana)] = ""
    latest_charges: int | None = Field(default=None, ge=0, le=1_000_000_000)
    latest_power_usage: int | None = Field(default=None, ge=0, le=1_000_000_000)
    latest_date: Annotated[str, ruled(Site.latest_date, validation.year_month)] = ""
    option_plans: list[Annotated[str, text(length(OptionService.code))]] = Field(default_factory=list, max_length=20)
    moving_in_date: IsoDate | None = None
    note: Annotated[str, rules(Site.note)] = ""
    service_type: Literal["electric", "gas"] | None = Field(
        default=None, description="decided by pps_business_number when it is 電気/ガス's code; else as sent (electric)"
    )
    contract_corporation_type: Annotated[str, rules(Site.contract_corporation_type)] = ""
    saisan_gas_yoto: Annotated[str, rules(Site.saisan_gas_yoto)] = ""
    ecolog_gas_yoto: Annotated[str, rules(Site.ecolog_gas_yoto)] = ""
    power_amounts_form: Annotated[str, rules(Site.power_amounts_form)] = ""


if TYPE_CHECKING:
    SiteUpdate = VersionedPatch
else:
    SiteUpdate = optional_fields(
        SiteFields,
        "SiteUpdate",
        version=(Version, ...),
        base=(opened(SiteFields) | None, None),
        # the statement image whose OCR proposals the form was filled in with (service/crm/ocr/reviews.py)
        ocr_image_id=(int | None, Field(default=None, ge=1)),
    )


class SiteRead(SiteFields):
    model_config = ConfigDict(from_attributes=True, extra="ignore")

    id: int
    request_id: int
    corporation_id: int
    agency_id: int
    status: str
    status_label: str = ""
    submitted_at: datetime | None
    image_ids: list[int] = Field(default_factory=list)
    version: int
    created_at: datetime
    updated_at: datetime


class StatusChange(BaseModel):
    status: Status
    version: Version
    reason: Annotated[str, rules(Comment.message, min_length=0)] = ""
