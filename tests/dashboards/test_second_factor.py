"""The second factor on the dashboards: a sign-in asks for the app's code after the password; the break-glass
administrator, while the company's provider is configured, sees only the page that enrols it (a QR code, a code from
the app, the recovery codes shown once), then their pages; an administrator resets another person's on 利用者管理."""

import pyotp
from pydantic import SecretStr

from dashboards import api, auth
from service.config import get_settings
from service.database import utcnow
from tests.dashboards.conftest import button, open_page, texts
from tests.dashboards.test_app import sign_in
from tests.factories import DEFAULT_PASSWORD, make_user


def test_a_sign_in_with_a_second_factor_asks_for_the_apps_code(db, open_app):
    person = make_user(db, "kimura", name="木村 一郎", grants={"fleet": "viewer"})
    person.totp_secret, person.totp_enabled_at = pyotp.random_base32(), utcnow()
    db.commit()

    at = sign_in(open_app(), "kimura", DEFAULT_PASSWORD)
    assert not at.exception
    assert api.TOKEN_KEY not in at.session_state
    at.text_input(key="login_code").input("000000" if pyotp.TOTP(person.totp_secret).now() != "000000" else "111111")
    wrong = button(at, "確認").click().run()
    assert texts(wrong.error)[0].startswith("ログインID、パスワードまたは確認コードが正しくありません")

    wrong.text_input(key="login_code").input(pyotp.TOTP(person.totp_secret).now())
    done = button(wrong, "確認").click().run()
    assert not done.exception
    assert "**木村 一郎**（kimura）" in texts(done.sidebar.markdown)


def test_the_break_glass_administrator_enrols_before_their_pages_open(db, open_app, monkeypatch):
    settings = get_settings()
    monkeypatch.setattr(settings, "oidc_issuer", "https://idp.example.jp")
    monkeypatch.setattr(settings, "oidc_client_id", "daicho")
    monkeypatch.setattr(settings, "oidc_client_secret", SecretStr("not-used-here"))
    admin = make_user(db, "root", name="管理者 太郎", grants={"platform": "admin"})
    db.commit()

    at = open_app(admin)
    assert not at.exception
    assert texts(at.subheader) == ["二段階認証の設定"]
    started = button(at, "二段階認証を設定する").click().run()
    enrolment = started.session_state[auth.ENROLMENT_KEY]
    started.text_input(key="auth_second_factor_code").input(pyotp.TOTP(enrolment["secret"]).now())
    confirmed = button(started, "確認").click().run()
    assert not confirmed.exception
    (codes,) = [c.value for c in confirmed.code]
    assert len(codes.splitlines()) == 10
    done = button(confirmed, "控えました").click().run()
    assert not done.exception
    assert "二段階認証の設定" not in texts(done.subheader)
    assert done.title and texts(done.title) != ["台帳"]


def test_an_administrator_resets_another_persons_second_factor_but_not_their_own(db, open_app):
    admin = make_user(db, "root", name="管理者 太郎", grants={"platform": "admin"})
    person = make_user(db, "kimura", name="木村 一郎", grants={"fleet": "viewer"})
    for enrolled in (admin, person):
        enrolled.totp_secret, enrolled.totp_enabled_at = pyotp.random_base32(), utcnow()
    db.commit()
    at = open_page(open_app, admin, "app_pages/admin/users.py")

    at.selectbox(key="admin_users_selected").select(admin.id).run()
    assert "ご自身の二段階認証のリセットは、サーバーの管理コマンドで行います。" in texts(at.caption)
    assert "二段階認証をリセット" not in [b.label for b in at.button]

    at.selectbox(key="admin_users_selected").select(person.id).run()
    at.checkbox(key=f"admin_users_second_factor_reset_{person.id}_ok").check().run()
    done = button(at, "二段階認証をリセット").click().run()
    assert not done.exception
    assert any("「木村 一郎」さんの二段階認証をリセットしました" in text for text in texts(done.success))
    db.refresh(person)
    assert (person.totp_secret, person.totp_enabled_at) == (None, None)
    assert "二段階認証をリセット" not in [b.label for b in done.button]  # nothing left to reset
