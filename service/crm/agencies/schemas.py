"""代理店 (§2.1, 代理店管理) bodies."""

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, StrictBool

from service.crm import validation
from service.crm.models import Agency
from service.crm.schemas import Version, opened, read_model, ruled
from service.fields import rules
from service.schemas import VersionedPatch, coded, optional_fields


class AgencyFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, rules(Agency.name)]
    code: Annotated[str, coded(r"^[A-Za-z0-9_-]{1,30}$", "英数字と「_」「-」の1〜30文字", strip_whitespace=True)]
    referral_shop_code: Annotated[str, rules(Agency.referral_shop_code)] = ""
    referral_shop_name: Annotated[str, rules(Agency.referral_shop_name)] = ""
    contact_name: Annotated[str, rules(Agency.contact_name)] = ""
    phone: Annotated[str, ruled(Agency.phone, validation.phone_number)] = ""
    mail_address: EmailStr | Literal[""] = ""
    is_active: StrictBool = True


if TYPE_CHECKING:
    AgencyUpdate = VersionedPatch
else:
    AgencyUpdate = optional_fields(
        AgencyFields, "AgencyUpdate", version=(Version, ...), base=(opened(AgencyFields) | None, None)
    )


if TYPE_CHECKING:
    AgencyRead = BaseModel
else:
    AgencyRead = read_model(
        AgencyFields,
        "AgencyRead",
        first={"id": int},
        last={"sales_count": (int, 0), "version": int, "created_at": datetime, "updated_at": datetime},
    )
