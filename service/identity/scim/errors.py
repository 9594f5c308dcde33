"""SCIM's own error shape (RFC 7644 §3.12), with a Japanese `detail`.

The SCIM routes are the one place whose errors do not take the common shape of service/errors.py: an identity provider
(Entra ID, Okta, HENNGE One, Google) reads `{"schemas": [...Error], "status": "409", "scimType": "uniqueness",
"detail": ...}` and nothing else. `ScimRoute` turns every refusal on these routes into that shape, after the request's
transaction was rolled back (the exception passed through `database.get_db` first)."""

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import ValidationError
from scim2_models import Error, SCIMException

from service.errors import DomainError

MEDIA_TYPE = "application/scim+json"

# RFC 7644 §3.12's scimType keywords in words (the library's own detail is English and names its internals)
SCIM_TYPE_WORDS = {
    "invalidFilter": "filter の書き方が正しくないか、この属性では絞り込めません",
    "tooMany": "該当が多すぎます。filter で絞り込んでください",
    "uniqueness": "この値は既に使われています",
    "mutability": "この属性は変更できません",
    "invalidSyntax": "要求の形式が SCIM の定めに合いません",
    "invalidPath": "属性のパスが正しくありません",
    "noTarget": "PATCH の対象が見つかりません",
    "invalidValue": "属性の値が正しくないか、必須の属性がありません",
    "invalidVers": "この SCIM のバージョンには対応していません",
    "sensitive": "この値は URL に含められません",
}
STATUS_WORDS = {
    401: "SCIMトークンが必要です（Authorization: Bearer）。無効・取り消し済みのトークンは使えません",
    403: "この操作は許可されていません",
    404: "指定されたリソースが見つかりません",
    409: "既にある内容と衝突します",
    412: "リソースは別の更新で変わっています",
    413: "要求が大きすぎます",
    501: "この操作には対応していません",
}
FALLBACK = "要求を処理できませんでした"
ERROR_SCHEMA = {
    "type": "object",
    "required": ["schemas", "status"],
    "properties": {
        "schemas": {"type": "array", "items": {"type": "string"}},
        "status": {"type": "string", "description": "the HTTP status, as a string"},
        "scimType": {"type": "string", "description": "RFC 7644 §3.12's keyword, e.g. uniqueness"},
        "detail": {"type": "string", "description": "what happened, for people (Japanese)"},
    },
}
# Every SCIM operation's refusals in the OpenAPI, in SCIM's shape and media type (service/openapi.py leaves them be)
RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"description": words, "content": {MEDIA_TYPE: {"schema": ERROR_SCHEMA}}}
    for status, words in {400: "要求の形式または値が正しくありません", **STATUS_WORDS}.items()
}


class ScimJSONResponse(JSONResponse):
    """Declares the operations' answers `application/scim+json` in the OpenAPI (the routes build their own)."""

    media_type = MEDIA_TYPE


def scim_error(status: int, detail: str, scim_type: str | None = None) -> JSONResponse:
    error = Error(status=status, scim_type=scim_type, detail=detail)
    headers = {"WWW-Authenticate": 'Bearer realm="SCIM"'} if status == 401 else None
    return JSONResponse(error.model_dump(), status_code=status, media_type=MEDIA_TYPE, headers=headers)


def detail_for(status: int, scim_type: str | None) -> str:
    return SCIM_TYPE_WORDS.get(scim_type or "") or STATUS_WORDS.get(status) or FALLBACK


def _from_scim(exc: SCIMException) -> JSONResponse:
    """Ours say what happened in Japanese already; scim2-models' own are in English, put after our words."""
    error = exc.to_error()
    status = int(error.status or 400)
    if error.detail and not error.detail.isascii():
        return scim_error(status, error.detail, error.scim_type)
    where = f"（{error.detail}）" if error.detail and status == 400 else ""
    return scim_error(status, detail_for(status, error.scim_type) + where, error.scim_type)


def _from_validation(exc: ValidationError | RequestValidationError) -> JSONResponse:
    errors = Error.from_validation_errors(exc) if isinstance(exc, ValidationError) else []
    scim_type = errors[0].scim_type if errors else "invalidValue"
    where = "、".join(str(e["loc"][-1]) for e in exc.errors() if e.get("loc"))
    return scim_error(400, detail_for(400, scim_type) + (f"（{where}）" if where else ""), scim_type)


class ScimRoute(APIRoute):
    """A route whose every refusal is a SCIM error (RFC 7644 §3.12), not the common shape."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def scim_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except SCIMException as exc:
                return _from_scim(exc)
            except (ValidationError, RequestValidationError) as exc:
                return _from_validation(exc)
            except DomainError as exc:
                scim_type = (
                    "uniqueness" if exc.status_code == 409 else "invalidValue" if exc.status_code == 422 else None
                )
                status = 400 if exc.status_code == 422 else exc.status_code
                return scim_error(status, exc.message, scim_type)

        return scim_handler
