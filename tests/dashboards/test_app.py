"""The login gate, the navigation built from grants, the page guard and signing out."""

import importlib.util

import httpx
import pytest

from dashboards import api, auth, sections
from service.crm.models import Agency
from tests.dashboards.conftest import DASHBOARDS, button, open_page, texts
from tests.factories import DEFAULT_PASSWORD, make_user, token_for
from tests.service.entry_logs.world import make_world
from tests.service.fleet.conftest import make_customer
from tests.service.identity.devices import lock_account_from_elsewhere
from tests.support.live_server import free_port

SIX_SECTIONS = ["端末管理", "予約", "代替機", "代理店CRM", "入退管理", "管理"]
ALL_PAGES = [(section.label, page) for section in sections.SECTIONS for page in section.pages]
# 送信履歴 reads /api/admin/outbox, which lands with the outbox work; until then that page shows the API's 404.
OUTBOX_API_SERVED = importlib.util.find_spec("service.outbox.router") is not None


def sign_in(at, login_id: str, password: str):
    at.text_input(key="login_id").input(login_id)
    at.text_input(key="login_password").input(password)
    return button(at, "ログイン").click().run()


def test_login_page_shows_and_a_wrong_password_shows_the_apis_message(db, open_app):
    make_user(db, "alice", grants={"fleet": "viewer"})
    db.commit()

    at = open_app()
    assert texts(at.subheader) == ["ログイン"]
    sign_in(at, "alice", "not-the-password")

    assert not at.exception
    assert texts(at.error) == ["ログインIDまたはパスワードが正しくありません（あと4回失敗するとロックされます）"]
    assert api.TOKEN_KEY not in at.session_state


def test_a_good_password_signs_in_and_shows_the_users_section(db, open_app):
    make_user(db, "alice", name="佐藤 アリス", grants={"fleet": "viewer"})
    db.commit()

    at = sign_in(open_app(), "alice", DEFAULT_PASSWORD)

    assert not at.exception
    assert texts(at.title) == ["レポート"]
    assert "**佐藤 アリス**（alice）" in texts(at.sidebar.markdown)
    assert texts(at.sidebar.caption) == ["端末管理: 閲覧のみ"]


def test_the_sidebar_names_the_tenant_each_scoped_grant_is_limited_to(db, open_app):
    agency = Agency(name="株式会社AAA代理店", code="AAA")
    db.add(agency)
    customer = make_customer(db, "ABC商事")
    nursery = make_world(db, "sakura", name="さくら保育園").nursery
    scoped = make_user(
        db,
        "scoped",
        grants={
            "fleet": ("viewer", str(customer.id)),
            "crm": ("sales", str(agency.id)),
            "entry_logs": ("staff", str(nursery.id)),
        },
    )
    unknown = make_user(db, "unknown", grants={"fleet": ("viewer", "999999"), "loaners": ("staff", "関東")})
    db.commit()

    assert sorted(texts(open_app(scoped).sidebar.caption)) == [
        "代理店CRM: 営業担当者（範囲: 株式会社AAA代理店）",
        "入退管理: 園スタッフ（範囲: さくら保育園）",
        "端末管理: 閲覧のみ（範囲: ABC商事）",
    ]
    # A customer the API does not know shows the scope as stored; a jurisdiction's scope is its name already.
    assert sorted(texts(open_app(unknown).sidebar.caption)) == [
        "代替機: 拠点担当者（範囲: 関東）",
        "端末管理: 閲覧のみ（範囲: 999999）",
    ]


def test_fleet_viewer_navigation_holds_only_the_fleet_section(db, open_app):
    viewer = make_user(db, "viewer", grants={"fleet": "viewer"})
    db.commit()

    at = open_app(viewer)

    assert texts(at.title) == ["レポート"]
    at.switch_page("app_pages/fleet/reports.py").run()
    assert texts(at.title) == ["レポート"]
    for label, page in ALL_PAGES:
        if label != "端末管理":
            with pytest.raises(ValueError, match="Could not find a navigation page"):
                at.switch_page(page.path)


def test_platform_admin_sees_all_six_sections(db, open_app):
    admin = make_user(db, "root", grants={"platform": "admin"})
    db.commit()
    assert [section.label for section in sections.SECTIONS] == SIX_SECTIONS

    at = open_app(admin)

    for label, page in ALL_PAGES:
        at.switch_page(page.path).run()
        assert not at.exception, (page.path, at.exception)
        assert texts(at.title) == [label if page.title == "概要" else page.title]
        if OUTBOX_API_SERVED or page.url_path != "admin-outbox":
            assert not at.error, (page.path, texts(at.error))


def test_navigation_is_built_from_the_grants():
    viewer = {"grants": [{"domain": "fleet", "role": "viewer"}]}
    mixed = {"grants": [{"domain": "crm", "role": "sales", "scope": "7"}, {"domain": "loaners", "role": "staff"}]}
    admin = {"grants": [{"domain": "platform", "role": "admin"}]}

    assert list(sections.visible_pages(viewer)) == ["端末管理"]
    assert list(sections.visible_pages(mixed)) == ["代替機", "代理店CRM"]
    assert list(sections.visible_pages(admin)) == SIX_SECTIONS
    assert sections.visible_pages({"grants": []}) == {}


def test_an_admin_page_opened_directly_refuses_a_non_admin(db, open_app):
    operator = make_user(db, "op", grants={"fleet": "operator", "crm": "admin"})
    db.commit()

    at = open_app(operator, script=DASHBOARDS / "app_pages" / "admin" / "users.py")

    assert not at.exception
    assert texts(at.error) == [
        "「管理 › 利用者管理（全体）」を表示する権限がありません。必要な場合は管理者に権限の付与を依頼してください。"
    ]
    assert not at.title
    assert not at.dataframe


def test_a_user_without_grants_is_told_so(db, open_app):
    nobody = make_user(db, "nobody")
    db.commit()

    at = open_app(nobody)

    assert texts(at.warning) == ["表示できる画面がありません。管理者に権限の付与を依頼してください。"]


def test_logout_revokes_the_token_and_returns_to_the_login_page(db, open_app, live_api):
    viewer = make_user(db, "viewer", grants={"fleet": "viewer"})
    db.commit()
    at = open_app(viewer)
    token = at.session_state[api.TOKEN_KEY]

    button(at.sidebar, "ログアウト").click().run()

    assert texts(at.subheader) == ["ログイン"]
    assert texts(at.info) == ["ログアウトしました。"]
    answer = httpx.get(f"{live_api}/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 401


def test_each_session_sees_its_own_user(db, open_app):
    first = make_user(db, "first", name="一人目", grants={"fleet": "viewer"})
    second = make_user(db, "second", name="二人目", grants={"crm": "admin"})
    db.commit()

    assert "**一人目**（first）" in texts(open_app(first).sidebar.markdown)
    at = open_app(second)
    assert "**二人目**（second）" in texts(at.sidebar.markdown)
    assert texts(at.title) == ["ダッシュボード"]


def test_an_unreachable_api_is_a_japanese_message_not_a_traceback(db, open_app, monkeypatch):
    viewer = make_user(db, "viewer", grants={"fleet": "viewer"})
    db.commit()
    closed = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv("APP_API_URL", closed)

    at = open_app(viewer)

    assert not at.exception
    assert texts(at.error) == [f"APIサーバー（{closed}）に接続できません。しばらくしてから再度お試しください。"]


def test_an_expired_session_goes_back_to_login(db, open_app, live_api):
    viewer = make_user(db, "viewer", grants={"fleet": "viewer"})
    db.commit()
    token = token_for(viewer)
    httpx.post(f"{live_api}/api/auth/logout", headers={"Authorization": f"Bearer {token}"}).raise_for_status()

    at = open_app()
    at.session_state[api.TOKEN_KEY] = token
    at.run()

    assert texts(at.subheader) == ["ログイン"]
    assert texts(at.info) == ["セッションの有効期限が切れました。再度ログインしてください。"]


def cookie_requests(at) -> list[str]:
    """The scripts a run left for the browser that post to the service's session-cookie routes (not the one that puts
    Streamlit's own words in Japanese, streamlit_ja.js)."""
    return [element.proto.body for element in at.get("html") if "/api/auth/session" in element.proto.body]


def test_signing_in_has_the_browser_keep_the_token_once(db, open_app, live_api):
    make_user(db, "alice", grants={"fleet": "viewer"})
    db.commit()

    at = sign_in(open_app(), "alice", DEFAULT_PASSWORD)

    token, device = at.session_state[api.TOKEN_KEY], at.session_state[auth.DEVICE_KEY]
    [script] = cookie_requests(at)
    assert f'fetch("{live_api}/api/auth/session", ' in script
    assert f'new URLSearchParams({{"token": "{token}", "device": "{device}"}})' in script
    assert '"credentials": "include"' in script
    assert cookie_requests(at.run()) == []


def test_a_browser_that_signed_in_before_signs_in_while_the_account_is_locked_from_elsewhere(db, open_app):
    make_user(db, "alice", grants={"fleet": "viewer"})
    db.commit()
    at = sign_in(open_app(), "alice", DEFAULT_PASSWORD)
    button(at.sidebar, "ログアウト").click().run()
    lock_account_from_elsewhere("alice")

    assert texts(sign_in(open_app(), "alice", DEFAULT_PASSWORD).error) == [  # another browser
        "ログイン試行回数の上限に達したため、ロックされています。あと10分後に再度お試しください"
    ]
    sign_in(at, "alice", DEFAULT_PASSWORD)
    assert not at.error and api.TOKEN_KEY in at.session_state


def test_logout_and_an_expired_token_have_the_browser_forget_the_token(db, open_app, live_api):
    viewer = make_user(db, "viewer", grants={"fleet": "viewer"})
    db.commit()
    at = open_app(viewer)
    token = at.session_state[api.TOKEN_KEY]

    button(at.sidebar, "ログアウト").click().run()

    [script] = cookie_requests(at)
    assert f'fetch("{live_api}/api/auth/session/end", ' in script
    assert token not in script

    expired = open_app()
    expired.session_state[api.TOKEN_KEY] = token
    expired.run()
    assert texts(expired.info) == ["セッションの有効期限が切れました。再度ログインしてください。"]
    assert [f"{live_api}/api/auth/session/end" in s for s in cookie_requests(expired)] == [True]


def test_changing_ones_own_password_has_the_browser_keep_the_renewed_token(db, open_app, live_api):
    root = make_user(db, "root", grants={"platform": "admin"})
    db.commit()
    at = open_page(open_app, root, "app_pages/admin/users.py", state={"admin_users_selected_id": root.id})
    old = at.session_state[api.TOKEN_KEY]

    at.text_input(key=f"admin_users_edit_password_{root.id}").input("a-new-password-1")
    button(at, "保存").click().run()

    renewed = at.session_state[api.TOKEN_KEY]
    assert renewed != old
    [script] = cookie_requests(at)
    assert f'fetch("{live_api}/api/auth/session", ' in script
    assert f'new URLSearchParams({{"token": "{renewed}"}})' in script
