"""Forms keep what was meant, in a real browser: 予約 › 問い合わせ対応 is empty again after 「記録する」, so the next
caller's inquiry is stored with only what was typed for it (never the previous caller's 予約ID or 回答内容)."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from service.database import session_scope
from service.reservations.models import SupportInquiry
from tests.browser.conftest import settled, sign_in
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.service.reservations.conftest import book, catalog, sandbox  # noqa: F401  (fixtures)

# browser tests check pages, not the backend: each module runs in one pass of `make test` (docs/testing.md)
pytestmark = [pytest.mark.slow, pytest.mark.postgres_only]


def test_the_support_forms_second_inquiry_holds_only_what_was_typed(  # noqa: F811
    catalog, sandbox, db, dashboards_url, new_page
):
    make_user(db, "resv-support", name="サポート 花子", grants={"reservations": "support"})
    db.commit()
    code = book(catalog["service_id"])
    page = new_page(1400)
    sign_in(page, dashboards_url, "resv-support", DEFAULT_PASSWORD, "運営コンソール")
    page.goto(f"{dashboards_url}/reservations-support")
    expect(page.get_by_role("heading", name="問い合わせ対応")).to_be_visible()

    settled(page)
    page.get_by_label("問い合わせ者（氏名・店舗名）").fill("山田太郎")
    page.get_by_label("予約ID（任意）").fill(code)
    page.get_by_label("回答内容").first.fill("日時変更を承りました")
    settled(page)
    page.get_by_role("button", name="記録する").click()
    expect(page.get_by_text("山田太郎 の問い合わせを記録しました。")).to_be_visible()
    settled(page)
    for field in ("問い合わせ者（氏名・店舗名）", "予約ID（任意）"):
        expect(page.get_by_label(field)).to_have_value("")
    expect(page.get_by_label("回答内容").first).to_have_value("")

    page.get_by_label("問い合わせ者（氏名・店舗名）").fill("佐藤花子")
    settled(page)
    page.get_by_role("button", name="記録する").click()
    expect(page.get_by_text("佐藤花子 の問い合わせを記録しました。")).to_be_visible()
    with session_scope() as session:
        rows = session.scalars(select(SupportInquiry).order_by(SupportInquiry.id)).all()
        assert [(r.requester, r.reservation_id is None, r.answer) for r in rows] == [
            ("山田太郎", False, "日時変更を承りました"),
            ("佐藤花子", True, ""),
        ]
