"""代替機 › マスタ管理 and 回答シート取込 (admin): creating a location, an import's rejected rows."""

import httpx
import pytest

from tests.dashboards.conftest import DASHBOARDS, button, open_page, texts
from tests.factories import auth_headers, make_user
from tests.service.loaners.conftest import initial_data  # noqa: F401

MASTERS = "app_pages/loaners_masters.py"
IMPORT = "app_pages/loaners_import.py"


@pytest.fixture
def admin(db):
    user = make_user(db, "loanadmin", grants={"loaners": "admin"})
    db.commit()
    return user


def fill(at, prefix: str, **values: str):
    for field, value in values.items():
        at.text_input(key=f"{prefix}_{field}").input(value)
    return at


def test_admin_creates_a_location_after_the_form_checks_it(admin, open_app, live_api):
    at = open_page(open_app, admin, MASTERS)
    prefix = "loaners_masters_location_new"

    fill(at, prefix, id="Nagoya", code="NAGOYA", name="名古屋", jurisdiction="中部", email="chubu@example.com")
    at = button(at, "拠点を追加").click().run()
    assert texts(at.error) == ["拠点IDは小文字英数字のみ・20文字以内で入力してください。"]

    fill(at, prefix, id="nagoya", code="NAGOYA", name="名古屋", jurisdiction="中部", email="chubu@example.com")
    at = button(at, "拠点を追加").click().run()

    assert "拠点「名古屋」を追加しました。" in texts(at.success)
    answer = httpx.get(f"{live_api}/api/loaners/locations/nagoya", headers=auth_headers(admin)).json()
    assert (answer["code"], answer["jurisdiction"], answer["status"]) == ("NAGOYA", "中部", "active")
    assert "名古屋" in at.dataframe[0].value["拠点名"].tolist()


def test_staff_cannot_open_the_masters(db, open_app):
    staff = make_user(db, "plainstaff", grants={"loaners": "staff"})
    db.commit()
    at = open_app(staff, script=DASHBOARDS / MASTERS)
    assert not at.exception
    assert texts(at.error) == ["「代替機 › マスタ管理」を表示する権限がありません。必要な場合は管理者に権限の付与を依頼してください。"]
