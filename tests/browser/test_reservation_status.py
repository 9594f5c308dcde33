"""The requester's status page in Chromium at phone size, opened from the link in the booking's SMS: the booking and
one message, what happens next and by when the requester hears back (once every shop declined, that a person has it
instead), and while free cancellation runs a cancel link that cancels; an unknown link is a page saying so. axe finds
nothing serious on any."""

import pytest
from playwright.sync_api import Page, expect

from service.config import get_settings
from service.reservations import labels
from tests.browser.conftest import PHONE
from tests.service.reservations.conftest import (  # noqa: F401  (catalog, sandbox: fixtures)
    answer_calls,
    book,
    catalog,
    deliver_due,
    sandbox,
    sms_link,
)
from tests.support.axe import serious_violations

# browser tests check pages, not the backend: each module runs in one pass of `make check` (docs/testing.md)
pytestmark = [pytest.mark.slow, pytest.mark.embedded_only, pytest.mark.outside]


def test_the_status_page_on_a_phone_before_and_after_a_person_takes_the_booking(  # noqa: F811 (fixtures)
    catalog, phone: Page, live_api: str, monkeypatch
):
    monkeypatch.setattr(get_settings(), "public_base_url", live_api)  # the links the requester follows reach it
    code = book(catalog["service_id"])
    url = live_api + sms_link(code)[0]
    phone.goto(url)
    expect(phone.get_by_role("heading", name=labels.STATUS_PAGE_TITLE)).to_be_visible()
    expect(phone.get_by_text(code, exact=True)).to_be_visible()
    expect(phone.get_by_text(labels.STATUS_NEXT["calling"])).to_be_visible()
    expect(phone.get_by_text("までにご連絡します")).to_be_visible()
    expect(phone.get_by_role("heading", name=labels.ESCALATION_HEADING)).to_have_count(0)
    expect(phone.get_by_text("お問い合わせできない")).to_have_count(0)
    assert serious_violations(phone, "ご予約の状況") == []
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["viewport"]["width"]  # no sideways scroll

    answer_calls(monkeypatch, "decline")
    other = book(catalog["service_id"], days=6)
    deliver_due()  # every shop declines the second booking: a person has it
    phone.goto(live_api + sms_link(other)[0])
    expect(phone.get_by_role("heading", name=labels.ESCALATION_HEADING)).to_be_visible()
    expect(phone.get_by_text(labels.ESCALATIONS["all_shops_declined"])).to_be_visible()
    expect(phone.get_by_text(labels.STATUSES["all_declined"], exact=True)).to_be_visible()
    assert serious_violations(phone, "担当者が対応中") == []

    phone.goto(url)
    phone.get_by_role("link", name=labels.STATUS_CANCEL_LINK).click()  # the SMS's cancel link, under the public URL
    expect(phone.get_by_text(labels.CANCEL_CONFIRM)).to_be_visible()
    assert serious_violations(phone, "キャンセルの確認") == []
    phone.get_by_role("button", name=labels.CANCEL_BUTTON).click()
    expect(phone.get_by_text(labels.CANCEL_DONE)).to_be_visible()
    phone.go_back()  # the link again: the form says it is cancelled, no button
    phone.reload()
    expect(phone.get_by_text(labels.ALREADY_CANCELLED)).to_be_visible()
    expect(phone.get_by_role("button", name=labels.CANCEL_BUTTON)).to_have_count(0)
    phone.goto(url)
    expect(phone.get_by_text(labels.STATUS_NEXT["cancelled"])).to_be_visible()
    expect(phone.get_by_role("link", name=labels.STATUS_CANCEL_LINK)).to_have_count(0)
    assert serious_violations(phone, "キャンセル後") == []

    phone.goto(url + "x")
    expect(phone.get_by_text(labels.STATUS_LINK_INVALID)).to_be_visible()
    expect(phone.get_by_text(code)).to_have_count(0)
    assert serious_violations(phone, "無効なリンク") == []
