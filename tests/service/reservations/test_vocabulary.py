"""GET /api/reservations/vocabulary: the labels, status transitions and form limits the dashboards mirror, for anyone
holding a reservations role."""

import pytest

from service.reservations import labels
from service.reservations.state_machine import TRANSITIONS
from tests.factories import auth_headers, make_user
from tests.service.reservations.conftest import headers_for

URL = "/api/reservations/vocabulary"


@pytest.mark.parametrize("role", ["operator", "support", "executive"])
def test_every_role_gets_the_labels_in_display_order(client, db, role):
    answer = client.get(URL, headers=headers_for(db, role))
    assert answer.status_code == 200
    body = answer.json()
    assert list(body["statuses"].items()) == list(labels.STATUSES.items())
    assert list(body["operation_types"]) == list(labels.OPERATION_TYPES)
    assert body["priorities"] == labels.PRIORITIES and body["operation_statuses"] == labels.OPERATION_STATUSES
    assert body["incident_levels"] == labels.INCIDENT_LEVELS and body["actor_types"] == labels.ACTOR_TYPES
    assert body["limits"] == {
        "reason": 500,
        "code": 10,
        "amount": 10_000_000,
        "duration_minutes": 24 * 60,
        "call_order": 100_000,
    }
    assert body["inquiry_channels"] == {"email": "Email", "phone": "電話"}
    assert body["inquiry_requester_types"] == {"requester": "依頼者", "shop": "提携店"}
    assert body["inquiry_statuses"] == {"open": "未対応", "in_progress": "対応中", "resolved": "解決済"}


def test_the_transitions_table_is_the_state_machines(client, db):
    body = client.get(URL, headers=headers_for(db, "operator")).json()
    assert {status: set(targets) for status, targets in body["transitions"].items()} == {
        status: set(targets) for status, targets in TRANSITIONS.items() if status is not None
    }
    assert body["transitions"]["awaiting_payment"] == ["payment_timeout", "confirmed", "cancelled"]
    assert body["transitions"]["completed"] == []


def test_a_platform_admin_passes(client, db):
    admin = make_user(db, "root1", grants={"platform": "admin"})
    db.commit()
    assert client.get(URL, headers=auth_headers(admin)).status_code == 200


def test_without_a_token_or_a_reservations_grant_it_is_refused(client, db):
    assert client.get(URL).status_code == 401
    outsider = make_user(db, "fleet1", grants={"fleet": "viewer"})
    db.commit()
    refused = client.get(URL, headers=auth_headers(outsider))
    assert refused.status_code == 403 and refused.json()["error"]["details"]["domain"] == "reservations"
