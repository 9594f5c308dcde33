"""代理店CRM's kinds, each declared once as a `StrEnum` whose members carry their Japanese words and facts. labels.py's
tables (the vocabulary), the models' constants, the API's types and OpenAPI enums read them."""

from enum import StrEnum
from typing import Self

from service.words import Kind, kind_member


class RequestStatus(Kind):
    """A request's status (§4.2), in the lists' order, with its colour on the pages; a site's (§4.1) are all but
    一部キャンセル (its sites 投入済 and キャンセル)."""

    colour: str
    of_site: bool

    def __new__(cls, value: str, label: str, colour: str, of_site: bool = True) -> Self:
        return kind_member(cls, value, label, colour=colour, of_site=of_site)

    DEFICIENT = "deficient", "不備", "red"
    IN_PROGRESS = "in_progress", "対応中", "yellow"
    SUBMITTED = "submitted", "投入済", "green"
    PARTLY_CANCELLED = "partly_cancelled", "一部キャンセル", "blue", False
    CANCELLED = "cancelled", "キャンセル", "grey"


class LabelledForm(StrEnum):
    """The forms whose fields' names the vocabulary serves, and the other fields the messages name."""

    CORPORATION = "corporation"
    SITE = "site"
    AGENCY = "agency"
    OTHER = "other"
