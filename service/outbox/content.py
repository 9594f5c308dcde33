"""What an e-mail or a Slack post says, built once as a `Document` and written for each reader's program by a
template in `templates/` (clientkit/templates.py escapes each value as the template's suffix says): `mail.txt`
(text/plain; the row's body), `mail.html` (text/html) and `post.mrkdwn` (Slack).

- `mail.txt`: a link is its address, never run into the words after it (a space comes between).
- `mail.html`: every value escaped as HTML; a link is an `<a href>`.
- `post.mrkdwn`: every value escaped as Slack asks (`&`, `<`, `>`), so nothing a person typed becomes a mention or a
  link; a link's address escaped the same way and a `|` in it percent-encoded. A `Mention` is the one mention a post
  makes: `<@U…>` there, `@name` in every other form.

A block and an inline part say what they are by `kind` (a plain string is text), which the templates read.
"""

from collections.abc import Iterable, Mapping
from string import Formatter
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator

from clientkit import templates

LINK_SCHEMES = ("https://", "http://")
# The text forms' marks: a heading's, a table row's, between cells, before a row's link addresses (mail text only).
MARKS = {"heading": "■ ", "row": "・", "cell": " / ", "row_link": "  "}


class Link(BaseModel):
    model_config = ConfigDict(frozen=True)
    kind: ClassVar[str] = "link"

    url: str
    label: str = ""

    @field_validator("url")
    @classmethod
    def _web_address(cls, url: str) -> str:
        if not url.startswith(LINK_SCHEMES):
            raise ValueError("a link is a web address (http or https)")
        return url


SLACK_MEMBER_ID = r"^(?:[UW][A-Z0-9]{2,20})?$"


class Mention(BaseModel):
    model_config = ConfigDict(frozen=True)
    kind: ClassVar[str] = "mention"

    name: str
    member_id: str = Field(default="", pattern=SLACK_MEMBER_ID)

    def text(self) -> str:
        return f"@{self.name}"


Inline = str | Link | Mention
Run = tuple[Inline, ...]


class Paragraph(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: Literal["paragraph"] = "paragraph"
    parts: Run


class Heading(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: Literal["heading"] = "heading"
    text: str


class Table(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: Literal["table"] = "table"
    header: tuple[str, ...]
    rows: tuple[tuple[Inline, ...], ...]


Block = Annotated[Paragraph | Heading | Table, Field(discriminator="kind")]
Document = tuple[Block, ...]
DOCUMENT = TypeAdapter(Document)


def fill(template: str, **values: Any) -> Run:
    """A `Link` value (or a run) stays itself, any other is formatted."""
    formatter = Formatter()
    parts: list[Inline] = []
    for literal, field, spec, conversion in formatter.parse(template):
        parts.append(literal)
        if field is None:
            continue
        value, _ = formatter.get_field(field, (), values)
        if isinstance(value, Link | Mention):
            parts.append(value)
        elif isinstance(value, tuple):
            parts.extend(value)
        else:
            parts.append(formatter.format_field(formatter.convert_field(value, conversion), spec or ""))
    return _merged(parts)


def lines(*runs: Run) -> Run:
    joined: list[Inline] = []
    for index, run in enumerate(runs):
        joined += ["\n", *run] if index else list(run)
    return _merged(joined)


def _merged(parts: Iterable[Inline]) -> Run:
    merged: list[Inline] = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        elif part != "":
            merged.append(part)
    return tuple(merged)


def paragraphs(template: str, **values: Any) -> tuple[Paragraph, ...]:
    """One per block of lines between blank lines."""
    found: list[Paragraph] = []
    current: list[Inline] = []
    for part in fill(template, **values):
        pieces: list[Inline] = list(part.split("\n\n")) if isinstance(part, str) else [part]
        for index, piece in enumerate(pieces):
            if index:
                found += _paragraph(current)
                current = []
            current.append(piece)
    return tuple(found + _paragraph(current))


def _paragraph(parts: list[Inline]) -> list[Paragraph]:
    run = list(_merged(parts))
    if run and isinstance(run[0], str):
        run[0] = run[0].lstrip("\n")
    if run and isinstance(run[-1], str):
        run[-1] = run[-1].rstrip("\n")
    kept = _merged(run)
    return [Paragraph(parts=kept)] if kept else []


def from_text(body: str) -> Document:
    return paragraphs("{body}", body=body)


def dump(document: Document) -> list[dict[str, Any]]:
    return DOCUMENT.dump_python(document, mode="json")


def of_message(body: str, payload: Mapping[str, Any]) -> Document:
    """Its payload's document, else its body as paragraphs."""
    kept = payload.get("content")
    return DOCUMENT.validate_python(kept) if kept else from_text(body)


def plain(run: Run) -> str:
    """A link's address after its label, a space between it and the words after."""
    out = ""
    for index, part in enumerate(run):
        if isinstance(part, str):
            out += part
            continue
        if isinstance(part, Mention):
            out += part.text()
            continue
        out += f"{part.label} {part.url}" if part.label else part.url
        if index + 1 < len(run) and not _starts_with_space(run[index + 1]):
            out += " "
    return out


def _starts_with_space(part: Inline) -> bool:
    return isinstance(part, str) and part[:1].isspace()


def text(document: Document) -> str:
    return templates.render(__name__, "mail.txt", document=document, plain=plain, marks=MARKS)


def html(document: Document, *, title: str) -> str:
    return templates.render(__name__, "mail.html", document=document, title=title)


def slack(document: Document) -> str:
    return templates.render(__name__, "post.mrkdwn", document=document, marks=MARKS)
