"""The agents' heartbeat routes: the platform's request id, guards, metrics and error shape apply, the routes are
documented with their body, and a success is counted but not written to the access log."""

import logging
import os

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import func, select

from service.fleet.models import MetricSample
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


@pytest.mark.dialect
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
    assert (
        error_of(client.post(path, content=b"[]", headers=headers), 422)["details"][0]["rule"]
        == "model_attributes_type"
    )
    wrong = error_of(client.post(path, json=beat(cpu="high", status="sleeping"), headers=agent_headers(token)), 422)
    assert wrong["code"] == "validation_failed"
    assert {(tuple(d["loc"]), d["rule"]) for d in wrong["details"]} == {
        (("body", "cpu"), "float_parsing"),
        (("body", "status"), "enum"),
    }
    offline = error_of(client.post(path, json=beat(status="offline"), headers=agent_headers(token)), 422)
    assert [(d["loc"], d["rule"]) for d in offline["details"]] == [(["body", "status"], "enum")]  # a beat is heard
    nul = client.post(path, content=b'{"agent_version": "a\\u0000"}', headers=headers)
    assert error_of(nul, 400)["code"] == "nul_byte"
    huge = client.post(path, content=b"x" * (11 * 1024 * 1024), headers=headers)
    assert error_of(huge, 413)["code"] == "payload_too_large"
    assert error_of(client.post(path, json=beat()), 401)["code"] == "invalid_terminal_token"
    assert error_of(client.get(path), 405)["code"] == "method_not_allowed"
    assert db.scalar(select(func.count()).select_from(MetricSample)) == 0


def test_the_routes_stay_documented_with_their_body(client):
    document = client.get("/api/openapi.json").json()
    paths, schemas = document["paths"], document["components"]["schemas"]
    for path in (HEARTBEAT, VALIDATE):
        body = paths[path]["post"]["requestBody"]["content"]["application/json"]["schema"]
        schema = schemas[body["$ref"].removeprefix("#/components/schemas/")]
        event = schemas[schema["properties"]["events"]["items"]["$ref"].removeprefix("#/components/schemas/")]
        assert schema["properties"]["cpu"]["maximum"] == 100
        level = schemas[event["properties"]["level"]["$ref"].removeprefix("#/components/schemas/")]
        assert level["enum"] == ["info", "warning", "error"]
        assert set(schema["required"]) >= {"sent_at", "status", "firmware_version", "cpu", "memory", "disk"}
    reply = paths[HEARTBEAT]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert reply == {"$ref": "#/components/schemas/HeartbeatReply"}


@pytest.mark.dialect
def test_a_success_is_counted_but_not_logged_and_a_refusal_is_logged(client, token, caplog):
    with caplog.at_level(logging.INFO, logger="daicho.access"):
        assert client.post(HEARTBEAT, json=beat(), headers=agent_headers(token)).status_code == 200
        assert client.post(HEARTBEAT, json=beat(cpu=101), headers=agent_headers(token)).status_code == 422
    lines = [record.getMessage().split()[:3] for record in caplog.records if record.name == "daicho.access"]
    assert lines == [["POST", HEARTBEAT, "422"]]
