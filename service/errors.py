"""Domain errors and the one handler that renders every error as {"error": {code, message, details}}."""

import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic_core import ErrorDetails
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.openapi import allowed_methods
from service.roles import DOMAINS, PLATFORM
from service.schemas import EMAIL_WORDS, PATTERN_REFUSAL, PATTERN_WORDS, pattern_refusal
from service.words import field_words

log = logging.getLogger("daicho.errors")
DATABASE_UNAVAILABLE = "データベースに接続できません。しばらくしてから再度お試しください"
DATABASE_BUSY = "混み合っています。しばらくしてから再度お試しください"


class DomainError(Exception):
    status_code = 400
    code = "bad_request"
    keep_changes = False
    headers: dict[str, str] | None = None  # sent with the answer (Retry-After)

    def __init__(
        self,
        message: str,
        *,
        details: Any = None,
        code: str | None = None,
        keep_changes: bool = False,
        retry_after: int | None = None,
    ) -> None:
        """retry_after: seconds until the caller may try again (Retry-After)."""
        super().__init__(message)
        self.message = message
        self.details = details
        self.keep_changes = keep_changes
        if code:
            self.code = code
        if retry_after is not None:
            self.headers = {"Retry-After": str(retry_after)}


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
    """422 on that field, not 404: the route's own resource is there; its input is wrong."""
    return ValidationFailed(message, details={"field": field, "rule": "exists"})


class Locked(DomainError):
    status_code = 423
    code = "locked"


class TooManyAttempts(DomainError):
    status_code = 429
    code = "too_many_requests"


class TooLarge(DomainError):
    status_code = 413
    code = "payload_too_large"


class TooManyRequests(DomainError):
    status_code = 429
    code = "too_many_requests"


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
# Starlette's own refusals (an unknown route, a method the route does not take) come with an English phrase
HTTP_MESSAGES = {
    400: "リクエストが正しくありません",
    401: "認証が必要です",
    403: "この操作を行う権限がありません",
    404: "指定されたAPIは存在しません",
    405: "このAPIはこのメソッドに対応していません",
    413: "リクエストが大きすぎます",
    415: "このContent-Typeには対応していません",
    422: "入力内容に誤りがあります",
    429: "リクエストが多すぎます。しばらくしてから再度お試しください",
}
HTTP_FALLBACK = "リクエストを処理できませんでした"

# {name} is filled from the error's ctx (a limit, the allowed choices)
RULE_MESSAGES = {
    "missing": "必須項目です",
    "extra_forbidden": "この項目は指定できません",
    "json_invalid": "JSONの形式が正しくありません",
    "json_type": "JSONの文字列で指定してください",
    "none_required": "null を指定してください",
    "string_type": "文字列で指定してください",
    "string_unicode": "UTF-8の文字列で指定してください",
    "string_too_short": "{min_length}文字以上で入力してください",
    "string_too_long": "{max_length}文字以内で入力してください",
    "string_pattern_mismatch": PATTERN_REFUSAL,
    "string_not_ascii": "半角英数字・記号で入力してください",
    "too_short": "{min_length}件以上指定してください",
    "too_long": "{max_length}件以内で指定してください",
    "greater_than": "{gt}より大きい値を指定してください",
    "greater_than_equal": "{ge}以上の値を指定してください",
    "less_than": "{lt}未満の値を指定してください",
    "less_than_equal": "{le}以下の値を指定してください",
    "multiple_of": "{multiple_of}の倍数を指定してください",
    "finite_number": "有限の数値を指定してください",
    "int_type": "整数で指定してください",
    "int_parsing": "整数で指定してください",
    "int_from_float": "整数で指定してください（小数は指定できません）",
    "int_parsing_size": "数値が大きすぎます",
    "float_type": "数値で指定してください",
    "float_parsing": "数値で指定してください",
    "decimal_type": "数値で指定してください",
    "decimal_parsing": "数値で指定してください",
    "decimal_max_digits": "全体で{max_digits}桁以内の数値を指定してください",
    "decimal_max_places": "小数点以下{decimal_places}桁以内の数値を指定してください",
    "decimal_whole_digits": "整数部{whole_digits}桁以内の数値を指定してください",
    "bool_type": "true または false で指定してください",
    "bool_parsing": "true または false で指定してください",
    "enum": "次のいずれかを指定してください: {expected}",
    "literal_error": "次のいずれかを指定してください: {expected}",
    "date_type": "日付（YYYY-MM-DD）で指定してください",
    "date_parsing": "日付（YYYY-MM-DD）で指定してください",
    "date_from_datetime_parsing": "日付（YYYY-MM-DD）で指定してください",
    "date_from_datetime_inexact": "時刻を含まない日付（YYYY-MM-DD）で指定してください",
    "date_past": "過去の日付を指定してください",
    "date_future": "未来の日付を指定してください",
    "time_type": "時刻（HH:MM）で指定してください",
    "time_parsing": "時刻（HH:MM）で指定してください",
    "datetime_type": "日時（ISO 8601形式）で指定してください",
    "datetime_parsing": "日時（ISO 8601形式）で指定してください",
    "datetime_from_date_parsing": "日時（ISO 8601形式）で指定してください",
    "datetime_object_invalid": "日時（ISO 8601形式）で指定してください",
    "datetime_past": "過去の日時を指定してください",
    "datetime_future": "未来の日時を指定してください",
    "timezone_naive": "タイムゾーンを含まない日時で指定してください",
    "timezone_aware": "タイムゾーン付きの日時で指定してください",
    "timezone_offset": "タイムゾーンのオフセットが正しくありません",
    "time_delta_type": "期間（ISO 8601形式または秒数）で指定してください",
    "time_delta_parsing": "期間（ISO 8601形式または秒数）で指定してください",
    "uuid_type": "UUIDで指定してください",
    "uuid_parsing": "UUIDで指定してください",
    "uuid_version": "UUIDのバージョンが正しくありません",
    "url_type": "URLで指定してください",
    "url_parsing": "URLの形式が正しくありません",
    "url_syntax_violation": "URLの形式が正しくありません",
    "url_too_long": "URLは{max_length}文字以内で指定してください",
    "url_scheme": "URLのスキームは次のいずれかにしてください: {expected_schemes}",
    "bytes_type": "バイト列で指定してください",
    "bytes_too_short": "{min_length}バイト以上で指定してください",
    "bytes_too_long": "{max_length}バイト以内で指定してください",
    "model_type": "オブジェクトで指定してください",
    "model_attributes_type": "オブジェクトで指定してください",
    "dict_type": "オブジェクトで指定してください",
    "mapping_type": "オブジェクトで指定してください",
    "list_type": "配列で指定してください",
    "tuple_type": "配列で指定してください",
    "set_type": "配列で指定してください",
    "frozen_set_type": "配列で指定してください",
    "iterable_type": "配列で指定してください",
    "union_tag_invalid": "{discriminator} は次のいずれかを指定してください: {expected_tags}",
    "union_tag_not_found": "{discriminator} を指定してください",
}
RULE_FALLBACK = "値が正しくありません"
PATTERN_FALLBACK = "形式が正しくありません"  # a pattern without words: never show the expression
EMAIL_MESSAGE = pattern_refusal(EMAIL_WORDS)  # email-validator's refusal
LOCATIONS = {"body", "query", "path", "header", "cookie"}
FIELD_FALLBACK = "入力項目"  # a field without words in the vocabulary: never its name in the code
# pydantic's names of a union's member in a location (('body', 'limit', 'int')), which name no field
CAMEL_HUMPS = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
BODY_SUFFIX = re.compile(r"_(create|update|in|body|write)$")
UNION_MEMBER = re.compile(r"^(str|int|float|bool|bytes|list|dict|set|tuple|none|date|datetime|time)$|[\[(]")
HAS_JAPANESE = re.compile(r"[\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]")


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": jsonable_encoder(details)}}


def error_response(
    status: int, code: str, message: str, details: Any = None, headers: dict | None = None
) -> JSONResponse:
    return JSONResponse(error_body(code, message, details), status_code=status, headers=headers)


@dataclass(frozen=True)
class Fields:
    domain: str = PLATFORM
    target: str = ""

    def words(self, name: str) -> str | None:
        """A camelCase name (the stations' and the nursery pages' bodies) as its snake_case one."""
        return field_words(self.domain, name, self.target) or field_words(
            self.domain, CAMEL_HUMPS.sub("_", name).lower(), self.target
        )

    @classmethod
    def of(cls, route: Any) -> "Fields":
        """The domain whose router serves the route (the platform's for the others) and the record its body model is
        (ChildCreate: child)."""
        package = getattr(getattr(route, "endpoint", None), "__module__", "").split(".")
        domain = package[1] if len(package) > 2 and package[1] in DOMAINS else PLATFORM
        body = getattr(route, "body_field", None)
        model = CAMEL_HUMPS.sub("_", getattr(body.field_info.annotation, "__name__", "") if body else "").lower()
        return cls(domain, BODY_SUFFIX.sub("", model))


def field_label(loc: Iterable[int | str], fields: Fields | None = None) -> str:
    """("body", "sites", 0, "power_branch_name") -> 地点（1件目）の店舗名. A part already Japanese reads as it is; one
    without words reads 入力項目, never its name in the code."""
    where = fields or Fields()
    words: list[str] = []
    for part in (str(part) for part in loc):
        if (not words and part in LOCATIONS) or UNION_MEMBER.search(part):
            continue
        if part.isdigit():
            item = f"{int(part) + 1}件目"
            words[-1:] = [f"{words[-1]}（{item}）" if words else item]
        else:
            words.append(part if HAS_JAPANESE.search(part) else where.words(part) or FIELD_FALLBACK)
    return "の".join(words)


def _choices(expected: str) -> str:
    """'a'、'b'、'c'."""
    return "、".join(part.strip() for part in re.split(r", | or ", expected))


def rule_message(error: ErrorDetails) -> str:
    """Our validators' own (Japanese) message, else the rule's."""
    kind, ctx = error["type"], error.get("ctx") or {}
    own = error["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if kind not in RULE_MESSAGES and HAS_JAPANESE.search(own):
        return own
    if kind == "value_error" and "email" in own:
        return EMAIL_MESSAGE
    template = RULE_MESSAGES.get(kind, RULE_FALLBACK)
    if kind == "string_pattern_mismatch":
        words = PATTERN_WORDS.get(str(ctx.get("pattern")))
        return pattern_refusal(words) if words else PATTERN_FALLBACK
    values = {key: _choices(str(value)) if key == "expected" else value for key, value in ctx.items()}
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError):  # a ctx without the number the template names
        return RULE_FALLBACK


def validation_message(error: ErrorDetails, fields: Fields | None = None) -> str:
    """地点（1件目）の店舗名: 必須項目です; malformed JSON names none (its location is a character position)."""
    field = field_label(error["loc"], fields) if error["type"] != "json_invalid" else ""
    return f"{field}: {rule_message(error)}" if field else rule_message(error)


def validation_details(errors: Iterable[ErrorDetails], fields: Fields | None = None) -> list[dict[str, Any]]:
    return [
        {
            "loc": [str(p) for p in err.get("loc", ())],
            "label": field_label(err.get("loc", ()), fields) if err["type"] != "json_invalid" else "",
            "rule": err["type"],
            "message": validation_message(err, fields),
        }
        for err in errors
    ]


def _http_message(status: int, detail: Any) -> str:
    if isinstance(detail, str) and HAS_JAPANESE.search(detail):
        return detail
    return HTTP_MESSAGES.get(status, HTTP_FALLBACK)


def install_error_handlers(
    app: FastAPI, not_found_under: Mapping[str, Callable[[Request], Response]] | None = None
) -> None:
    """`not_found_under` answers a path no route has under a prefix in that API's own shape (SCIM's)."""

    @app.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> JSONResponse:
        return error_response(exc.status_code, exc.code, exc.message, exc.details, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        details = validation_details(exc.errors(), Fields.of(request.scope.get("route")))
        if any(d["rule"] == "json_invalid" for d in details):
            return error_response(400, "malformed_json", "リクエストのJSONが不正です", details)
        return error_response(422, "validation_failed", "入力内容に誤りがあります", details)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        path = request.scope["path"]
        for prefix, not_found in (not_found_under or {}).items():
            if exc.status_code == 404 and path.startswith(prefix):
                return not_found(request)
        code = HTTP_CODES.get(exc.status_code, "error")
        headers = getattr(exc, "headers", None)
        message = _http_message(exc.status_code, exc.detail)
        if exc.status_code == 405:
            allowed = allowed_methods(request.app.routes, request.scope["path"])
            headers = {**(headers or {}), "Allow": allowed}
            message = f"{message}（使用できるメソッド: {allowed}）"
        return error_response(exc.status_code, code, message, headers=headers)

    @app.exception_handler(IntegrityError)
    async def _integrity(_: Request, exc: IntegrityError) -> JSONResponse:
        log.warning("integrity error: %s", exc.orig)
        return error_response(409, "conflict", "既に登録されているか、関連するデータと矛盾しています")

    @app.exception_handler(DataError)
    async def _data(_: Request, exc: DataError) -> JSONResponse:
        log.warning("data error: %s", exc.orig)
        return error_response(422, "validation_failed", "値がデータベースの制約を満たしません")

    @app.exception_handler(OperationalError)
    async def _operational(_: Request, exc: OperationalError) -> JSONResponse:
        log.error("database unavailable: %s", exc.orig)
        return error_response(503, "unavailable", DATABASE_UNAVAILABLE)

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
