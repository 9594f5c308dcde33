"""地点入力 with OCR in a real browser: what the operator types over a proposal stays in the field while other widgets
rerun the page (the field whose reading is shown, the bill whose proposals fill the form) and is what the save keeps;
the audit names the field as corrected. A bill from a new-power company: the page names its issuer, proposes 電力会社
その他, and lists the value it withheld with its reason in Japanese."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from service.audit.models import AuditEntry
from tests.dashboards.test_crm_ocr import LOCATION, NAME, read_as, site_of, two_read_bills
from tests.factories import DEFAULT_PASSWORD
from tests.service.crm.conftest import made, masters_and_storage, picture, submit, world  # noqa: F401 - fixtures
from tests.support.streamlit_browser import choose, drawn, entered, reran, sign_in

# browser tests check pages, not the backend: each module runs in one pass of `make check` (docs/testing.md)
pytestmark = [pytest.mark.slow, pytest.mark.embedded_only, pytest.mark.outside]
TYPED = "0300111234567890120000"


def test_what_the_operator_typed_over_a_proposal_stays_through_reruns_and_is_saved(
    client,
    db,
    world,  # noqa: F811
    dashboards_url,
    new_page,
):
    request_id, _, site = two_read_bills(db, client, world)
    page = new_page(1400)
    sign_in(page, dashboards_url, "op", DEFAULT_PASSWORD, "投入案件一覧")
    page.goto(f"{dashboards_url}/crm-case?id={request_id}")
    location = page.get_by_label("供給地点特定番号（OCR 90%）")
    expect(location).to_have_value("0300111234567890123456")
    drawn(page)

    entered(page, location, TYPED)  # typed over the proposal, not saved
    with reran(page):
        choose(page, "画像上の読み取り位置を表示する項目", "名義")  # another widget reruns the page
    expect(location).to_have_value(TYPED)
    with reran(page):
        choose(page, "OCRの読み取り結果を使う明細画像", "明細2.png")  # the form anew: bill 2's proposals
    expect(page.get_by_label("名義（OCR 90%）")).to_have_value("株式会社二枚目")
    expect(location).to_have_value(TYPED)
    page.get_by_role("button", name="地点を保存").click()

    expect(page.get_by_text("を保存しました。")).to_be_visible()
    saved = made(client.get(f"/api/crm/sites/{site['id']}", headers=world.operator))
    assert (saved[LOCATION], saved[NAME]) == (TYPED, "株式会社二枚目")
    updates = select(AuditEntry).where(AuditEntry.target_type == "site", AuditEntry.action == "update")
    assert db.scalars(updates).one().changes["ocr_review"]["after"] == {"accepted": [NAME], "corrected": [LOCATION]}
    db.commit()


def test_the_confirm_page_names_the_issuer_and_shows_a_withheld_value_with_its_reason(
    client,
    db,
    world,  # noqa: F811
    dashboards_url,
    new_page,
):
    created = made(submit(client, world.sales_a, files=[("images", ("明細.png", picture(), "image/png"))]))
    reason = "東京都は供給地点特定番号・電力会社のエリア（06）にありません"
    withheld = {"field": "power_prefecture", "read": "東京都", "rule": reason}
    read_as(
        db,
        created["images"][0]["id"],
        withheld=(withheld,),
        issuer="ソラノでんき株式会社",
        power_supplier_type="99",
        **{LOCATION: "0600111234567890123456"},
    )
    site_of(client, world, created["request"]["id"])
    page = new_page(1400)
    sign_in(page, dashboards_url, "op", DEFAULT_PASSWORD, "投入案件一覧")
    page.goto(f"{dashboards_url}/crm-case?id={created['request']['id']}")
    expect(page.get_by_label("供給地点特定番号（OCR 90%）")).to_have_value("0600111234567890123456")
    expect(page.get_by_text("請求書の発行元（読み取り）: ソラノでんき株式会社")).to_be_visible()
    expect(page.get_by_text(reason)).to_be_visible()
