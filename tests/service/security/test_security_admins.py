"""The last active platform admin cannot be deactivated or lose the platform grant (API and CLI): 409."""

import pytest
from sqlalchemy import select

from service.cli import main
from service.identity.models import Grant, User
from tests.factories import auth_headers, make_user

pytestmark = pytest.mark.dialect


def admin_state(db, login_id: str) -> tuple[bool, list[str]]:
    user = db.scalar(select(User).where(User.login_id == login_id))
    db.refresh(user)
    state = user.is_active, [g.domain for g in user.grants]
    db.commit()
    return state


def assert_last_admin_refused(response) -> None:
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["details"]["rule"] == "last_platform_admin"
    assert "最後の有効なプラットフォーム管理者" in error["message"]


def test_the_last_admin_cannot_deactivate_itself_or_drop_its_platform_grant(client, db):
    admin = make_user(db, "admin1", grants={"platform": "admin", "fleet": "admin"})
    make_user(db, "former", grants={"platform": "admin"}, is_active=False)  # an inactive admin does not count
    db.commit()
    headers = auth_headers(admin)
    assert_last_admin_refused(client.patch(f"/api/admin/users/{admin.id}", json={"is_active": False}, headers=headers))
    assert_last_admin_refused(client.delete(f"/api/admin/users/{admin.id}/grants/platform", headers=headers))
    assert admin_state(db, "admin1") == (True, ["fleet", "platform"])
    assert client.delete(f"/api/admin/users/{admin.id}/grants/fleet", headers=headers).status_code == 204


def test_with_a_second_active_admin_either_may_step_down(client, db):
    admin = make_user(db, "admin1", grants={"platform": "admin"})
    other = make_user(db, "admin2", grants={"platform": "admin"})
    db.commit()
    headers = auth_headers(admin)
    assert client.delete(f"/api/admin/users/{other.id}/grants/platform", headers=headers).status_code == 204
    assert_last_admin_refused(client.patch(f"/api/admin/users/{admin.id}", json={"is_active": False}, headers=headers))
    assert client.put(
        f"/api/admin/users/{other.id}/grants/platform", json={"role": "admin"}, headers=headers
    ).is_success
    assert client.patch(f"/api/admin/users/{admin.id}", json={"is_active": False}, headers=headers).status_code == 200


def test_the_cli_refuses_the_same(db, capsys):
    make_user(db, "admin1", grants={"platform": "admin"})
    db.commit()
    assert main(["users", "deactivate", "admin1"]) == 1
    assert main(["grants", "remove", "admin1", "platform"]) == 1
    assert "最後の有効なプラットフォーム管理者" in capsys.readouterr().err
    assert admin_state(db, "admin1") == (True, ["platform"])
    assert db.scalar(select(Grant.id).where(Grant.domain == "platform")) is not None
