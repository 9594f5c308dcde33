"""Every pattern a schema checks is said to a person in Japanese words, never as the regular expression: each one in
the API's OpenAPI document (bodies, query, path and form parameters) and in every request model of the service
(those the CSV imports read their rows with too) is registered with words (`schemas.matching`)."""

import importlib
import pkgutil
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

import service
from service.errors import HAS_JAPANESE
from service.main import create_app
from service.schemas import PATTERN_WORDS


def patterns_in(document: Any) -> Iterator[str]:
    """Every value of a "pattern" key anywhere in a JSON schema or OpenAPI document."""
    if isinstance(document, dict):
        for key, value in document.items():
            if key == "pattern" and isinstance(value, str):
                yield value
            else:
                yield from patterns_in(value)
    elif isinstance(document, list):
        for item in document:
            yield from patterns_in(item)


def models() -> Iterator[type[BaseModel]]:
    """Every pydantic model of the service's modules."""
    for module in pkgutil.walk_packages(service.__path__, "service."):
        if ".migrations" not in module.name:
            importlib.import_module(module.name)
    pending = [BaseModel]
    while pending:
        model = pending.pop()
        pending.extend(model.__subclasses__())
        if model.__module__.startswith("service."):
            yield model


def test_every_pattern_of_the_api_and_its_models_has_japanese_words():
    found = set(patterns_in(create_app().openapi()))
    for model in models():
        try:
            found |= set(patterns_in(model.model_json_schema()))
        except Exception:  # noqa: BLE001 - a generic or partial model has no schema of its own
            continue
    assert found, "no pattern found: the walk is broken"
    unworded = sorted(pattern for pattern in found if not HAS_JAPANESE.search(PATTERN_WORDS.get(pattern, "")))
    assert unworded == [], "\n".join(unworded)
