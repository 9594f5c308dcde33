"""docs/openapi.json is the API as served, and no route hides another: moving routes between routers and modules
changes neither what the API answers nor which handler answers it."""

import json
import re

from fastapi.routing import APIRoute

from tools import api_reference

PARAMETER = re.compile(r"{([^}:]+)(?::[^}]+)?}")


def test_the_published_reference_is_the_served_schema(app):
    published = json.loads(api_reference.REFERENCE.read_text(encoding="utf-8"))

    assert published == app.openapi(), "docs/openapi.json is stale: run `python -m tools.api_reference`"


def an_address_of(route: APIRoute) -> str:
    """The route's path with every parameter filled, as a request for it would arrive."""
    return PARAMETER.sub("1", route.path)


def test_every_route_answers_its_own_address(app):
    routes = [route for route in app.routes if isinstance(route, APIRoute)]
    hidden = []
    for position, route in enumerate(routes):
        address = an_address_of(route)
        earlier = [
            other
            for other in routes[:position]
            if other.methods & route.methods and other.path_regex.match(address) and other.path != route.path
        ]
        hidden += [f"{sorted(route.methods)} {route.path} is answered by {earlier[0].path}"] if earlier else []

    assert hidden == []
