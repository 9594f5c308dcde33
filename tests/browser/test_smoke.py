"""A person's first minute: open the dashboards, sign in as a platform admin, open 管理 › 利用者管理（全体）."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.factories import DEFAULT_PASSWORD, make_user
from tests.support.streamlit_browser import open_from_sidebar, screenshot, submit_login

# browser tests check pages, not the backend: each module runs in one pass of `make check` (docs/testing.md)
pytestmark = [pytest.mark.embedded_only, pytest.mark.outside]


@pytest.mark.slow
def test_admin_signs_in_and_opens_user_administration(db, dashboards_url: str, new_page, tmp_path: Path):
    make_user(db, "root", name="管理者 太郎", grants={"platform": "admin"})
    make_user(db, "viewer", name="閲覧 花子", grants={"fleet": "viewer"})
    db.commit()
    page = new_page()

    page.goto(dashboards_url)
    expect(page.get_by_role("heading", name="ログイン")).to_be_visible()
    submit_login(page, "root", "wrong-password")
    expect(
        page.get_by_text("ログインIDまたはパスワードが正しくありません（あと4回失敗するとロックされます）")
    ).to_be_visible()
    page.screenshot(path=tmp_path / "login.png")
    submit_login(page, "root", DEFAULT_PASSWORD)

    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_text("管理者 太郎")).to_be_visible()
    for section in ("端末管理", "予約", "代替機", "代理店CRM", "入退管理", "管理"):
        expect(sidebar.get_by_text(section, exact=True)).to_be_visible()
    open_from_sidebar(page, "利用者管理（全体）", "admin-users")

    expect(page.get_by_text("全2件中 1〜2件目")).to_be_visible()
    expect(page.get_by_text("ユーザーを追加")).to_be_visible()
    expect(page.get_by_test_id("stDataFrame")).to_be_visible()
    expect(page.get_by_role("link", name="CSVダウンロード")).to_be_visible()
    expect(page.get_by_text("表示件数")).to_be_visible()
    assert page.url.endswith("/admin-users")
    screenshot(page, tmp_path / "admin_users.png")
