"""Request and response bodies the loaners features share: reading from the ORM, and the
vocabulary; each feature's own are in its `schemas.py`."""

from pydantic import BaseModel, ConfigDict, Field

from service.fields import FieldWords

ORM = ConfigDict(from_attributes=True)


class LoanerVocabulary(BaseModel):
    """The words and rules the pages mirror: labels (code -> Japanese, display order), form keys, messages."""

    kinds: dict[str, str]
    location_statuses: dict[str, str]
    question_types: dict[str, str]
    held_statuses: dict[str, str]
    held_resolutions: dict[str, str] = Field(description="what a person says a 確認待ち import row is, as its button")
    status_key: str
    held_key: str
    number_column: str
    archived_column: str = Field(description="a history's column marking the rows read back from an archive")
    archived: str = Field(description="its words for such a row")
    return_statuses: list[str] = Field(description="the held statuses 返却待ち follows (返却可能 first)")
    return_due_days: int = Field(description="the weekly 返却待ち digest lists devices this many days in them")
    messages: dict[str, str]
    fields: dict[str, dict[str, FieldWords]] = Field(
        description="each table's fields as the forms show and check them: label, length, choices, pattern in words"
    )
