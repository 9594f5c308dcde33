"""A refusal of bad input names its fields in Japanese (issue 46): the error's details and messages name each field as
its domain's vocabulary does (service/errors.py field_label, service/words.py field_words), never by its
name in the code. The walk reads every body every POST, PATCH and PUT of the API takes, at every depth, and fails on a
field the vocabulary has no words for (its refusal would read 入力項目)."""

from collections.abc import Iterator
from typing import Any

from fastapi.routing import APIRoute, iter_route_contexts

from service.errors import FIELD_FALLBACK, Fields, field_label
from service.routers import all_routers
from tests.factories import auth_headers, make_user

WRITES = {"POST", "PATCH", "PUT"}


def property_names(
    schema: dict[str, Any], components: dict[str, Any], seen: frozenset[str] = frozenset()
) -> Iterator[str]:
    """The names of a JSON schema's properties at every depth (objects, lists, unions, references)."""
    reference = schema.get("$ref", "")
    if reference:
        if reference in seen:
            return
        seen, schema = seen | {reference}, components[reference.rsplit("/", 1)[-1]]
    for part in (*schema.get("anyOf", ()), *schema.get("oneOf", ()), *schema.get("allOf", ())):
        yield from property_names(part, components, seen)
    for nested in (schema.get("items"), schema.get("additionalProperties")):
        if isinstance(nested, dict):
            yield from property_names(nested, components, seen)
    for name, field in (schema.get("properties") or {}).items():
        yield name
        yield from property_names(field, components, seen)


def wordless_fields(app) -> list[str]:
    """`METHOD path: field` of each body field without words, every route walked (included routers' too)."""
    spec = app.openapi()
    components = spec["components"]["schemas"]
    found = []
    for context in (context for router in all_routers() for context in iter_route_contexts(router.routes)):
        route, path = context.original_route, f"/api{context.path_format}"
        for method in sorted(set(context.methods or ()) & WRITES if isinstance(route, APIRoute) else ()):
            operation = spec["paths"].get(path, {}).get(method.lower(), {})
            for content in operation.get("requestBody", {}).get("content", {}).values():
                names = sorted(set(property_names(content.get("schema", {}), components)))
                fields = Fields.of(route)
                found += [
                    f"{method} {path}: {name}"
                    for name in names
                    if field_label(("body", name), fields) == FIELD_FALLBACK
                ]
    return found


def test_the_walk_sees_every_domains_bodies(app):
    """The walk reads the routes of included routers too (FastAPI keeps one as one entry of `routes`)."""
    domains = {
        Fields.of(context.original_route).domain
        for router in all_routers()
        for context in iter_route_contexts(router.routes)
        if isinstance(context.original_route, APIRoute) and context.original_route.body_field is not None
    }
    assert domains == {"platform", "crm", "entry_logs", "fleet", "loaners", "reservations"}


def test_every_field_of_every_request_body_has_words(app):
    assert wordless_fields(app) == []


def test_a_refusal_names_its_fields_as_the_domains_vocabulary_does(client, db):
    headers = auth_headers(make_user(db, "admin", grants={"fleet": "admin"}))
    db.commit()
    refused = client.post("/api/fleet/customers", json={"company_name": "", "contact_person": "山田"}, headers=headers)
    details = refused.json()["error"]["details"]
    assert [(detail["label"], detail["message"]) for detail in details] == [
        ("会社名", "会社名: 1文字以上で入力してください"),
        ("連絡先メール", "連絡先メール: 必須項目です"),
        ("電話番号", "電話番号: 必須項目です"),
    ]
    nursery = auth_headers(make_user(db, "nursery", grants={"entry_logs": "admin"}))
    db.commit()
    refused = client.post("/api/entry-logs/children", json={"nurseryId": 1, "className": "x" * 500}, headers=nursery)
    assert [detail["message"] for detail in refused.json()["error"]["details"]] == [
        "園児名: 必須項目です",  # the body is a child's (ChildCreate): its own words for name
        "クラス: 50文字以内で入力してください",  # className: the vocabulary's class_name
    ]


def test_a_nested_field_is_named_with_its_place_and_one_without_words_never_by_its_code():
    assert field_label(("body", "waves", 1), Fields("fleet")) == "波（累積%）（2件目）"
    assert field_label(("body", "answers", "1-1.貸出先"), Fields("loaners")) == "回答の1-1.貸出先"
    assert field_label(("body", "name"), Fields("entry_logs", "child")) == "園児名"
    assert field_label(("query", "no_such_field"), Fields("fleet")) == FIELD_FALLBACK
