"""What a person typed is shown as text on every page and in every mail part the service writes and in the dashboards'
HTML (clientkit/templates.py): hostile names go in through the real routes and builders and come out escaped for the
reader's program (HTML, Slack), as typed in a mail's text part, and never as markup. A template that shows a value
nobody passed fails rather than showing nothing, no page, mail part or piece of HTML is written by hand, and markup is
trusted in one place (`made_here`)."""

import re
from datetime import UTC, datetime, time
from html.parser import HTMLParser
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from jinja2 import UndefinedError
from sqlalchemy import select

from clientkit import templates
from service.config import REPO_ROOT, get_settings
from service.database import session_scope, utcnow
from service.entry_logs import parent_links
from service.entry_logs.attendance import closing
from service.outbox import content
from service.outbox.delivery import deliver
from service.outbox.models import OutboxMessage
from service.outbox.service import enqueue
from service.reservations import status_links
from service.reservations.messages import cancel_token
from service.reservations.models import Reservation, ServiceType
from tests.factories import make_user
from tests.service.entry_logs.world import add_log, make_world
from tests.service.reservations.conftest import book, catalog  # noqa: F401 (a fixture)
from tests.support.mail import sent_by_smtp
from tests.support.sandbox_log import read_sandbox_log
from tests.support.smtp import smtp_sink  # noqa: F401 (a fixture)

pytestmark = pytest.mark.embedded_only  # what the templates write: the same on either backend

# A script, an attribute break-out, an entity typed as text, and full-width look-alikes (shown as they are)
NAME = "<script>alert(1)</script>\"'><img src=x onerror=alert(1)>&amp;＜script＞＂＇"
RAW = ("<script>alert(1)", "<img", "onerror=alert(1)>", "\"'>")
SLACK_NAME = NAME.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")  # Slack's "Escaping text"
LINK = content.Link(url="https://dash.example/alerts?id=3&q=\"'><b>|x", label=NAME)
CLOSING_AT = datetime(2026, 1, 14, 9, 0, tzinfo=UTC)  # 18:00 in Japan
WRITERS = ("service", "dashboards", "clientkit")  # the packages that write HTML
TEMPLATE_FILES = sorted(path for package in WRITERS for path in (REPO_ROOT / package).rglob("templates/*.*"))


class Reading(HTMLParser):
    """What a browser builds of a page: its elements with their attributes, and its text (references resolved)."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text = ""
        self.feed(page)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text += data


def shown(page: str, *, own_scripts: int = 0) -> Reading:
    """The page as a browser reads it, once it is clear that no name added an element, a handler or a script."""
    reading = Reading(page)
    assert [tag for tag, _ in reading.elements if tag in ("script", "img")] == ["script"] * own_scripts
    assert [name for _, attrs in reading.elements for name in attrs if name.startswith("on")] == []
    assert [raw for raw in RAW if raw in page] == []
    return reading


def hostile_world(db):
    world = make_world(db, "sakura", name=NAME)
    world.parents[0].name = world.children[0].name = NAME
    db.commit()
    return world


def test_the_parents_barcode_page_shows_hostile_names_as_text(client, db):
    parent = hostile_world(db).parents[0]
    url = f"/api/parent-barcode/{parent_links.link_token(parent)}"
    first, again = client.get(url), client.get(url)
    assert first.status_code == again.status_code == 200 and first.text == again.text
    reading = shown(first.text, own_scripts=1)
    assert reading.text.count(NAME) == 2  # the nursery, and the parent as 「… 様」
    assert f"{NAME} 様" in reading.text
    refused = client.get("/api/parent-barcode/nonsense")
    assert refused.status_code == 404 and NAME not in shown(refused.text, own_scripts=1).text


def test_the_cancellation_pages_show_a_hostile_service_name_as_text(client, db, catalog):  # noqa: F811 (the fixture)
    db.get(ServiceType, catalog["service_id"]).name = NAME
    db.commit()
    code = book(catalog["service_id"])
    token = cancel_token(code)
    form = client.get(f"/api/reservations/cancel/{code}", params={"token": token})
    done = client.post(f"/api/reservations/cancel/{code}", data={"token": token})
    again = client.post(f"/api/reservations/cancel/{code}", data={"token": token})
    assert [form.status_code, done.status_code, again.status_code] == [200, 200, 200]  # cancelled already: said so
    for answer in (form, done, again):
        assert shown(answer.text).text.count(NAME) == 1
    assert ("input", {"type": "hidden", "name": "token", "value": token}) in Reading(form.text).elements


def test_the_requesters_status_page_shows_a_hostile_service_and_shop_name_as_text(client, db, catalog):  # noqa: F811
    db.get(ServiceType, catalog["service_id"]).name = NAME
    db.commit()
    code = book(catalog["service_id"])
    with session_scope() as session:
        reservation = session.scalar(select(Reservation).where(Reservation.code == code))
        reservation.one_off_shop_name = NAME  # a shop found by phone, its name as the operator typed it
        url = urlsplit(status_links.link(reservation)).path
    first, again = client.get(url), client.get(url)
    assert first.status_code == again.status_code == 200 and first.text == again.text
    assert shown(first.text).text.count(NAME) == 2  # the service and the shop
    refused = client.get(url + "x")
    assert refused.status_code == 404 and NAME not in shown(refused.text).text


def test_a_domains_mail_shows_hostile_names_escaped_in_html_and_as_typed_in_text(db, smtp_sink):  # noqa: F811
    world = hostile_world(db)
    world.nursery.closing_time = time(18, 0)
    make_user(db, "el-admin", grants={"entry_logs": "admin"}, email="el-admin@example.jp")
    add_log(db, world, world.parents[0], "Entry", datetime(2026, 1, 14, 8, 0, tzinfo=ZoneInfo("Asia/Tokyo")))
    db.commit()
    assert closing.send_closing_notices(db, now=CLOSING_AT) == 1
    db.commit()
    (notice,) = db.scalars(select(OutboxMessage).where(OutboxMessage.ref_type == closing.NOTICE_REF))
    db.commit()
    (mail,) = sent_by_smtp(smtp_sink, notice.id)
    assert NAME in mail.message["Subject"]
    assert shown(mail.html).text.count(NAME) == 4  # the subject as its title, the nursery, the parent, the child
    children = f"{NAME}、{world.children[3].name}"  # the first parent's two
    assert mail.tables[0][1] == [NAME, "08:00", children]
    assert mail.text.count(NAME) == 3 and f"・{NAME} / 08:00 / {children}" in mail.text


def hostile_document() -> content.Document:
    mention = content.Mention(name=NAME)
    return (
        content.Paragraph(parts=content.fill("{name} {link} {who}", name=NAME, link=LINK, who=mention)),
        content.Heading(text=NAME),
        content.Table(header=("名前", NAME), rows=((NAME, LINK), (mention, NAME))),
    )


def enqueued(channel: str, recipient: str) -> int:
    with session_scope() as db:
        return enqueue(db, channel=channel, recipient=recipient, subject=NAME, content=hostile_document()).id


def test_a_mails_parts_show_every_hostile_part_of_a_document_as_text(smtp_sink):  # noqa: F811 (the fixture)
    (mail,) = sent_by_smtp(smtp_sink, enqueued("email", "ops@example.jp"))
    reading = shown(mail.html)
    assert reading.text.count(NAME) == 10  # the title; the words, the link and the mention; the heading; 5 cells
    assert mail.links == [(LINK.url, NAME)] * 2
    assert mail.tables[0] == [["名前", NAME], [NAME, NAME], [f"@{NAME}", NAME]]
    assert f"{NAME} {NAME} {LINK.url} @{NAME}" in mail.text and f"■ {NAME}" in mail.text


def test_a_slack_post_shows_every_hostile_part_of_a_document_as_text_and_links_only_ours():
    settings = get_settings()
    before = len(read_sandbox_log(settings, "slack"))
    assert deliver(session_scope, enqueued("slack", "#ops"), now=utcnow(), settings=settings).outcome == "sent"
    post = read_sandbox_log(settings, "slack")[before:][0]["posted"]
    slack_link = "<https://dash.example/alerts?id=3&amp;q=\"'&gt;&lt;b&gt;%7Cx|" + SLACK_NAME + ">"
    assert re.findall(r"<[^<>]*>", post) == [slack_link] * 2  # nothing typed became a mention or a link
    assert post.count(SLACK_NAME) == 9 and post.count(f"@{SLACK_NAME}") == 2


def test_a_template_refuses_a_value_it_was_not_given():
    with pytest.raises(UndefinedError, match="'message' is undefined"):
        templates.render("service.reservations.pages.pages", "notice.html", title="題", facts=())


def test_a_templates_suffix_says_how_it_escapes_and_there_is_no_other_way():
    with pytest.raises(ValueError, match="says how its values are escaped"):
        templates.environment("service.outbox", ".html").from_string("{{ name }}")
    with pytest.raises(ValueError, match="not a .html template"):
        templates.environment("service.outbox", ".html").get_template("mail.txt")
    assert {path.suffix for path in TEMPLATE_FILES} == {".html", ".txt", ".mrkdwn"}
    escaping_off = re.compile(r"\|\s*safe\b|autoescape\s+false|\bMarkup\b", re.IGNORECASE)
    assert [path.name for path in TEMPLATE_FILES if escaping_off.search(path.read_text(encoding="utf-8"))] == []


def test_no_page_or_mail_part_is_written_by_hand_and_markup_is_trusted_in_one_place():
    by_hand = re.compile(r"<!doctype|<html|html\.escape|from html import|string import Template|markupsafe", re.I)
    written = {path for package in WRITERS for path in (REPO_ROOT / package).rglob("*.py")}
    modules = sorted(written - {REPO_ROOT / "clientkit" / "templates.py"})
    assert [str(path.relative_to(REPO_ROOT)) for path in modules if by_hand.search(path.read_text())] == []
