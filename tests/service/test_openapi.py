"""/api/openapi.json says what the API answers: the common error model, the files' media types, the right 405s."""

from collections import Counter

import pytest
from fastapi.routing import APIRoute, iter_route_contexts

from service.exports import XLSX_MEDIA_TYPE
from tests.factories import auth_headers, make_user

ERROR_REF = "#/components/responses/"


@pytest.fixture(scope="module")
def spec(app) -> dict:
    return app.openapi()


def operations(spec: dict):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            yield method.upper(), path, operation


def test_no_operation_declares_fastapis_validation_error(spec):
    text = str(spec)
    assert "HTTPValidationError" not in text
    assert spec["components"]["responses"]["ValidationFailed"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }


def test_error_statuses_follow_the_dependencies(spec):
    paths = spec["paths"]
    detail = paths["/api/crm/requests/{request_id}"]["patch"]["responses"]
    for status, name in (
        ("400", "BadRequest"),
        ("401", "Unauthorized"),
        ("403", "Forbidden"),
        ("404", "NotFound"),
        ("409", "Conflict"),
        ("413", "PayloadTooLarge"),
        ("422", "ValidationFailed"),
    ):
        assert detail[status] == {"$ref": ERROR_REF + name}
    login = paths["/api/auth/login"]["post"]["responses"]
    assert login["423"] == {"$ref": ERROR_REF + "Locked"} and "403" not in login
    me = paths["/api/auth/me"]["get"]["responses"]
    assert set(me) == {"200", "400", "401"}
    assert "401" in paths["/api/entry-exit-logs"]["post"]["responses"]
    assert "401" in paths["/api/fleet/agent/heartbeat"]["post"]["responses"]


def test_every_operation_declares_its_errors(spec):
    for method, path, operation in operations(spec):
        assert "400" in operation["responses"], (method, path)
        if operation.get("security"):
            assert "401" in operation["responses"], (method, path)


@pytest.mark.parametrize(
    ("method", "path", "media_type"),
    [
        ("get", "/api/crm/acquired.csv", "text/csv"),
        ("get", "/api/loaners/locations/{location_id}/labels.pdf", "application/pdf"),
        ("get", "/api/loaners/devices/{device_id}/qr.png", "image/png"),
        ("get", "/api/crm/images/{image_id}/file", "image/png"),
        ("get", "/api/reservations/executive/report", "application/pdf"),
        ("get", "/api/entry-exit-logs/export", "text/csv"),
        ("get", "/api/crm/acquired.csv", XLSX_MEDIA_TYPE),
        ("get", "/api/fleet/terminals/export", XLSX_MEDIA_TYPE),
        ("get", "/api/reservations/cancel/{code}", "text/html"),
        ("get", "/api/reservations/faq", "text/html"),
        ("get", "/api/reservations/manuals/{name}/pdf", "application/pdf"),
    ],
)
def test_files_declare_their_media_type(spec, method, path, media_type):
    content = spec["paths"][path][method]["responses"]["200"]["content"]
    assert media_type in content
    if media_type != "application/json":
        assert "application/json" not in content


def test_no_static_route_is_shadowed_by_a_parameter_route(app):
    routes = [r for r in iter_route_contexts(app.routes) if isinstance(r.original_route, APIRoute)]
    shadowed = [
        (static.path_format, param.path_format)
        for static in routes
        if "{" not in static.path_format and static.include_in_schema
        for param in routes
        if "{" in param.path_format and param.path_regex.match(static.path_format)
    ]
    assert shadowed == []


def test_a_wrong_method_on_a_static_route_is_405_with_every_allowed_method(client, db):
    headers = auth_headers(make_user(db, "op", grants={"reservations": "operator"}))
    db.commit()
    answer = client.patch("/api/reservations/shops/import", headers=headers, json={})
    assert answer.status_code == 405
    assert answer.headers["allow"] == "POST"
    assert answer.json()["error"]["code"] == "method_not_allowed"
    answer = client.put("/api/reservations/shops/1", headers=headers, json={})
    assert answer.status_code == 405
    assert answer.headers["allow"] == "DELETE, GET, PATCH"


def test_every_schema_has_a_name_of_its_own(spec):
    """Two models of one name in different modules come out as `service__fleet__schemas__X` and share a title, and a
    generated client keeps one of them and drops the answers of the other's routes: a model's name is unique."""
    schemas = spec["components"]["schemas"]
    titles = Counter(schema.get("title", name) for name, schema in schemas.items())
    assert [title for title, count in titles.items() if count > 1] == []
    assert [name for name in schemas if "__" in name and not name.startswith("Body_")] == []
