"""Every response carries the browser hardening headers: routes, the guard's refusals and the station's hot routes."""

from tests.service.entry_logs.world import make_world

EXPECTED = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "x-frame-options": "DENY",
    "content-security-policy": "frame-ancestors 'none'",
}


def assert_hardened(response) -> None:
    assert {name: response.headers.get(name) for name in EXPECTED} == EXPECTED, response.request.url


def test_routes_errors_and_the_public_cancel_page_cannot_be_framed_or_sniffed(client):
    assert_hardened(client.get("/api/health"))
    assert_hardened(client.get("/api/reservations/cancel/no-such-code"))  # the public one-click cancel page
    assert_hardened(client.get("/api/auth/me"))  # 401 from a route
    assert_hardened(client.get("/api/health?x=%00"))  # 400 from the guard, before any route


def test_the_stations_heartbeat_answers_carry_them_too(client, db):
    world = make_world(db, "hardened")
    db.commit()
    renewed = client.post("/api/auth/heartbeat", json={}, headers=world.station_headers)
    assert renewed.status_code == 200
    assert_hardened(renewed)
    assert_hardened(client.post("/api/auth/heartbeat", json={}))  # its error answer
