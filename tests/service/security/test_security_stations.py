"""Issue 12 item 9: whoever may set a nursery's station password can sign out all its stations, password kept."""

from sqlalchemy import select

from service.audit.models import AuditEntry
from tests.factories import auth_headers, make_user
from tests.service.entry_logs.conftest import himawari, sakura, staff  # noqa: F401 - fixtures
from tests.service.entry_logs.world import STATION_PASSWORD, scan, staff_headers


def sign_out(client, nursery_id: int, headers: dict[str, str]):
    return client.post(f"/api/entry-logs/nurseries/{nursery_id}/stations/sign-out", headers=headers)


def heartbeat(client, headers: dict[str, str]):
    return client.post("/api/auth/heartbeat", headers=headers)


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
