"""The common error model in the OpenAPI, derived for every route from its shape and dependencies:

- every operation: 400; parameters or a body: 422; a body: 413; a path parameter: 404; a write: 409; - whatever a
function in its dependency tree declares with `declares` (401, 403, 404, 423, 429, 503).

A status the route declares itself (its `responses`) is left as it is."""

from collections.abc import Callable, Collection, Iterator, Mapping
from typing import Any, TypeVar

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.responses import Response
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "details"],
            "properties": {
                "code": {"type": "string", "description": "the rule the request broke, e.g. not_found"},
                "message": {"type": "string", "description": "the message for people (Japanese)"},
                "details": {"description": "what exactly was wrong, e.g. the fields and their rules"},
            },
        }
    },
}

ERRORS = {
    400: ("BadRequest", "The request is malformed (JSON, a NUL byte)"),
    401: ("Unauthorized", "Not authenticated, or the token is invalid, expired or revoked"),
    403: ("Forbidden", "The caller's role does not allow this"),
    404: ("NotFound", "Nothing by that id in the caller's scope"),
    409: ("Conflict", "A unique key, a stale version or the current state refuses the change"),
    413: ("PayloadTooLarge", "The body is over the size limit"),
    422: ("ValidationFailed", "An input breaks a rule, named in details"),
    423: ("Locked", "Too many failed logins: locked for a while"),
    429: ("TooManyRequests", "Too many attempts from this address, or at once: try again after Retry-After"),
    502: ("BadGateway", "An outside service it needs (the company's identity provider) did not answer as it should"),
    503: ("ServiceUnavailable", "A setting the operation needs is missing, or too much work at once (Retry-After)"),
}
WRITES = {"post", "put", "patch", "delete"}
MARK = "openapi_errors"
EXCEPT_MARK = "openapi_errors_not_on"

F = TypeVar("F", bound=Callable[..., Any])


def declares(*statuses: int, not_on: Mapping[int, Collection[str]] | None = None) -> Callable[[F], F]:
    """`not_on` names, per status, the paths the function lets through without it (e.g. the pages a person may still
    reach while their password must change)."""

    def mark(function: F) -> F:
        setattr(function, MARK, frozenset(statuses) | getattr(function, MARK, frozenset()))
        setattr(function, EXCEPT_MARK, {**getattr(function, EXCEPT_MARK, {}), **(not_on or {})})
        return function

    return mark


def _calls(dependant: Dependant) -> Iterator[Any]:
    yield dependant.call
    for sub in dependant.dependencies:
        yield from _calls(sub)


def dependency_errors(route: RouteContext) -> set[int]:
    return {
        status
        for call in _calls(route.dependant)
        for status in getattr(call, MARK, ())
        if route.path_format not in getattr(call, EXCEPT_MARK, {}).get(status, ())
    }


def shape_errors(method: str, operation: dict[str, Any]) -> set[int]:
    statuses = {400}
    parameters = operation.get("parameters", [])
    if parameters or "requestBody" in operation:
        statuses.add(422)
    if "requestBody" in operation:
        statuses.add(413)
    if any(p["in"] == "path" for p in parameters):
        statuses.add(404)
    if method in WRITES:
        statuses.add(409)
    return statuses


def _declare(operation: dict[str, Any], statuses: set[int]) -> None:
    responses = operation.setdefault("responses", {})
    for status in sorted(statuses):
        declared = responses.get(str(status), {})
        schema = declared.get("content", {}).get("application/json", {}).get("schema", {})
        if not declared or schema.get("$ref", "").endswith("/HTTPValidationError"):
            responses[str(status)] = {"$ref": f"#/components/responses/{ERRORS[status][0]}"}


def declare_errors(schema: dict[str, Any], routes: list[Any]) -> dict[str, Any]:
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for generated in ("HTTPValidationError", "ValidationError"):
        schemas.pop(generated, None)
    schemas["Error"] = ERROR_SCHEMA
    components["responses"] = {
        name: {"description": text, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        for name, text in ERRORS.values()
    }
    for route in iter_route_contexts(routes):
        if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
            continue
        item = schema["paths"][route.path_format]
        for method in route.methods or ():
            operation = item[method.lower()]
            _declare(operation, shape_errors(method.lower(), operation) | dependency_errors(route))
    return schema


def install_openapi(app: FastAPI) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        schema = generate()  # FastAPI's own, cached until the routes change
        if "Error" not in schema.get("components", {}).get("schemas", {}):
            declare_errors(schema, app.routes)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def file_response(*media_types: str) -> dict[str, Any]:
    content = {media_type: {"schema": {"type": "string", "format": "binary"}} for media_type in media_types}
    return {"description": "The file", "content": content}


def media(*media_types: str) -> dict[str, Any]:
    """`@router.get(..., **media("text/csv"))`."""
    return {"response_class": Response, "responses": {200: file_response(*media_types)}}


def allowed_methods(routes: list[Any], path: str) -> str:
    """Every method some route answers at this path, not only the first route's."""
    methods = {
        method
        for route in iter_route_contexts(routes)
        if route.methods and route.path_regex.match(path)
        for method in route.methods
    }
    return ", ".join(sorted(methods))
