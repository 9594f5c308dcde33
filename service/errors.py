"""Domain errors and the one handler that renders every error as {"error": {code, message, details}}."""

import logging
from typing import Any

import psycopg
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.openapi import allowed_methods

log = logging.getLogger("daicho.errors")
DATABASE_UNAVAILABLE = "データベースに接続できません。しばらくしてから再度お試しください"
DATABASE_BUSY = "混み合っています。しばらくしてから再度お試しください"


class DomainError(Exception):
    """Base for every error a service function raises on purpose."""

    status_code = 400
    code = "bad_request"
    keep_changes = False

    def __init__(
        self, message: str, *, details: Any = None, code: str | None = None, keep_changes: bool = False
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        self.keep_changes = keep_changes
        if code:
            self.code = code


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class Unauthorized(DomainError):
    status_code = 401
    code = "unauthorized"


class Forbidden(DomainError):
    status_code = 403
    code = "forbidden"


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


class ValidationFailed(DomainError):
    status_code = 422
    code = "validation_failed"


def unknown_reference(message: str, field: str) -> ValidationFailed:
    """A body names a record that does not exist or lies outside the caller's tenant: 422 on that field, not 404
    (the route's own resource is there; its input is wrong)."""
    return ValidationFailed(message, details={"field": field, "rule": "exists"})


class Locked(DomainError):
    status_code = 423
    code = "locked"


class TooLarge(DomainError):
    status_code = 413
    code = "payload_too_large"


class ServiceUnavailable(DomainError):
    status_code = 503
    code = "unavailable"


HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "too_many_requests",
}


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": jsonable_encoder(details)}}


def error_response(
    status: int, code: str, message: str, details: Any = None, headers: dict | None = None
) -> JSONResponse:
    return JSONResponse(error_body(code, message, details), status_code=status, headers=headers)


def _validation_details(exc: RequestValidationError) -> list[dict[str, Any]]:
    details = []
    for err in exc.errors():
        details.append(
            {"loc": [str(p) for p in err.get("loc", ())], "rule": err.get("type"), "message": err.get("msg")}
        )
    return details


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> JSONResponse:
        return error_response(exc.status_code, exc.code, exc.message, exc.details)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = _validation_details(exc)
        if any(d["rule"] == "json_invalid" for d in details):
            return error_response(400, "malformed_json", "リクエストのJSONが不正です", details)
        return error_response(422, "validation_failed", "入力内容に誤りがあります", details)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = HTTP_CODES.get(exc.status_code, "error")
        headers = getattr(exc, "headers", None)
        if exc.status_code == 405:
            headers = {**(headers or {}), "Allow": allowed_methods(request.app.routes, request.scope["path"])}
        return error_response(exc.status_code, code, str(exc.detail), headers=headers)

    # SQLAlchemy's errors, and psycopg's own from the fast lanes' driver connections (service/lanes.py)
    async def _integrity(_: Request, exc: Exception) -> JSONResponse:
        log.warning("integrity error: %s", getattr(exc, "orig", exc))
        return error_response(409, "conflict", "既に登録されているか、関連するデータと矛盾しています")

    async def _data(_: Request, exc: Exception) -> JSONResponse:
        log.warning("data error: %s", getattr(exc, "orig", exc))
        return error_response(422, "validation_failed", "値がデータベースの制約を満たしません")

    async def _operational(_: Request, exc: Exception) -> JSONResponse:
        log.error("database unavailable: %s", getattr(exc, "orig", exc))
        return error_response(503, "unavailable", DATABASE_UNAVAILABLE)

    for handler, errors in (
        (_integrity, (IntegrityError, psycopg.IntegrityError)),
        (_data, (DataError, psycopg.DataError)),
        (_operational, (OperationalError, psycopg.OperationalError)),
    ):
        for error in errors:
            app.add_exception_handler(error, handler)

    @app.exception_handler(PoolTimeout)
    async def _pool_timeout(_: Request, exc: PoolTimeout) -> JSONResponse:
        log.error("database connection pool exhausted: %s", exc)
        return error_response(503, "unavailable", DATABASE_BUSY, headers={"Retry-After": "5"})

    @app.exception_handler(OverflowError)
    async def _overflow(_: Request, exc: OverflowError) -> JSONResponse:
        return error_response(422, "validation_failed", "数値が大きすぎます", {"rule": "number_too_large"})

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return error_response(500, "internal_error", "内部エラーが発生しました")
