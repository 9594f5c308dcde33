"""Forms keep what was meant, in a real browser (issue 46's done-when):

- 予約 › 問い合わせ対応 is empty again after 「記録する」, so the next caller's inquiry is stored with only what was
  typed for it (never the previous caller's 予約ID or 回答内容);
- a platform admin, in one signed-in session, grants a customer-scoped role by picking the customer's name, saves a
  CRM site edited while someone else changed another field of it with 「自分の変更を反映して保存」 (nothing typed
  again), imports a roster whose phone number was typed full-width, and finds a loaner typing its number full-width;
- at 00:30 in Japan, when a server's UTC date is still the day before, a maintenance window added with its default
  終了日 is saved for today in Japan: the dashboards run on a Streamlit server of the test's own whose clock is moved
  (tests/support/clock.py moved_clock_env), the API on the test process's clock (clock_at), the browser on
  Playwright's.
"""

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from dashboards.app_pages.crm import labels as crm_labels
from service.config import get_settings
from service.database import session_scope
from service.entry_logs.models import Nursery, Parent
from service.reservations.models import SupportInquiry
from tests.browser.test_crm_images import choose_files
from tests.factories import DEFAULT_PASSWORD, auth_headers, make_user
from tests.service.crm.conftest import made, masters_and_storage, world  # noqa: F401  (fixtures)
from tests.service.crm.requests.test_workflow import request_with_sites
from tests.service.fleet.conftest import make_customer
from tests.service.loaners.conftest import IN_HOUSE, answer, initial_data, make_device  # noqa: F401  (fixtures)
from tests.service.reservations.conftest import book, catalog, sandbox  # noqa: F401  (fixtures)
from tests.support.clock import JAPAN, clock_at, japan_time, moved_clock_env
from tests.support.streamlit_browser import (
    choose,
    drawn,
    entered,
    open_from_sidebar,
    settled,
    sign_in,
    streamlit_process,
)
from tests.support.worker import start_worker  # noqa: F401  (fixture)

# browser tests check pages, not the backend: each module runs in one pass of `make check` (docs/testing.md)
pytestmark = [pytest.mark.slow, pytest.mark.embedded_only, pytest.mark.outside]


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
    entered(page, page.get_by_label("問い合わせ者", exact=True), "山田太郎")
    entered(page, page.get_by_label("予約ID（任意）"), code)
    entered(page, page.get_by_label("問い合わせ内容"), "日時を変えたい")
    entered(page, page.get_by_label("回答内容").first, "日時変更を承りました")
    page.get_by_role("button", name="記録する").click()
    expect(page.get_by_text("山田太郎 の問い合わせを記録しました。")).to_be_visible()
    settled(page)
    for field in ("問い合わせ者", "予約ID（任意）"):
        expect(page.get_by_label(field, exact=True)).to_have_value("")
    expect(page.get_by_label("回答内容").first).to_have_value("")
    expect(page.get_by_label("問い合わせ内容")).to_have_value("")

    entered(page, page.get_by_label("問い合わせ内容"), "領収書がほしい")
    entered(page, page.get_by_label("問い合わせ者", exact=True), "佐藤花子")
    page.get_by_role("button", name="記録する").click()
    expect(page.get_by_text("佐藤花子 の問い合わせを記録しました。")).to_be_visible()
    with session_scope() as session:
        rows = session.scalars(select(SupportInquiry).order_by(SupportInquiry.id)).all()
        assert [(r.requester, r.reservation_id is None, r.answer) for r in rows] == [
            ("山田太郎", False, "日時変更を承りました"),
            ("佐藤花子", True, ""),
        ]


def test_a_platform_admin_picks_a_scope_by_name_merges_a_stale_edit_and_types_full_width(  # noqa: F811
    client, world, db, dashboards_url, live_api, new_page, start_worker
):
    start_worker()  # the roster import's job
    root = make_user(db, "root", grants={"platform": "admin"})
    make_user(db, "sato", name="佐藤")
    make_customer(db, "ABC商事")
    db.add(Nursery(code="sakura", name="さくら保育園"))
    db.commit()
    request_id, (site, _) = request_with_sites(client, world)
    with session_scope() as session:
        answer(session, make_device(session, serial="ABC123"), IN_HOUSE)
    page = new_page()
    sign_in(page, dashboards_url, "root", DEFAULT_PASSWORD, "ダッシュボード")

    grant_a_customer_by_name(page, live_api, root)
    merge_a_stale_site_edit(page, client, world, request_id, site)
    import_a_full_width_phone(page)
    search_loaners_full_width(page)


def grant_a_customer_by_name(page: Page, live_api: str, root) -> None:
    """利用者管理（全体）: a role limited to one customer is given by picking 「ABC商事」, never by typing its id."""
    open_from_sidebar(page, "利用者管理（全体）", "admin-users")
    choose(page, "編集するユーザー", "sato（佐藤）")
    choose(page, "端末管理", "閲覧のみ")
    choose(page, "端末管理の範囲（顧客）", "ABC商事")
    page.get_by_role("button", name="権限を保存").click()
    expect(page.get_by_text("ユーザー「sato」の権限を保存しました（端末管理）。")).to_be_visible()
    users = httpx.get(f"{live_api}/api/admin/users", params={"q": "sato"}, headers=auth_headers(root)).json()
    [sato] = [user for user in users["items"] if user["login_id"] == "sato"]
    assert [(g["domain"], g["role"], g["scope_name"]) for g in sato["grants"]] == [("fleet", "viewer", "ABC商事")]


def merge_a_stale_site_edit(page: Page, client, world, request_id: int, site: dict) -> None:  # noqa: F811
    """案件詳細: someone else saves 備考 while I edit 店舗名; mine is saved without typing it again, theirs stays."""
    open_from_sidebar(page, "案件詳細")
    page.get_by_label("依頼ID").fill(str(request_id))
    page.get_by_role("button", name="開く").click()
    settled(page)
    page.get_by_label("店舗名").fill("新宿店")
    made(
        client.patch(
            f"/api/crm/sites/{site['id']}",
            json={"note": "先に保存", "version": site["version"]},
            headers=world.operator,
        )
    )
    page.get_by_role("button", name="地点を保存").click()
    expect(page.get_by_text(crm_labels.MERGE_OFFER)).to_be_visible()
    page.get_by_role("button", name=crm_labels.MERGE).click()
    expect(page.get_by_text(crm_labels.MERGE_OFFER)).to_have_count(0)
    stored = made(client.get(f"/api/crm/sites/{site['id']}", headers=world.operator))
    assert (stored["power_branch_name"], stored["note"]) == ("新宿店", "先に保存")


def import_a_full_width_phone(page: Page) -> None:
    """保護者・園児管理: a roster whose phone was typed with the IME on (０９０－…) is imported as 090-…."""
    open_from_sidebar(page, "保護者・園児管理")
    page.get_by_role("tab", name="CSV取込").click()
    roster = "保護者名,電話番号,園児名,クラス\n山田花子,０９０－１２３４－５６７８,山田太郎,きりん組\n"
    choose_files(page, "名簿のファイル", {"roster.csv": roster.encode("utf-8")})
    page.get_by_role("button", name="取込").click()
    expect(page.get_by_text("取込が完了しました: 1行のうち 1行を取り込みました", exact=False)).to_be_visible()
    with session_scope() as session:
        assert session.scalars(select(Parent.phone)).all() == ["090-1234-5678"]


def search_loaners_full_width(page: Page) -> None:
    """代替機 › 通常データ: a device found by its number typed full-width (ＡＢＣ１２３)."""
    open_from_sidebar(page, "通常データ")
    search = page.get_by_label("検索", exact=True)
    search.fill("ＡＢＣ１２３")
    search.press("Enter")
    expect(page.get_by_text("全1件中 1〜1件目")).to_be_visible()


def next_half_past_midnight() -> datetime:
    """Tomorrow's 00:30 in Japan: ahead of the machine's clock, so what the browser keeps by that clock (the session
    cookie) is still valid."""
    today = datetime.now(JAPAN).date() + timedelta(days=1)
    return japan_time(today.year, today.month, today.day, 0, 30)


@pytest.fixture
def half_past_midnight(
    live_api: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, datetime]]:
    """A dashboards server whose clock starts at 00:30 in Japan, its zone UTC (the date the day before), and the test
    process (the API) at the same moment; yields the server's address and the moment."""
    moment = next_half_past_midnight()
    with clock_at(moment), streamlit_process(live_api, tmp_path / "streamlit.log", **moved_clock_env(moment)) as url:
        monkeypatch.setattr(get_settings(), "dashboard_url", url)
        yield url, moment


def test_a_maintenance_window_added_at_half_past_midnight_in_japan_is_saved_for_today_in_japan(
    half_past_midnight, db, live_api, new_page
):
    url, moment = half_past_midnight
    operator = make_user(db, "fleet-op", grants={"fleet": "operator"})
    customer = make_customer(db, "ABC商事")
    db.commit()
    page = new_page()
    page.clock.install(time=moment)
    sign_in(page, url, "fleet-op", DEFAULT_PASSWORD, "ダッシュボード")
    open_from_sidebar(page, "顧客一覧")
    choose(page, "顧客を選択", "ABC商事")
    drawn(page)
    expect(page.get_by_role("group", name="終了日")).to_have_text(f"{moment:%Y/%m/%d}")  # today in Japan
    page.get_by_label("理由").fill("夜間バッチ")
    page.get_by_role("button", name="定期メンテナンスを追加").click()

    expect(page.get_by_text("定期メンテナンスを追加しました。")).to_be_visible()
    windows = httpx.get(
        f"{live_api}/api/fleet/maintenance-windows", params={"customer_id": customer.id}, headers=auth_headers(operator)
    ).json()
    assert [(w["reason"], w["until"]) for w in windows] == [("夜間バッチ", moment.date().isoformat())]
