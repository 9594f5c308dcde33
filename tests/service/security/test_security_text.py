"""Control characters and Unicode format characters (category Cf: bidi controls, zero-width characters) are refused
by one shared text type in every request schema and MCP argument: the walks below find every text value a request
carries checked by `single_line` or `multi_line`, and those refuse both, each naming its rule."""

import sys
import unicodedata
from collections.abc import Iterator
from typing import Annotated, Any

import pytest
from fastapi._compat import ModelField
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import EmailStr, TypeAdapter, ValidationError
from sqlalchemy import func, select

from service.errors import rule_message
from service.reservations.models import Reservation, ServiceType
from service.routers import all_routers
from service.schemas import MultilineText, OneOf, Text, format_character, multi_line, single_line
from tests.factories import auth_headers, make_user
from tests.service.reservations.booking.test_mcp import booking_args, connect, error_of
from tests.service.reservations.conftest import catalog, make_mcp_client  # noqa: F401 - fixtures
from tests.support.live_server import live_api  # noqa: F401 - fixture

GUARDS = {single_line, multi_line, OneOf._taken}  # OneOf takes only its kind's codes
DRY_RUN = "/crm/validate/{kind}"  # takes any object and validates it with the request schemas checked here
# Text the service checks whole: a scanned parentId is 1-10 ASCII digits once the scanner's suffix (CR, LF, Tab,
# spaces: what the guards refuse) is stripped, else 422 (scans.parse_parent_id; test_scans.py walks the bad ones).
CHECKED_WHOLE = ["/entry-exit-logs.parent_id"]


def _functions(schema: Any) -> list[Any]:
    """Every validator function anywhere in a core schema."""
    if isinstance(schema, list):
        return [f for item in schema for f in _functions(item)]
    if not isinstance(schema, dict):
        return []
    own = [_unbound(schema["function"]["function"])] if isinstance(schema.get("function"), dict) else []
    return own + [f for value in schema.values() if isinstance(value, dict | list) for f in _functions(value)]


def _unbound(function: Any) -> Any:
    """A method bound to its instance (a OneOf's) as its class's function."""
    return getattr(function, "__func__", function)


def _guarded(schema: dict, guards: set) -> bool:
    kind = schema.get("type")
    return kind in ("function-after", "function-plain") and _unbound(schema["function"]["function"]) in guards


def unguarded_strings(schema: Any, path: str, definitions: dict, guards: set, seen: set) -> list[str]:
    """Paths of the text values in a core schema that no guard validates."""
    if isinstance(schema, list):
        return [p for item in schema for p in unguarded_strings(item, path, definitions, guards, seen)]
    if not isinstance(schema, dict):
        return []
    kind = schema.get("type")
    if _guarded(schema, guards) or (kind == "chain" and guards & set(_functions(schema))):
        return []
    if kind == "str":
        return [path]
    if kind == "definition-ref":
        ref = schema["schema_ref"]
        if ref in seen:
            return []
        seen.add(ref)
        return unguarded_strings(definitions[ref], path, definitions, guards, seen)
    if kind == "model-fields":
        fields = schema["fields"].items()
        return [p for name, f in fields for p in unguarded_strings(f, f"{path}.{name}", definitions, guards, seen)]
    parts = (v for k, v in schema.items() if k not in ("metadata", "serialization", "definitions"))
    return [p for part in parts for p in unguarded_strings(part, path, definitions, guards, seen)]


def _definitions(schema: Any, found: dict) -> dict:
    if isinstance(schema, dict):
        if schema.get("type") == "definitions":
            found |= {d["ref"]: d for d in schema["definitions"]}
        for value in schema.values():
            _definitions(value, found)
    elif isinstance(schema, list):
        for value in schema:
            _definitions(value, found)
    return found


def api_routes() -> list[APIRoute]:
    """Every API route, those of included routers too (FastAPI keeps an included router as one entry of `routes`)."""
    contexts = (context for router in all_routers() for context in iter_route_contexts(router.routes))
    return [context.original_route for context in contexts if isinstance(context.original_route, APIRoute)]


def test_the_walks_below_see_every_domain():
    modules = {route.endpoint.__module__.split(".")[1] for route in api_routes()}
    assert {"crm", "entry_logs", "fleet", "loaners", "reservations", "identity", "outbox"} <= modules  # audit: identity


def test_every_text_field_of_every_request_body_refuses_control_characters():
    email = set(_functions(TypeAdapter(EmailStr).core_schema))  # email-validator refuses them itself (asserted below)
    missing = []
    for route in api_routes():
        if route.body_field is None or route.path.endswith(DRY_RUN):
            continue
        schema = TypeAdapter(route.body_field.field_info.annotation).core_schema
        missing += unguarded_strings(schema, route.path, _definitions(schema, {}), GUARDS | email, set())
    assert missing == CHECKED_WHOLE
    with pytest.raises(ValueError):
        TypeAdapter(EmailStr).validate_python("a\x07b@example.jp")


def query_parameters(route: APIRoute) -> Iterator[ModelField]:
    """The route's query parameters, its dependencies' too."""
    pending = [route.dependant]
    while pending:
        dependant = pending.pop()
        yield from dependant.query_params
        pending += dependant.dependencies


def test_every_text_query_parameter_refuses_control_characters():
    """A search box or filter follows the bodies' rule (a query's text built into a request model inside the endpoint
    answered 500: the fuzzer's `GET /api/fleet/terminals?q=%15`)."""
    missing = []
    for route in api_routes():
        for parameter in query_parameters(route):
            info = parameter.field_info
            schema = TypeAdapter(Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation)
            where = f"{route.path}?{parameter.alias}"
            missing += unguarded_strings(schema.core_schema, where, _definitions(schema.core_schema, {}), GUARDS, set())
    assert missing == []


FORMAT_CHARACTERS = [chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf"]
LOOK_ALIKES = {  # how each kind makes another parent's name or turns a text around
    "zero_width_space": "山田\u200b太郎",
    "right_to_left_override": "山田\u202e郎太",
    "first_strong_isolate": "\u2068山田太郎\u2069",
    "byte_order_mark": "\ufeff山田太郎",
    "soft_hyphen": "Yama\u00adda",
    "zero_width_joiner_of_an_emoji_sequence": "山田 \U0001f468\u200d\U0001f469\u200d\U0001f467",
}


def test_both_guards_refuse_every_format_character_naming_it():
    assert len(FORMAT_CHARACTERS) > 150  # Unicode's whole Cf category, not a list of our own
    for text_type in (Text, MultilineText):
        adapter = TypeAdapter(text_type)
        for character in FORMAT_CHARACTERS:
            with pytest.raises(ValidationError) as refused:
                adapter.validate_python(f"名前{character}です")
            [error] = refused.value.errors()
            assert error["type"] == "format_character" and error["ctx"]["character"] == f"U+{ord(character):04X}"
            assert rule_message(error).startswith(f"表示されない書式文字（U+{ord(character):04X}")


def test_every_control_character_is_refused_as_one_naming_it():
    controls = [chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cc"]
    lines = {"\t", "\n"}
    for guard, passing in ((single_line, set()), (multi_line, lines)):
        for character in controls:
            if character in passing:
                assert guard(f"a{character}b") == f"a{character}b"
                continue
            with pytest.raises(ValueError, match=f"U\\+{ord(character):04X}") as refused:
                guard(f"a{character}b")
            assert refused.value.type == "control_character"


def test_text_without_format_characters_passes_emoji_and_all():
    for text in ("山田太郎", "ｶﾀｶﾅ・ひらがな〜", "\U0001f600 \U0001f44d\U0001f3fd", "Ünïcödé", "café"):
        assert single_line(text) == text and format_character(text) is None


def fleet_admin(db) -> dict[str, str]:
    headers = auth_headers(make_user(db, "fleet-admin", grants={"fleet": "admin"}))
    db.commit()
    return headers


@pytest.mark.parametrize("query", ["q=%15", "q=a%07b", "firmware_version=1.0%1b", "sort=company_name%7f"])
def test_a_terminal_search_with_a_control_character_is_refused_naming_the_rule(client, db, query):
    headers = fleet_admin(db)
    response = client.get(f"/api/fleet/terminals?{query}", headers=headers)
    assert response.status_code == 422
    assert "control_character" in response.text and "制御文字" in response.text


@pytest.mark.parametrize("query", ["q=%E2%80%8B", "q=ABC%E2%80%AE", "firmware_version=1.0%EF%BB%BF"])
def test_a_terminal_search_with_a_format_character_is_refused_naming_the_rule(client, db, query):
    headers = fleet_admin(db)
    response = client.get(f"/api/fleet/terminals?{query}", headers=headers)
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["rule"] == "format_character" and "書式文字" in response.text


def test_a_query_longer_than_its_limit_is_still_refused_for_its_length(client, db):
    headers = fleet_admin(db)
    response = client.get(f"/api/fleet/terminals?q={'あ' * 101}", headers=headers)
    assert response.status_code == 422 and "string_too_long" in response.text


@pytest.fixture
def operator(db) -> dict[str, str]:
    headers = auth_headers(make_user(db, "operator", grants={"reservations": "operator"}))
    db.commit()
    return headers


@pytest.mark.parametrize("character", ["\x07", "\x1b", "\x7f", "\x85", "\x9b", "\n", "\t"])
def test_a_service_name_with_a_control_character_is_refused_naming_the_rule(client, db, operator, character):
    body = {"name": f"出張{character}クリーニング", "price": 5000, "duration_minutes": 60}
    response = client.post("/api/reservations/services", json=body, headers=operator)
    assert response.status_code == 422
    assert "control_character" in response.text and "制御文字" in response.text
    assert db.scalar(select(func.count()).select_from(ServiceType)) == 0


@pytest.mark.parametrize("name", LOOK_ALIKES.values(), ids=LOOK_ALIKES.keys())
def test_a_name_that_could_pass_for_another_is_refused_naming_the_rule(client, db, operator, name):
    body = {"name": "出張クリーニング", "price": 5000, "duration_minutes": 60}
    assert client.post("/api/reservations/services", json=body, headers=operator).status_code == 201
    response = client.post("/api/reservations/services", json=body | {"name": name}, headers=operator)
    assert response.status_code == 422
    [detail] = response.json()["error"]["details"]
    assert (detail["loc"], detail["rule"]) == (["body", "name"], "format_character")
    assert detail["message"].startswith("サービス名: 表示されない書式文字（U+")
    assert db.scalar(select(func.count()).select_from(ServiceType)) == 1


def test_a_multi_line_field_keeps_tab_and_newline_but_no_other_control_character(client, db, operator):
    body = {"name": "出張クリーニング", "price": 5000, "duration_minutes": 60}
    refused = client.post("/api/reservations/services", json=body | {"description": "1行目\x0b2行目"}, headers=operator)
    assert refused.status_code == 422 and "control_character" in refused.text
    hidden = client.post("/api/reservations/services", json=body | {"description": "1行目\n\u200b"}, headers=operator)
    assert hidden.status_code == 422 and "format_character" in hidden.text
    kept = client.post("/api/reservations/services", json=body | {"description": "1行目\n\t2行目"}, headers=operator)
    assert kept.status_code == 201, kept.text
    assert kept.json()["description"] == "1行目\n\t2行目"


async def test_mcp_arguments_with_control_or_format_characters_are_tool_errors_naming_the_argument(live_api, catalog):  # noqa: F811
    key = make_mcp_client()[1]
    async with connect(live_api, key) as mcp:
        details = error_of(await mcp.call_tool("create_reservation", booking_args(catalog, details="3LDK\x1b[2J")))
        assert details["details"] == {"field": "details", "rule": "control_character"}
        name = error_of(await mcp.call_tool("create_reservation", booking_args(catalog, requester_name="山田\n太郎")))
        assert name["code"] == "validation_failed" and name["details"][0]["rule"] == "control_character"
        hidden = error_of(
            await mcp.call_tool("create_reservation", booking_args(catalog, requester_name="山田\u202e郎太"))
        )
        assert hidden["details"] == {"field": "requester_name", "rule": "format_character"}
    from service.database import session_scope

    with session_scope() as db:
        assert db.scalar(select(Reservation.id)) is None
