"""The heartbeat routes served by the fast lane (service/lanes.py): the platform's request id, guards, metrics and
error shape still apply, the routes stay documented, and FastAPI's own routing answers the same without the lane."""

import os

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from sqlalchemy import func, select

from service.errors import install_error_handlers
from service.fleet.agent_router import router
from service.fleet.models import MetricSample, Terminal
from tests.service.fleet.conftest import agent_headers, beat, make_customer, make_terminal

HEARTBEAT = "/api/fleet/agent/heartbeat"
VALIDATE = "/api/fleet/agent/heartbeat/validate"
JSON = {"content-type": "application/json"}
ROUTE_OK, ROUTE_422 = ("/fleet/agent/heartbeat", "200"), ("/fleet/agent/heartbeat", "422")
VALIDATE_OK = ("/fleet/agent/heartbeat/validate", "200")


def error_of(response, status):
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"code", "message", "details"} and error["message"]
    return error


@pytest.fixture
def token(db):
    _, token = make_terminal(db, make_customer(db))
    db.commit()
    return token


def served(route: str, status: str) -> float:
    """Requests counted so far for a route template and status (the registry is process-wide)."""
    labels = {"method": "POST", "route": route, "status": status, "pid": str(os.getpid())}
    return REGISTRY.get_sample_value("daicho_http_requests_total", labels) or 0.0


def test_heartbeat_carries_the_request_id_and_is_counted_under_its_route(client, token):
    counted = {key: served(*key) for key in (ROUTE_OK, ROUTE_422, VALIDATE_OK)}
    response = client.post(HEARTBEAT, json=beat(), headers=agent_headers(token) | {"X-Request-ID": "beat-42"})
    assert response.status_code == 200 and response.headers["x-request-id"] == "beat-42"
    assert client.post(HEARTBEAT, json=beat(cpu=101), headers=agent_headers(token)).status_code == 422
    assert len(client.post(VALIDATE, json=beat(), headers=agent_headers(token)).headers["x-request-id"]) == 32
    assert {key: served(*key) - before for key, before in counted.items()} == dict.fromkeys(counted, 1.0)
    assert "daicho_http_request_duration_seconds_bucket" in client.get("/metrics").text


@pytest.mark.parametrize("path", [HEARTBEAT, VALIDATE])
def test_bad_bodies_get_the_common_error_shape_naming_the_rule(client, db, token, path):
    headers = agent_headers(token) | JSON
    assert error_of(client.post(path, content=b'{"cpu": ', headers=headers), 400)["code"] == "malformed_json"
    assert error_of(client.post(path, content=b"[]", headers=headers), 422)["details"][0]["rule"] == "model_type"
    wrong = error_of(client.post(path, json=beat(cpu="high", status="sleeping"), headers=agent_headers(token)), 422)
    assert wrong["code"] == "validation_failed"
    assert {(tuple(d["loc"]), d["rule"]) for d in wrong["details"]} == {
        (("body", "cpu"), "float_parsing"),
        (("body", "status"), "literal_error"),
    }
    nul = client.post(path, content=b'{"agent_version": "a\\u0000"}', headers=headers)
    assert error_of(nul, 400)["code"] == "nul_byte"
    huge = client.post(path, content=b"x" * (11 * 1024 * 1024), headers=headers)
    assert error_of(huge, 413)["code"] == "payload_too_large"
    assert error_of(client.post(path, json=beat()), 401)["code"] == "invalid_terminal_token"
    assert error_of(client.get(path), 405)["code"] == "method_not_allowed"
    assert db.scalar(select(func.count()).select_from(MetricSample)) == 0


def test_the_routes_stay_documented_with_their_body(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in (HEARTBEAT, VALIDATE):
        schema = paths[path]["post"]["requestBody"]["content"]["application/json"]["schema"]
        assert schema["properties"]["cpu"]["maximum"] == 100
        assert schema["properties"]["events"]["items"]["properties"]["level"]["enum"] == ["info", "warning", "error"]
        assert set(schema["required"]) >= {"sent_at", "status", "firmware_version", "cpu", "memory", "disk"}
    reply = paths[HEARTBEAT]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert reply == {"$ref": "#/components/schemas/HeartbeatReply"}


def test_without_the_lane_fastapi_routing_answers_the_same(db, token):
    plain = FastAPI()
    install_error_handlers(plain)
    plain.include_router(router, prefix="/api")
    with TestClient(plain) as direct:
        stored = direct.post(HEARTBEAT, json=beat(cpu=61.5), headers=agent_headers(token))
        assert stored.status_code == 200 and stored.json() == {"interval_seconds": 300, "commands": []}
        assert direct.post(VALIDATE, json=beat(), headers=agent_headers(token)).json() == {"valid": True}
        assert error_of(direct.post(HEARTBEAT, content=b"{", headers=agent_headers(token) | JSON), 400)
        assert error_of(direct.post(VALIDATE, json=beat(), headers=agent_headers("tct_nobody")), 401)
    assert db.scalar(select(Terminal.cpu_usage)) == 61.5
