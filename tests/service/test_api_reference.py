"""docs/openapi.json is the API as served: moving routes between routers and modules changes nothing the API answers
(tests/service/test_openapi.py checks that no route hides another)."""

import json

from tools import api_reference


def test_the_published_reference_is_the_served_schema(app):
    published = json.loads(api_reference.REFERENCE.read_text(encoding="utf-8"))

    assert published == app.openapi(), "docs/openapi.json is stale: run `python -m tools.api_reference`"
