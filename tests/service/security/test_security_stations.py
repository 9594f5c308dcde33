"""Whoever may set a nursery's station password can sign out all its stations, or one, password
kept."""

import pytest
from sqlalchemy import select

from service.audit.models import AuditEntry
from service.database import utcnow
from service.identity.security import issue_token
from tests.factories import auth_headers, make_user
from tests.service.entry_logs.conftest import himawari, sakura, staff  # noqa: F401 - fixtures
from tests.service.entry_logs.world import STATION_PASSWORD, scan, staff_headers


def sign_out(client, nursery_id: int, headers: dict[str, str]):
    return client.post(f"/api/entry-logs/nurseries/{nursery_id}/stations/sign-out", headers=headers)


def heartbeat(client, headers: dict[str, str]):
    return client.post("/api/auth/heartbeat", headers=headers)


def station_login(client, station_id: str) -> dict[str, str]:
    body = {"nurseryCode": "sakura", "password": STATION_PASSWORD, "stationId": station_id}
    login = client.post("/api/auth/entry-exit-login", json=body)
    assert login.status_code == 200
    return {"Authorization": f"Bearer {login.json()['token']}"}


def signed_in(client, nursery_id: int, headers: dict[str, str]) -> dict[str, int]:
    listed = client.get(f"/api/entry-logs/nurseries/{nursery_id}/stations", headers=headers)
    assert listed.status_code == 200
    return {station["stationId"]: station["id"] for station in listed.json()}


@pytest.mark.dialect
def test_signing_out_the_stations_ends_their_tokens_but_not_the_password(client, db, sakura, himawari, staff):  # noqa: F811
    assert scan(client, sakura, sakura.parents[0].id).status_code == 201
    assert sign_out(client, sakura.nursery.id, staff).status_code == 204

    for refused in (
        heartbeat(client, sakura.station_headers),
        scan(client, sakura, sakura.parents[1].id),
        scan(client, sakura, 999_999),  # the path that reads the nursery alone
    ):
        assert refused.status_code == 401 and refused.json()["error"]["code"] == "station_disabled"
    assert scan(client, himawari, himawari.parents[0].id).status_code == 201  # another nursery's stations stay in

    login = client.post("/api/auth/entry-exit-login", json={"nurseryCode": "sakura", "password": STATION_PASSWORD})
    assert login.status_code == 200
    fresh = {"Authorization": f"Bearer {login.json()['token']}"}
    assert scan(client, sakura, sakura.parents[1].id, headers=fresh).status_code == 201
    assert heartbeat(client, fresh).status_code == 200

    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "sign_out_stations")).one()
    assert (entry.target_type, entry.target_id, entry.actor_label) == ("nursery", str(sakura.nursery.id), "staff-a")
    assert entry.changes == {"station_generation": {"before": 0, "after": 1}}


@pytest.mark.dialect
def test_only_the_roles_that_set_the_station_password_may_sign_stations_out(client, db, sakura, himawari):  # noqa: F811
    other_nursery = staff_headers(db, himawari, "staff-h")
    assert sign_out(client, sakura.nursery.id, other_nursery).status_code == 404
    fleet = auth_headers(make_user(db, "fleet-op", grants={"fleet": "operator"}))
    db.commit()
    assert sign_out(client, sakura.nursery.id, fleet).status_code == 403
    admin = auth_headers(make_user(db, "nursery-admin", grants={"entry_logs": "admin"}))
    db.commit()
    assert sign_out(client, sakura.nursery.id, admin).status_code == 204
    assert heartbeat(client, sakura.station_headers).status_code == 401


@pytest.mark.dialect
def test_one_station_can_be_signed_out_while_the_others_stay_in(client, db, sakura, himawari, staff):  # noqa: F811
    gate, hall = station_login(client, "gate-tablet"), station_login(client, "hall-tablet")
    stations = signed_in(client, sakura.nursery.id, staff)
    assert {"gate-tablet", "hall-tablet"} <= set(stations)

    one = f"/api/entry-logs/nurseries/{sakura.nursery.id}/stations/{stations['gate-tablet']}/sign-out"
    assert client.post(one, headers=staff).status_code == 204
    for refused in (heartbeat(client, gate), scan(client, sakura, sakura.parents[0].id, headers=gate)):
        assert refused.status_code == 401 and refused.json()["error"]["code"] == "station_disabled"
    assert scan(client, sakura, sakura.parents[0].id, headers=hall).status_code == 201
    assert heartbeat(client, hall).status_code == 200
    assert "gate-tablet" not in signed_in(client, sakura.nursery.id, staff)

    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "sign_out_station")).one()
    assert (entry.target_type, entry.target_id) == ("station_session", str(stations["gate-tablet"]))
    assert entry.changes["signed_out_at"]["before"] is None

    # another nursery's staff cannot see or end this nursery's stations, nor reach them through their own nursery
    other = staff_headers(db, himawari, "staff-h")
    assert client.get(f"/api/entry-logs/nurseries/{sakura.nursery.id}/stations", headers=other).status_code == 404
    through_own = f"/api/entry-logs/nurseries/{himawari.nursery.id}/stations/{stations['hall-tablet']}/sign-out"
    assert client.post(through_own, headers=other).status_code == 404
    assert heartbeat(client, hall).status_code == 200


def test_a_token_without_a_station_session_is_refused(client, sakura):  # noqa: F811
    legacy = issue_token(subject=str(sakura.nursery.id), kind="station", now=utcnow(), minutes=60, pwf="x").token
    refused = heartbeat(client, {"Authorization": f"Bearer {legacy}"})
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "station_disabled"
