"""A person's own password on their account page (linked from the sidebar); a person whose password an administrator
set sees only the page that asks for their own, then their pages."""

from dashboards import auth
from tests.dashboards.conftest import button, open_page, texts
from tests.factories import DEFAULT_PASSWORD, make_user

NEW_PASSWORD = "my-own-password-42"
ACCOUNT = "app_pages/account.py"


def change(at, key: str, current: str, new: str, again: str | None = None):
    at.text_input(key=f"{key}_current").input(current)
    at.text_input(key=f"{key}_new").input(new)
    at.text_input(key=f"{key}_again").input(again or new)
    return button(at, "パスワードを変更").click().run()


def test_an_initial_password_is_changed_before_the_persons_pages_open(db, open_app):
    newcomer = make_user(db, "newcomer", name="新人 一郎", grants={"fleet": "viewer"})
    newcomer.password_must_change = True
    db.commit()

    at = open_app(newcomer)
    assert not at.exception
    assert texts(at.subheader) == ["パスワードの変更"] and texts(at.info) == [auth.MUST_CHANGE]
    assert "レポート" not in texts(at.title)
    mistyped = change(at, "auth_must_change", DEFAULT_PASSWORD, NEW_PASSWORD, "another-password-1")
    assert texts(mistyped.error) == ["新しいパスワードと確認用のパスワードが一致しません。"]

    done = change(at, "auth_must_change", DEFAULT_PASSWORD, NEW_PASSWORD)
    assert not done.exception
    assert texts(done.title) == ["レポート"]
    assert auth.PASSWORD_CHANGED in texts(done.sidebar.success)


def test_a_person_changes_their_own_password_on_their_account_page(db, open_app):
    person = make_user(db, "kimura", grants={"fleet": "viewer"})
    db.commit()
    at = open_app(person)
    assert [link.label for link in at.sidebar.get("page_link")] == [auth.ACCOUNT_TITLE]
    at = open_page(open_app, person, ACCOUNT)
    wrong = change(at, "account_password", "not-my-password", NEW_PASSWORD)
    assert texts(wrong.error) == ["現在のパスワードが正しくありません"]
    done = change(wrong, "account_password", DEFAULT_PASSWORD, NEW_PASSWORD)
    assert not done.exception
    assert auth.PASSWORD_CHANGED in texts(done.sidebar.success)
    assert texts(done.title) == [auth.ACCOUNT_TITLE]  # still signed on, with the renewed token
