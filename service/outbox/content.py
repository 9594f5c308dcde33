"""What an e-mail or a Slack post says, built once as a `Document` and written for each reader's program: `text`
(text/plain, the row's body), `html` (text/html) and `slack` (mrkdwn).

- `text`: a link is its address, never run into the words after it (a space comes between).
- `html`: every value escaped with `html.escape`.
- `slack`: text escaped (`&`, `<`, `>`, as Slack's "Escaping text" asks), so nothing a person typed becomes a mention or
  a link; a link's address escaped the same way and a `|` in it percent-encoded. A `Mention` is the one mention a post
  makes: `<@U…>` there, `@name` in every other form.
"""

import html as html_escaping
from collections.abc import Iterable, Mapping
from string import Formatter
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator

LINK_SCHEMES = ("https://", "http://")
SLACK_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
HEADING_MARK = "■ "
ROW_MARK = "・"
CELL_SEPARATOR = " / "
ROW_LINK_INDENT = "  "
CELL_STYLE = "border:1px solid #999;padding:4px 8px;text-align:left;vertical-align:top"


class Link(BaseModel):
    model_config = ConfigDict(frozen=True)

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


def _cell_text(cell: Inline) -> str:
    if isinstance(cell, Mention):
        return cell.text()
    return (cell.label or cell.url) if isinstance(cell, Link) else cell


def _text_table(table: Table) -> str:
    lines = [CELL_SEPARATOR.join(table.header)]
    for row in table.rows:
        lines.append(ROW_MARK + CELL_SEPARATOR.join(_cell_text(cell) for cell in row))
        lines += [ROW_LINK_INDENT + cell.url for cell in row if isinstance(cell, Link)]
    return "\n".join(lines)


def text(document: Document) -> str:
    blocks = []
    for block in document:
        if isinstance(block, Paragraph):
            blocks.append(plain(block.parts))
        elif isinstance(block, Heading):
            blocks.append(HEADING_MARK + block.text)
        else:
            blocks.append(_text_table(block))
    return "\n\n".join(blocks)


def _escaped(value: str) -> str:
    return html_escaping.escape(value).replace("\n", "<br>\n")


def _html_inline(part: Inline) -> str:
    if isinstance(part, Link):
        return f'<a href="{html_escaping.escape(part.url)}">{_escaped(part.label or part.url)}</a>'
    return _escaped(part.text() if isinstance(part, Mention) else part)


def _html_table(table: Table) -> str:
    head = "".join(f'<th style="{CELL_STYLE}">{_escaped(name)}</th>' for name in table.header)
    rows = [
        "<tr>" + "".join(f'<td style="{CELL_STYLE}">{_html_inline(cell)}</td>' for cell in row) + "</tr>"
        for row in table.rows
    ]
    return "\n".join(
        ['<table style="border-collapse:collapse">', f"<thead><tr>{head}</tr></thead>", "<tbody>", *rows, "</tbody>"]
        + ["</table>"]
    )


def _html_block(block: Paragraph | Heading | Table) -> str:
    if isinstance(block, Paragraph):
        return "<p>" + "".join(_html_inline(part) for part in block.parts) + "</p>"
    if isinstance(block, Heading):
        return f"<h3>{_escaped(block.text)}</h3>"
    return _html_table(block)


def html(document: Document, *, title: str) -> str:
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="ja">',
            f'<head><meta charset="utf-8"><title>{_escaped(title)}</title></head>',
            '<body style="font-family:sans-serif">',
            *(_html_block(block) for block in document),
            "</body>",
            "</html>",
            "",
        ]
    )


def slack_text(value: str) -> str:
    return value.translate(SLACK_ESCAPES)


def _slack_inline(part: Inline) -> str:
    if isinstance(part, Mention):
        return f"<@{part.member_id}>" if part.member_id else slack_text(part.text())
    if isinstance(part, Link):
        url = slack_text(part.url.replace("|", "%7C"))
        return f"<{url}|{slack_text(part.label)}>" if part.label else f"<{url}>"
    return slack_text(part)


def slack(document: Document) -> str:
    blocks = []
    for block in document:
        if isinstance(block, Paragraph):
            blocks.append("".join(_slack_inline(part) for part in block.parts))
        elif isinstance(block, Heading):
            blocks.append(slack_text(HEADING_MARK + block.text))
        else:
            rows = [ROW_MARK + CELL_SEPARATOR.join(_slack_inline(cell) for cell in row) for row in block.rows]
            blocks.append("\n".join([slack_text(CELL_SEPARATOR.join(block.header)), *rows]))
    return "\n\n".join(blocks)
