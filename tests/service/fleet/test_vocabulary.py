"""GET /api/fleet/vocabulary: the wording tables the dashboards show, for any fleet role."""

import pytest

from service.fleet import labels
from tests.factories import auth_headers, make_user
from tests.service.fleet.conftest import user_headers

URL = "/api/fleet/vocabulary"


@pytest.mark.parametrize("role", ["admin", "operator", "support", "viewer"])
def test_every_fleet_role_gets_the_labels_in_display_order(client, db, role):
    headers = user_headers(db, role=role)
    db.commit()
    response = client.get(URL, headers=headers)

    assert response.status_code == 200
    body = response.json()
    assert list(body["terminal_statuses"].items()) == list(labels.TERMINAL_STATUSES.items())
    assert body["contract_types"] == labels.CONTRACT_TYPES
    assert body["alert_types"]["high_cpu"] == "店舗PC CPU使用率高"
    assert body["pause_reasons"] == labels.PAUSE_REASONS
    assert (body["rollout_statuses"], body["task_statuses"]) == (labels.ROLLOUT_STATUSES, labels.TASK_STATUSES)
    assert body["report_title"] == "月次報告書"
    assert body["report_labels"] == labels.REPORT_LABELS


def test_a_scoped_grant_and_a_platform_admin_get_it_too(client, db):
    scoped = user_headers(db, "scoped", role="viewer", scope="1")
    admin = auth_headers(make_user(db, "root", grants={"platform": "admin"}))
    db.commit()

    assert client.get(URL, headers=scoped).status_code == 200
    assert client.get(URL, headers=admin).status_code == 200


def test_needs_a_token(client):
    response = client.get(URL)

    assert response.status_code == 401
    assert "error" in response.json()


def test_needs_a_fleet_grant(client, db):
    other = auth_headers(make_user(db, "crm_only", grants={"crm": "admin"}))
    db.commit()

    response = client.get(URL, headers=other)

    assert response.status_code == 403
    assert response.json()["error"]["code"]
