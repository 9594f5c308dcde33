"""`python -m tools.api_reference`: writes docs/openapi.json, the API's OpenAPI document as the service serves it at
/api/openapi.json, for the IT teams who generate clients from it without running the service.

tests/service/test_api_reference.py fails when the file differs from what the service serves, so a change to any
route, parameter, model or answer shows in review as a change to this file; a move of code that changes none of them
leaves it as it is.
"""

import json
from pathlib import Path
from typing import Any

from service.config import REPO_ROOT

REFERENCE = REPO_ROOT / "docs" / "openapi.json"


def served() -> dict[str, Any]:
    from service.main import create_app

    return create_app().openapi()


def text(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=1) + "\n"


def write(path: Path = REFERENCE) -> None:
    path.write_text(text(served()), encoding="utf-8")


if __name__ == "__main__":
    write()
