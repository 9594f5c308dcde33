"""One document, three forms: the plain text never runs a link into the words after it, the HTML escapes every value
and links with <a href>, Slack's form escapes what people typed and writes links in Slack's syntax."""

import pytest
from pydantic import ValidationError

from service.outbox import content
from tests.support.mail import bare_urls

PAGE = content.Link(url="https://dash.example/fleet-alerts?id=3&b=<x>")
TYPED = "<!channel> <https://evil.example/|公式> &amp;"  # what a person may type into a name or a note


def test_a_template_is_filled_as_str_format_fills_it_with_its_links_kept_as_links():
    run = content.fill("{amount:,}円 {who!r} {url}（{when}）", amount=12000, who="田中", url=PAGE, when="明日")
    assert run == ("12,000円 '田中' ", PAGE, "（明日）")
    assert content.plain(run) == f"12,000円 '田中' {PAGE.url} （明日）"  # a space between the link and the words


def test_blank_lines_part_paragraphs_and_a_single_line_break_stays_within_one():
    document = content.paragraphs("{name} 様\n\n一行目\n{url}\n二行目\n\n", name="山田", url=PAGE)
    assert [block.parts for block in document] == [("山田 様",), ("一行目\n", PAGE, "\n二行目")]
    assert content.text(document) == f"山田 様\n\n一行目\n{PAGE.url}\n二行目"
    assert "<p>一行目<br>\n<a href=" in content.html(document, title="件名")


def test_every_value_is_escaped_in_the_html_and_in_slack_and_only_our_links_are_links():
    document = (
        content.Paragraph(parts=content.fill("{typed} {url}（通知）", typed=TYPED, url=PAGE)),
        content.Heading(text=TYPED),
        content.Table(header=("名前", "画面"), rows=((TYPED, content.Link(url=PAGE.url, label=TYPED)),)),
    )
    page = content.html(document, title=TYPED)
    assert page.count("&lt;!channel&gt; &lt;https://evil.example/|公式&gt; &amp;amp;") == 5
    assert page.count("<a href=") == 2 and '<a href="https://dash.example/fleet-alerts?id=3&amp;b=&lt;x&gt;">' in page
    post = content.slack(document)
    assert "<!channel>" not in post and "<https://evil" not in post and post.count("&lt;!channel&gt;") == 4
    assert {url[:21] for url in bare_urls(post)} == {"https://evil.example/"}  # typed text, shown as typed
    assert "<https://dash.example/fleet-alerts?id=3&amp;b=&lt;x&gt;>（通知）" in post
    assert content.of_message("", {"content": content.dump(document)}) == document  # as the outbox row keeps it


def test_a_link_is_a_web_address():
    with pytest.raises(ValidationError):
        content.Link(url="javascript:alert(1)")
