from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import String, func, literal, select, text, update

from service.audit.models import AuditEntry
from service.config import get_settings
from service.database import get_engine, utcnow
from service.entry_logs.models import StationSession
from service.entry_logs.roster import service as roster
from service.entry_logs.station import ADMISSIONS, fingerprint_in_sql, issue_station_token, password_fingerprint
from service.identity.lockout import STATION_ADDRESS_KIND
from service.identity.models import LoginThrottle
from service.identity.security import bcrypt_cost, decode_token, hash_password, issue_token
from tests.conftest import TEST_BCRYPT_ROUNDS
from tests.service.entry_logs.world import STATION_PASSWORD, scan, staff_headers
from tests.support.clock import clock_stopped
from tests.support.waiting import wait_until


def login(client, code="sakura", password=STATION_PASSWORD, address="10.0.0.1", device: str | None = None):
    body = {"nurseryCode": code, "password": password} | ({"deviceToken": device} if device else {})
    return client.post("/api/auth/entry-exit-login", json=body, headers={"X-Forwarded-For": address})


def error_code(response) -> str:
    return response.json()["error"]["code"]


@pytest.mark.dialect
def test_login_returns_a_station_token_for_the_nursery(client, sakura):
    response = login(client, code="SAKURA")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token", "nurseryId", "nurseryName", "expiresAt", "deviceToken", "entryMode"}
    assert body["entryMode"] == "auto"
    assert body["nurseryId"] == sakura.nursery.id and body["nurseryName"] == "さくら保育園"
    assert body["expiresAt"].endswith("Z")
    claims = decode_token(body["token"], kind="station")
    assert claims["exp"] - claims["iat"] == 8 * 3600
    headers = {"Authorization": f"Bearer {body['token']}"}
    ok = client.post(
        "/api/entry-exit-logs", json={"parentId": sakura.parents[0].id, "entryType": "Entry"}, headers=headers
    )
    assert ok.status_code == 201


@pytest.mark.dialect
def test_wrong_password_tells_attempts_left_and_never_logs_the_password(client, db, sakura):
    response = login(client, password="wrong-pass-9")
    assert response.status_code == 401
    assert response.json()["error"]["details"]["attempts_left"] == 4
    assert "あと4回" in response.json()["error"]["message"]
    entries = db.scalars(select(AuditEntry).where(AuditEntry.domain == "entry_logs").order_by(AuditEntry.seq)).all()
    db.commit()
    assert [e.action for e in entries] == ["station_login_failed"]
    assert "wrong-pass-9" not in str([e.changes for e in entries])


@pytest.mark.dialect
def test_five_failures_lock_the_code_for_ten_minutes_even_with_the_right_password(client, sakura):
    statuses = [login(client, password="nope", address="10.0.1.1").status_code for _ in range(5)]
    assert statuses == [401, 401, 401, 401, 423]
    locked = login(client, address="10.0.2.1")
    assert locked.status_code == 423
    assert "10分後" in locked.json()["error"]["message"]
    assert locked.json()["error"]["details"]["minutes_left"] == 10


@pytest.mark.dialect
def test_code_lockout_holds_under_concurrent_tries(client, sakura, monkeypatch):
    monkeypatch.setattr(get_settings(), "login_spread_addresses", 100)  # the lock alone, from an address each
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda i: login(client, password="nope", address=f"10.1.0.{i}").status_code, range(8)))
    assert set(statuses) <= {401, 423}
    assert statuses.count(401) <= 4
    assert login(client, address="10.1.1.1").status_code == 423


@pytest.mark.dialect
def test_typos_of_other_codes_from_a_shared_address_never_lock_a_nursery(client, sakura):
    """Nurseries of one operator often share one NAT address: five made-up codes do not lock sakura's login."""
    assert [login(client, code=f"sakura{i}", password="nope", address="10.9.9.7").status_code for i in range(5)] == [
        401
    ] * 5
    assert login(client, address="10.9.9.7").status_code == 200


@pytest.mark.dialect
def test_a_known_station_signs_in_while_its_code_is_locked_from_elsewhere(client, db, sakura):
    station = login(client, address="10.3.0.1")
    assert station.status_code == 200
    statuses = [login(client, password="nope", address="10.3.1.1").status_code for _ in range(5)]
    assert statuses == [401, 401, 401, 401, 423]
    unknown = login(client, address="10.3.0.2")
    assert unknown.status_code == 423 and unknown.json()["error"]["code"] == "account_locked"
    assert unknown.json()["error"]["message"].startswith("ログイン試行回数の上限に達したため、ロックされています")
    known = login(client, address="10.3.0.1", device=station.json()["deviceToken"])
    assert known.status_code == 200
    renewed = login(client, address="10.3.0.1", device=known.json()["deviceToken"])  # the next morning
    assert renewed.status_code == 200
    token = {"Authorization": f"Bearer {renewed.json()['token']}"}
    assert scan(client, sakura, sakura.parents[0].id, headers=token).status_code == 201
    devices = db.scalars(
        select(AuditEntry.changes["device"].as_string())
        .where(AuditEntry.action == "station_login")
        .order_by(AuditEntry.id)
    ).all()
    db.commit()
    assert devices == ["trusted", "known", "known"]


@pytest.mark.dialect
def test_a_throttled_address_is_refused_for_every_code_but_a_known_station(client, db, sakura, himawari):
    limit = get_settings().login_address_max_failures
    with clock_stopped():  # the address's failures leak out as time passes: its throttle holds while this reads it
        station = login(client, address="10.9.9.9").json()["deviceToken"]
        failures = [error_code(login(client, code=f"n{i}", password="nope", address="10.9.9.9")) for i in range(limit)]
        assert failures == ["bad_credentials"] * (limit - 1) + ["address_throttled"]  # one at a time: none refused busy
        refused = login(client, code="n0", password="nope", address="10.9.9.9")
        assert refused.status_code == 429 and refused.json()["error"]["code"] == "address_throttled"
        assert int(refused.headers["Retry-After"]) > 0
        assert refused.json()["error"]["message"].startswith("この接続元からの試行が多すぎます")  # the address
        assert login(client, code="himawari", address="10.9.9.9").status_code == 429  # before any password check
        assert login(client, code="himawari", address="10.9.9.8").status_code == 200  # elsewhere
        assert login(client, code="sakura", address="10.9.9.9", device=station).status_code == 200


@pytest.mark.dialect
def test_parallel_failures_of_an_address_fill_its_throttle_exactly(client, db, sakura):
    """None is lost, none is answered as a mere wrong password past the limit. How many of them are refused before
    their password check (one address's checks take turns, and wait a bounded time) is the machine's timing: such a
    refusal counts nothing and records nothing, so the test counts what was recorded rather than assuming it."""
    limit = get_settings().login_address_max_failures
    with clock_stopped(), ThreadPoolExecutor(max_workers=8) as pool:  # and no failure leaks out meanwhile
        answers = list(
            pool.map(
                lambda i: error_code(login(client, code=f"n{i}", password="nope", address="10.9.9.9")),
                range(limit + 4),
            )
        )
    assert set(answers) <= {"bad_credentials", "address_throttled"}
    recorded = db.scalar(
        select(func.count())
        .select_from(AuditEntry)
        .where(AuditEntry.action == "station_login_failed", AuditEntry.client_address == "10.9.9.9")
    )
    bucket = db.scalar(
        select(LoginThrottle.failed_count).where(
            LoginThrottle.kind == STATION_ADDRESS_KIND, LoginThrottle.key == "10.9.9.9"
        )
    )
    db.commit()
    assert recorded > 0
    assert bucket == min(limit, recorded)
    assert answers.count("bad_credentials") == min(limit - 1, recorded)


@pytest.mark.dialect
def test_unknown_code_and_nursery_without_password_look_like_a_wrong_password(client, db, sakura):
    sakura.nursery.entry_exit_password_hash = None
    db.merge(sakura.nursery)
    db.commit()
    for code in ("sakura", "nowhere"):
        response = login(client, code=code)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "bad_credentials"


@pytest.mark.dialect
def test_heartbeat_renews_the_token(client, db, sakura):
    old = issue_station_token(db, sakura.nursery, now=utcnow() - timedelta(hours=7)).token
    db.commit()
    response = client.post("/api/auth/heartbeat", headers={"Authorization": f"Bearer {old}"})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token", "expiresAt"}
    renewed = decode_token(body["token"], kind="station")
    assert renewed["exp"] - decode_token(old, kind="station")["exp"] >= 7 * 3600 - 5
    assert (
        scan(client, sakura, sakura.parents[0].id, headers={"Authorization": f"Bearer {body['token']}"}).status_code
        == 201
    )


def test_heartbeat_refuses_expired_user_and_missing_tokens(client, db, sakura):
    expired = issue_station_token(db, sakura.nursery, now=utcnow() - timedelta(hours=9)).token
    db.commit()
    assert (
        client.post("/api/auth/heartbeat", headers={"Authorization": f"Bearer {expired}"}).json()["error"]["code"]
        == "token_expired"
    )
    user_token = issue_token(subject="1", kind="user", now=utcnow()).token
    assert client.post("/api/auth/heartbeat", headers={"Authorization": f"Bearer {user_token}"}).status_code == 401
    assert client.post("/api/auth/heartbeat").status_code == 401


@pytest.mark.dialect
def test_clearing_the_password_signs_stations_out(client, db, sakura, staff):
    cleared = client.delete(f"/api/entry-logs/nurseries/{sakura.nursery.id}/entry-exit-password", headers=staff)
    assert cleared.status_code == 204
    response = client.post("/api/auth/heartbeat", headers=sakura.station_headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "station_disabled"
    assert scan(client, sakura, sakura.parents[0].id).status_code == 401


@pytest.mark.dialect
def test_a_password_at_another_cost_is_rehashed_at_a_sign_in_and_no_station_is_signed_out_until_it_is_set(
    client, db, sakura, staff
):
    other_cost = TEST_BCRYPT_ROUNDS + 1
    sakura.nursery.entry_exit_password_hash = hash_password(STATION_PASSWORD, rounds=other_cost)
    earlier = {"Authorization": f"Bearer {issue_station_token(db, sakura.nursery, now=utcnow()).token}"}
    parent_ids = [parent.id for parent in sakura.parents]
    password = f"/api/entry-logs/nurseries/{sakura.nursery.id}/entry-exit-password"
    db.commit()
    later = [login(client, address=f"10.0.0.{n}") for n in (1, 2)]
    assert [response.status_code for response in later] == [200, 200]
    db.expire_all()
    assert bcrypt_cost(sakura.nursery.entry_exit_password_hash or "") == TEST_BCRYPT_ROUNDS
    db.commit()
    stations = [earlier] + [{"Authorization": f"Bearer {response.json()['token']}"} for response in later]
    for headers, parent_id in zip(stations, parent_ids, strict=True):
        assert client.post("/api/auth/heartbeat", headers=headers).status_code == 200
        assert scan(client, sakura, parent_id, headers=headers).status_code == 201
    assert client.put(password, json={"password": "new-station-pass-1"}, headers=staff).status_code == 204
    for headers in stations:
        assert error_code(client.post("/api/auth/heartbeat", headers=headers)) == "station_disabled"
    assert login(client, password="new-station-pass-1").status_code == 200


def opened_session(db, nursery, at) -> int:
    """Sign a station in at `at`; the id of its session."""
    issue_station_token(db, nursery, now=at)
    return db.scalar(select(func.max(StationSession.id)))


def test_ended_station_sessions_are_forgotten_after_the_cut_off(db, sakura):
    expired_unseen = opened_session(db, sakura.nursery, utcnow() - timedelta(days=40))
    signed_out = opened_session(db, sakura.nursery, utcnow() - timedelta(days=20))
    db.get(StationSession, signed_out).signed_out_at = utcnow() - timedelta(days=35)
    live = opened_session(db, sakura.nursery, utcnow())

    assert roster.prune_station_sessions(db, before=utcnow() - timedelta(days=30)) == 2
    remaining = set(db.scalars(select(StationSession.id)))
    assert live in remaining and not {expired_unseen, signed_out} & remaining


def renewed(client, headers: dict[str, str]) -> bool:
    return client.post("/api/auth/heartbeat", headers=headers).status_code == 200


def session_of(headers: dict[str, str]) -> int:
    return decode_token(headers["Authorization"].removeprefix("Bearer "), kind="station")["sid"]


def cached_after_renewal(client, headers: dict[str, str]) -> bool:
    """Renew until this process answers from its admission cache (its listener starts on the first heartbeat)."""
    return renewed(client, headers) and ADMISSIONS.get(session_of(headers)) is not None


@pytest.mark.postgres_only
def test_cached_admissions_are_dropped_by_a_change_here_at_once_and_by_another_process_notify(client, db, sakura):
    gate = sakura.station_headers
    wait_until(lambda: cached_after_renewal(client, gate), message="the gate station's admission cached")
    db.execute(update(StationSession).where(StationSession.id == session_of(gate)).values(signed_out_at=utcnow()))
    db.commit()
    assert renewed(client, gate)  # answered from the cache: nothing told this process of that write

    with get_engine().connect() as other_process:  # what another API process's sign-out sends on commit
        other_process.execute(select(func.pg_notify(ADMISSIONS.channel, str(sakura.nursery.id))))
        other_process.commit()
    wait_until(lambda: not renewed(client, gate), message="the notification to drop the nursery's admissions")

    hall = {"Authorization": f"Bearer {login(client).json()['token']}"}
    wait_until(lambda: cached_after_renewal(client, hall), message="the hall station's admission cached")
    sign_out = f"/api/entry-logs/nurseries/{sakura.nursery.id}/stations/{session_of(hall)}/sign-out"
    assert client.post(sign_out, headers=staff_headers(db, sakura)).status_code == 204
    assert not renewed(client, hall)  # this process dropped it in the sign-out's own request


@pytest.mark.postgres_only
def test_a_lost_listener_connection_empties_the_admission_cache_until_it_listens_again(client, db, sakura):
    gate = sakura.station_headers
    wait_until(lambda: cached_after_renewal(client, gate), message="the gate station's admission cached")
    listener = text(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query = :q"
    )
    assert db.scalar(listener, {"q": f"LISTEN {ADMISSIONS.channel}"})
    wait_until(lambda: ADMISSIONS.get(session_of(gate)) is None, message="the cache emptied when its listener was lost")

    # a sign-out whose notification the lost listener could not receive
    db.execute(update(StationSession).where(StationSession.id == session_of(gate)).values(signed_out_at=utcnow()))
    db.commit()
    assert not renewed(client, gate)

    hall = {"Authorization": f"Bearer {login(client).json()['token']}"}
    wait_until(lambda: cached_after_renewal(client, hall), message="the listener back and the hall station cached")


@pytest.mark.postgres_only
@pytest.mark.parametrize(
    ("password_hash", "generation"), [(None, 0), ("", 0), ("$2b$12$hash", 0), ("$2b$12$hash", 3), ("合言葉", 12)]
)
def test_postgresql_fingerprints_a_password_as_python_does(db, password_hash, generation):
    """A scan's write checks the station in SQL (`fingerprint_in_sql`), its answer in Python: both must agree."""
    in_sql = db.scalar(select(fingerprint_in_sql(literal(password_hash, String), literal(generation))))
    assert in_sql == password_fingerprint(password_hash, generation)
