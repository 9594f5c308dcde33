"""Request and response bodies of the status forms and their submissions."""

from typing import Annotated

from pydantic import BaseModel, Field, StrictBool, StringConstraints

from service.fields import rules
from service.loaners.devices.schemas import CurrentState, DeviceRead
from service.loaners.kinds import QuestionType
from service.loaners.models import Question
from service.loaners.schemas import ORM
from service.schemas import MultiLine, SingleLine

Choice = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), SingleLine]
Choices = Annotated[list[Choice], Field(max_length=50)]
Position = Annotated[int, Field(ge=0, le=100_000)]
QuestionKey = Annotated[str, rules(Question.key)]
AnswerValue = Annotated[str, StringConstraints(max_length=2000), MultiLine] | int | float | None


class QuestionRead(BaseModel):
    model_config = ORM

    id: int
    key: str
    type: str
    choices: list[str]
    required: bool
    status_prefix: str | None
    nested_prefix: str | None
    condition: dict[str, str]
    help_text: str
    position: int
    active: bool


class FormRead(BaseModel):
    kind: str
    kind_label: str
    title: str
    description: str
    status_key: str
    person_key: str = Field(description="the 担当者 question, which the page prefills with the signed-in user")
    nested_keys: dict[str, str] = Field(
        description="status prefix -> the N-0 question whose answer picks the N-X-* ones"
    )
    questions: list[QuestionRead]


class QuestionCreate(BaseModel):
    key: QuestionKey = Field(description='numbered like the spec ("1-6.返却予定日", "3-4-1.…"); the prefix is derived')
    type: QuestionType
    choices: Choices = []
    required: StrictBool = False
    status_prefix: Annotated[str, rules(Question.status_prefix, strip=False)] | None = Field(
        None, description="only for an un-numbered key: the status whose number shows it"
    )
    condition: dict[QuestionKey, Choice] = {}
    help_text: Annotated[str, rules(Question.help_text)] = ""
    position: Position | None = None


class QuestionUpdate(BaseModel):
    choices: Choices | None = None
    required: StrictBool | None = None
    condition: dict[QuestionKey, Choice] | None = None
    help_text: Annotated[str, rules(Question.help_text)] | None = None
    position: Position | None = None
    active: StrictBool | None = None


class DeviceForm(BaseModel):
    """What the status-form page needs: the device chosen, its form, and its current answers to prefill."""

    device: DeviceRead
    form: FormRead
    current: CurrentState | None
    prefill: dict[str, str] = Field(
        description="the current answers the form starts from; a free-text note (段落, e.g. 0-5.備考) is never carried"
    )
    visible_keys: list[str]


class SubmissionIn(BaseModel):
    answers: Annotated[dict[QuestionKey, AnswerValue], Field(max_length=200)]


class BulkSubmissionIn(SubmissionIn):
    """一括ステータス変更: the same answers for every device chosen (each gets its own submission)."""

    device_ids: Annotated[list[Annotated[int, Field(ge=1, le=2_147_483_647)]], Field(min_length=1, max_length=200)]
