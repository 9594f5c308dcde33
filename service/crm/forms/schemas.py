"""What every CRM form reads: the masters' choices, the vocabulary (words, status rules, limits, field facts), and the
forms a dry run checks."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from service.crm.agencies.schemas import AgencyFields
from service.crm.corporations.schemas import CorporationFields
from service.crm.kinds import LabelledForm
from service.crm.requests.schemas import RequestUpdate
from service.crm.sites.schemas import SiteUpdate
from service.crm.users.schemas import CrmUserCreate, CrmUserUpdate
from service.fields import FieldWords
from service.schemas import OneOf


class ChoiceRead(BaseModel):
    """A choice; an inactive one is not offered for new entries but still names the stored code."""

    model_config = ConfigDict(from_attributes=True)

    code: str
    label: str
    is_active: bool


class OptionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    price_label: str
    is_support_pack: bool
    is_active: bool


class MastersRead(BaseModel):
    choices: dict[str, list[ChoiceRead]]
    options: list[OptionRead]
    prefectures: list[str]
    statuses: dict[str, str]


class CrmVocabulary(BaseModel):
    """The wording and status rules the CRM pages show and mirror (from labels.py and statuses.py)."""

    status_colours: dict[str, str]
    roles: dict[str, str] = Field(description="the CRM roles in words (code -> Japanese), as a user is given one")
    notification_kind_labels: dict[str, str]
    transitions: dict[str, list[str]] = Field(description="back-office status changes: from -> [to, ...]")
    cancellable: list[str]
    closed: list[str]
    status_labels: dict[str, str]
    submission_required: dict[str, list[str]] = Field(
        description="the names of the site fields 投入済 needs: always, electric, switch (申込区分 1, 5), "
        "switch_electric, move_in (申込区分 2, 4, 5)"
    )
    field_labels: dict[LabelledForm, dict[str, str]] = Field(
        description="each form's fields' names (field -> name): corporation, site, agency; and the other fields the "
        "messages name"
    )
    time_labels: dict[str, str] = Field(description="a request's times' names (RequestTimes field -> name)")
    limits: dict[str, int] = Field(
        description="the forms' limits no column states: the lengths of card_number and security_code (stored "
        "encrypted), the most sites a request declares (site_count), a master entry's "
        "highest 表示順 (sort_order)"
    )
    fields: dict[str, dict[str, FieldWords]] = Field(
        description="each table's fields as the forms show and check them: label, length, choices, pattern in words"
    )


VALIDATED: dict[str, type[BaseModel]] = {
    "corporation": CorporationFields,
    "site": SiteUpdate,
    "request": RequestUpdate,
    "agency": AgencyFields,
    "user_create": CrmUserCreate,
    "user_update": CrmUserUpdate,
}
ValidatedKind = Annotated[str, OneOf(tuple(VALIDATED))]  # the forms whose fields a page checks as typed
