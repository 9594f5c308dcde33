"""マスタ管理 (§8–9) bodies: an option or a choice as an admin adds or edits one, and each with how often it is used."""

from typing import TYPE_CHECKING, Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from service.crm.forms.schemas import ChoiceRead, OptionRead
from service.crm.masters import SORT_ORDER_MAX
from service.crm.models import Choice, OptionService
from service.crm.schemas import Version
from service.fields import rules
from service.schemas import VersionedPatch, optional_fields

SortOrder = Annotated[int, Field(ge=0, le=SORT_ORDER_MAX)]


class OptionFields(BaseModel):
    """オプションサービスマスタ (§8), as an admin adds one."""

    model_config = ConfigDict(extra="forbid")

    code: Annotated[str, rules(OptionService.code)]
    name: Annotated[str, rules(OptionService.name)]
    price_label: Annotated[str, rules(OptionService.price_label)]
    is_support_pack: StrictBool = False
    sort_order: SortOrder = 0


class ChoiceFields(BaseModel):
    """選択肢マスタ (§9), as an admin adds one to a kind."""

    model_config = ConfigDict(extra="forbid")

    code: Annotated[str, rules(Choice.code)]
    label: Annotated[str, rules(Choice.label)]
    sort_order: SortOrder = 0


def master_update(fields: type[BaseModel], name: str) -> type[BaseModel]:
    return optional_fields(fields, name, exclude=("code",), is_active=(StrictBool | None, None), version=(Version, ...))


if TYPE_CHECKING:
    OptionUpdate = VersionedPatch
    ChoiceUpdate = VersionedPatch
else:
    OptionUpdate = master_update(OptionFields, "OptionUpdate")
    ChoiceUpdate = master_update(ChoiceFields, "ChoiceUpdate")


class MasterOptionRead(OptionRead):
    sort_order: int
    version: int
    in_use: int = Field(0, description="sites listing the option")


class MasterChoiceRead(ChoiceRead):
    sort_order: int
    version: int
    in_use: int = Field(0, description="corporations and sites storing the code")


class MastersManageRead(BaseModel):
    """Every option and every editable choice kind (inactive ones too), with how often each is used."""

    options: list[MasterOptionRead]
    choices: dict[str, list[MasterChoiceRead]]
    kind_labels: dict[str, str]
