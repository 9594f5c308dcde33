"""What the IT admin tripped on in their first week: two pages of one name, a reset confirmed out of view and
without saying the password changed, a disabled account told its password was wrong, and a session ended by a
deactivation or a reset read as expired."""

import httpx

from dashboards import sections
from tests.dashboards.conftest import button, open_page, texts
from tests.dashboards.test_app import sign_in
from tests.factories import DEFAULT_PASSWORD, auth_headers, make_user

USERS = "app_pages/admin/users.py"


def test_the_platforms_pages_are_named_apart_from_the_domains():
    platform = {p.title for s in sections.SECTIONS if s.domain == sections.PLATFORM for p in s.pages}
    domains = {p.title for s in sections.SECTIONS if s.domain != sections.PLATFORM for p in s.pages}
    assert {"利用者管理（全体）", "監査ログ（全体）"} <= platform
    assert platform.isdisjoint(domains)


def test_a_new_password_is_confirmed_beside_the_save_button(db, open_app):
    admin = make_user(db, "root", name="管理者", grants={"platform": "admin"})
    user = make_user(db, "tanaka", name="田中")
    db.commit()
    at = open_page(open_app, admin, USERS)
    at.selectbox(key="admin_users_selected").select(user.id).run()
    at.text_input(key=f"admin_users_edit_password_{user.id}").input("a-new-password-1")
    at = button(at, "保存").click().run()

    said = "パスワードを変更しました。これまでのログインは終了し、次回から新しいパスワードでログインします。"
    [form_column] = [c for c in at.tabs[0].columns if "保存" in [b.label for b in c.button]]
    assert [text.partition("」の")[2] for text in texts(form_column.success)] == [said]  # under its button
    assert len(at.success) == 1  # and nowhere else: not at the page's top


def test_a_disabled_account_is_told_so_after_the_right_password(db, open_app):
    make_user(db, "former", grants={"fleet": "viewer"}, is_active=False)
    db.commit()
    at = sign_in(open_app(), "former", "not-the-password")
    [wrong] = texts(at.error)
    assert wrong.startswith("ログインIDまたはパスワードが正しくありません")
    at = sign_in(at, "former", DEFAULT_PASSWORD)
    assert texts(at.error) == ["このアカウントは無効になっています。管理者にお問い合わせください"]


def test_a_session_ended_by_a_deactivation_or_a_reset_says_so(db, open_app, live_api):
    admin = make_user(db, "root", grants={"platform": "admin"})
    leaver = make_user(db, "leaver", grants={"fleet": "viewer"})
    reset = make_user(db, "reset", grants={"fleet": "viewer"})
    db.commit()
    ended = {}
    for person, change in ((leaver, {"is_active": False}), (reset, {"password": "a-new-password-1"})):
        at = open_app(person)
        assert texts(at.subheader) != ["ログイン"]
        answer = httpx.patch(f"{live_api}/api/admin/users/{person.id}", json=change, headers=auth_headers(admin))
        answer.raise_for_status()
        at.run()
        assert texts(at.subheader) == ["ログイン"]
        ended[person.login_id] = texts(at.info)
    assert ended == {
        "leaver": ["アカウントが無効になりました。管理者にお問い合わせください。"],
        "reset": ["パスワードが変更されました。新しいパスワードで再度ログインしてください。"],
    }
