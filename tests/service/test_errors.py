"""Bad input of every kind gets a 4xx in the one error shape, never a 500."""

import os

import pytest
from prometheus_client import CollectorRegistry
from sqlalchemy import event

from service.database import get_engine
from service.metrics import RequestMetrics
from service.outbox.metrics import DeliveryAttemptsCollector
from tests.factories import auth_headers, make_user


def assert_error_shape(response, status, code=None):
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"code", "message", "details"}
    assert error["message"]
    if code:
        assert error["code"] == code


def test_malformed_json_is_400(client):
    response = client.post("/api/auth/login", content=b'{"login_id": ', headers={"content-type": "application/json"})
    assert_error_shape(response, 400, "malformed_json")


def test_wrong_types_name_the_field_and_rule(client):
    response = client.post("/api/auth/login", json={"login_id": ["x"], "password": 5})
    assert_error_shape(response, 422, "validation_failed")
    locs = {tuple(d["loc"]) for d in response.json()["error"]["details"]}
    assert ("body", "login_id") in locs
    assert all(d["rule"] for d in response.json()["error"]["details"])


@pytest.mark.parametrize(
    "payload", [b'{"login_id": "a\\u0000b", "password": "x"}', b'{"login_id": "a\x00b", "password": "x"}']
)
def test_nul_bytes_are_refused(client, payload):
    response = client.post("/api/auth/login", content=payload, headers={"content-type": "application/json"})
    assert_error_shape(response, 400, "nul_byte")


def test_nul_in_query_is_refused(client):
    assert_error_shape(client.get("/api/admin/users?q=a%00b"), 400, "nul_byte")


def test_oversized_body_is_413(client):
    response = client.post(
        "/api/auth/login", content=b"x" * (11 * 1024 * 1024), headers={"content-type": "application/json"}
    )
    assert_error_shape(response, 413, "payload_too_large")


def test_unknown_route_and_method(client):
    assert_error_shape(client.get("/api/no-such-thing"), 404, "not_found")
    assert_error_shape(client.put("/api/health"), 405, "method_not_allowed")


def test_unknown_and_malformed_ids(client, db):
    admin = make_user(db, "admin", grants={"platform": "admin"})
    db.commit()
    assert_error_shape(client.get("/api/admin/users/999999", headers=auth_headers(admin)), 404, "not_found")
    assert_error_shape(client.get("/api/admin/users/abc", headers=auth_headers(admin)), 404, "not_found")
    malformed = client.delete("/api/admin/users/abc/grants/fleet", headers=auth_headers(admin))
    assert_error_shape(malformed, 422, "validation_failed")
    assert_error_shape(client.get("/api/admin/users/99999999999999999999999", headers=auth_headers(admin)), 422)


def test_out_of_range_paging(client, db):
    admin = make_user(db, "admin", grants={"platform": "admin"})
    db.commit()
    response = client.get("/api/admin/users", params={"page_size": 1000}, headers=auth_headers(admin))
    assert_error_shape(response, 422, "validation_failed")


def test_every_response_carries_a_request_id(client):
    assert len(client.get("/api/health").headers["x-request-id"]) >= 16
    echoed = client.get("/api/health", headers={"X-Request-ID": "abc-123"})
    assert echoed.headers["x-request-id"] == "abc-123"


def test_ready_reports_database_broker_and_storage(client):
    response = client.get("/api/ready")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": True, "broker": True, "storage": True}


def test_metrics_count_requests_by_route_and_report_queue_length(client):
    client.get("/api/health")
    text = client.get("/metrics").text
    assert f'daicho_http_requests_total{{method="GET",pid="{os.getpid()}",route="/health",status="200"}}' in text
    assert "daicho_http_request_duration_seconds_bucket" in text
    assert 'daicho_celery_queue_length{queue="critical"}' in text and 'daicho_celery_queue_length{queue="bulk"}' in text


def test_request_metrics_report_cumulative_latency_buckets_and_server_errors():
    metrics = RequestMetrics()
    registry = CollectorRegistry()
    registry.register(metrics)

    def sample(name: str, **labels: str) -> float | None:
        return registry.get_sample_value(name, {"method": "POST", "route": "/x", "pid": str(os.getpid()), **labels})

    for elapsed in (0.001, 0.005, 0.2, 30.0):
        metrics.record("POST", "/x", "/api/x", 201, elapsed, log_success=False)
    assert sample("daicho_http_errors_total") == 0  # the error rate's counter exists before the first 5xx
    metrics.record("POST", "/x", "/api/x", 503, 0.02, log_success=False)
    assert sample("daicho_http_requests_total", status="201") == 4
    assert sample("daicho_http_requests_total", status="503") == 1
    assert sample("daicho_http_errors_total") == 1
    bounds = ("0.005", "0.025", "10.0", "+Inf")
    buckets = {le: sample("daicho_http_request_duration_seconds_bucket", le=le) for le in bounds}
    assert buckets == {"0.005": 2, "0.025": 3, "10.0": 4, "+Inf": 5}
    assert sample("daicho_http_request_duration_seconds_count") == 5
    assert sample("daicho_http_request_duration_seconds_sum") == pytest.approx(30.226)


def test_scrape_time_gauges_are_registered_without_reading_the_database_and_read_it_at_scrape_time():
    statements: list[str] = []

    def seen(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    engine = get_engine()
    event.listen(engine, "before_cursor_execute", seen)
    try:
        registry = CollectorRegistry(auto_describe=True)
        registry.register(DeliveryAttemptsCollector())
        assert statements == []
        assert registry.get_sample_value("daicho_delivery_attempts_recent", {"result": "all"}) == 0
        assert any("outbox_attempt" in statement for statement in statements)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
