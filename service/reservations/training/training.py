"""The training material of the QRV document (§3): twelve items kept as Markdown in `manuals/`, read on the dashboards'
運用マニュアル page and drawn as PDF; the requester FAQ is also a public page.

A quoted message's fence names its template in `labels` (```` ```template SMS_PAYMENT_LINK ````), so
tests/service/reservations/training/test_manuals.py holds every quote to the text the code sends; the phone script's
example answers (```` ```answer accept ````) are held to calls.classify."""

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from zoneinfo import ZoneInfo

from clientkit import templates
from service.config import get_settings
from service.documents import FONT, japanese_pdf
from service.links import api_page
from service.reservations import labels, messages, payments, status_links
from service.reservations.kinds import Audience
from service.reservations.pages import pages
from service.schemas import OneOf

if TYPE_CHECKING:  # imported where a manual is drawn or parsed, not with the app
    from fpdf import FPDF
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

FOLDER = Path(__file__).with_name("manuals")
TEMPLATE_FENCE = "template"
REQUESTER_FAQ = "requester-faq"
EXAMPLE_DAY = date(2026, 12, 3)  # a Thursday, 14:00
TEMPLATE_FIELD = re.compile(r"\{(\w+)(?::[^{}]*)?\}")  # {code}, {amount:,}
QUOTE = re.compile(r"(^```template (?P<name>\S+)\n)(.*?^```)", re.MULTILINE | re.DOTALL)
HEADING_SIZES = {"h1": 18, "h2": 14, "h3": 12}
TEXT_SIZE = 10.5
LINE_MM = 6.5


@dataclass(frozen=True)
class Manual:
    """A requester's quotes show an example booking's values; the others' fields in words."""

    name: str
    title: str
    audience: Audience

    @property
    def file(self) -> str:
        """requester-faq → requester_faq.md."""
        return f"{self.name.replace('-', '_')}.md"


MANUALS: dict[str, Manual] = {
    manual.name: manual
    for manual in (
        Manual("requester-quickstart", "クイックスタートガイド（ご依頼者向け）", Audience.REQUESTER),
        Manual(REQUESTER_FAQ, "よくある質問（ご依頼者向け）", Audience.REQUESTER),
        Manual("requester-dialogues", "サンプル対話例（ご依頼者向け）", Audience.REQUESTER),
        Manual("requester-cancel", "キャンセル手順（ご依頼者向け）", Audience.REQUESTER),
        Manual("shop-manual", "提携店向けマニュアル", Audience.SHOP),
        Manual("shop-phone-script", "電話スクリプト例（提携店向け）", Audience.SHOP),
        Manual("shop-faq", "よくある質問（提携店向け）", Audience.SHOP),
        Manual("shop-troubleshooting", "トラブルシューティング（提携店向け）", Audience.SHOP),
        Manual("operator-manual", "運用マニュアル（運営担当者向け）", Audience.OPERATOR),
        Manual("operator-incidents", "インシデント対応手順書（運営担当者向け）", Audience.OPERATOR),
        Manual("operator-logs", "ログ確認ガイド（運営担当者向け）", Audience.OPERATOR),
        Manual("operator-slack", "Slack通知一覧（運営担当者向け）", Audience.OPERATOR),
    )
}
ManualName = Annotated[str, OneOf(tuple(MANUALS))]
ANSWER_FENCE = "answer"


def summary(manual: Manual) -> dict[str, str]:
    audience = {"audience": manual.audience, "audience_label": manual.audience.label}
    return {"name": manual.name, "title": manual.title} | audience


def source(name: str) -> str:
    return (FOLDER / MANUALS[name].file).read_text(encoding="utf-8")


def readable(name: str) -> str:
    """A requester's manual's quotes with an example booking's values (「予約ID: QRV-7KX2M9」); the others' fields in
    words (〈予約ID〉)."""
    if MANUALS[name].audience is Audience.REQUESTER:
        return with_examples(source(name))
    return fields_in_words(source(name))


def examples() -> dict[str, dict[str, Any]]:
    """A template's own value where a field means something else there (CANCEL_PART's url is the cancellation link)."""
    at = datetime.combine(EXAMPLE_DAY, time(14), tzinfo=ZoneInfo(get_settings().timezone))
    deadline = messages.when_text(messages.cancel_deadline(at))
    cancel_url = api_page(messages.cancel_path(labels.TEMPLATE_EXAMPLES["code"])) + "?token=…"
    values: dict[str, Any] = {**labels.TEMPLATE_EXAMPLES, "when": messages.when_text(at), "deadline": deadline}
    values["faq"] = messages.faq_url()
    values["status"] = api_page(status_links.PATH + "…")
    values |= {"cancel": labels.CANCEL_PART.format(deadline=deadline, url=cancel_url), "refund": labels.REFUND_NOTE}
    values |= {"minutes": payments.window_minutes(), "summary": labels.SUMMARY_LINES.format(**values)}
    values["hours"] = get_settings().reservations_cancel_deadline_hours
    return {"": values, "CANCEL_PART": values | {"url": cancel_url}}


def with_examples(text: str) -> str:
    """A field outside a quote, or without an example, in words."""
    values = examples()

    def quote(fence: re.Match[str]) -> str:
        own = values.get(fence["name"], values[""])
        filled = TEMPLATE_FIELD.sub(lambda f: f.group(0).format(**own) if f.group(1) in own else f.group(0), fence[3])
        return fence[1] + filled

    return fields_in_words(QUOTE.sub(quote, text))


def quoted_templates(name: str) -> list[tuple[str, str]]:
    return _fenced(name, TEMPLATE_FENCE)


def example_answers(name: str) -> list[tuple[str, str]]:
    return [(outcome, line) for outcome, text in _fenced(name, ANSWER_FENCE) for line in text.splitlines() if line]


def _fenced(name: str, kind: str) -> list[tuple[str, str]]:
    fences = [token for token in _tokens(source(name)) if token.type == "fence"]
    return [
        (token.info.split()[1], token.content)
        for token in fences
        if token.info.split()[:1] == [kind] and len(token.info.split()) == 2
    ]


def template_text(reference: str) -> str:
    """`SMS_PAYMENT_LINK` or `SLACK_MESSAGES.sms_failed`."""
    constant, _, key = reference.partition(".")
    value = getattr(labels, constant)
    return value[key] if key else value


def drifted_quotes(name: str) -> list[str]:
    """A trailing line break aside."""
    return [
        reference
        for reference, quoted in quoted_templates(name)
        if quoted.rstrip("\n") != template_text(reference).rstrip("\n")
    ]


def faq_page() -> str:
    """No script, no outside resource; the Markdown's own HTML is escaped (markdown-it without `html`)."""
    manual = MANUALS[REQUESTER_FAQ]
    return pages.faq(manual.title, templates.made_here(_renderer().render(readable(manual.name))))


def fields_in_words(text: str) -> str:
    """{code} -> 〈予約ID〉; a quoted template's own words first (labels.TEMPLATE_FIELDS_OF)."""

    def quote(fence: re.Match[str]) -> str:
        own = labels.TEMPLATE_FIELDS_OF.get(fence["name"], {})
        return fence[1] + TEMPLATE_FIELD.sub(lambda field: _in_words(field, own), fence[3])

    return TEMPLATE_FIELD.sub(_in_words, QUOTE.sub(quote, text))


def _in_words(field: re.Match[str], own: dict[str, str] | None = None) -> str:
    name = field.group(1)
    return f"〈{(own or {}).get(name) or labels.TEMPLATE_FIELDS[name]}〉"


def manual_pdf(name: str) -> bytes:
    return bytes(draw(name).output())


def draw(name: str) -> "FPDF":
    pdf = japanese_pdf()
    pdf.set_title(MANUALS[name].title)
    pdf.add_page()
    tokens = _tokens(readable(name))
    index = 0
    while index < len(tokens):
        index = _draw_block(pdf, tokens, index)
    return pdf


def _draw_block(pdf: "FPDF", tokens: list["Token"], index: int) -> int:
    """Returns the index of the next block."""
    token = tokens[index]
    if token.type == "heading_open":
        _paragraph(pdf, _inline_text(tokens[index + 1]), size=HEADING_SIZES.get(token.tag, TEXT_SIZE), before=3)
        return index + 3
    if token.type == "paragraph_open":
        _paragraph(pdf, _list_prefix(tokens, index) + _inline_text(tokens[index + 1]))
        return index + 3
    if token.type == "fence":
        _quote(pdf, token.content.rstrip("\n"))
        return index + 1
    if token.type == "table_open":
        return _table(pdf, tokens, index)
    return index + 1


def _paragraph(pdf: "FPDF", text: str, *, size: float = TEXT_SIZE, before: float = 1) -> None:
    from fpdf.enums import WrapMode

    pdf.ln(before)
    pdf.set_font(FONT, size=size)
    pdf.multi_cell(0, LINE_MM * size / TEXT_SIZE, text, new_x="LMARGIN", new_y="NEXT", wrapmode=WrapMode.CHAR)


def _quote(pdf: "FPDF", text: str) -> None:
    from fpdf.enums import WrapMode

    pdf.ln(1)
    pdf.set_font(FONT, size=TEXT_SIZE - 1)
    pdf.set_fill_color(240, 240, 240)
    pdf.multi_cell(0, LINE_MM, text, fill=True, new_x="LMARGIN", new_y="NEXT", wrapmode=WrapMode.CHAR)


def _table(pdf: "FPDF", tokens: list["Token"], index: int) -> int:
    from fpdf.enums import WrapMode

    rows: list[list[str]] = []
    while tokens[index].type != "table_close":
        token = tokens[index]
        if token.type == "tr_open":
            rows.append([])
        elif token.type == "inline":
            rows[-1].append(_inline_text(token))
        index += 1
    pdf.ln(2)
    pdf.set_font(FONT, size=TEXT_SIZE - 1)
    with pdf.table(first_row_as_headings=False, line_height=LINE_MM, wrapmode=WrapMode.CHAR) as table:
        for cells in rows:
            row = table.row()
            for cell in cells:
                row.cell(cell)
    return index + 1


def _list_prefix(tokens: list["Token"], index: int) -> str:
    if index == 0 or tokens[index - 1].type != "list_item_open":
        return ""
    item = tokens[index - 1]
    return f"{item.info}. " if item.info else "・"


def _inline_text(token: "Token") -> str:
    parts = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
    return "".join(parts)


@lru_cache
def _renderer() -> "MarkdownIt":
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False}).enable("table")


def _tokens(text: str) -> list["Token"]:
    return _renderer().parse(text)
