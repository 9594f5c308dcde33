"""Log lines carry the request id; the access log's paths carry no secret."""

import logging
from collections.abc import Mapping
from typing import Any

from service.request_context import request_id_var

ACCESS_LOG = logging.getLogger("daicho.access")
# A path parameter by one of these names carries a secret (the parents' barcode link's signed token): the access log
# writes [REDACTED] in its place.
SECRET_PATH_PARAMETERS = frozenset({"token"})
REDACTED = "[REDACTED]"

_base_record_factory = logging.getLogRecordFactory()


def _record_with_request_id(*args: Any, **kwargs: Any) -> logging.LogRecord:
    record = _base_record_factory(*args, **kwargs)
    record.request_id = request_id_var.get()
    return record


def configure_logging(level: int = logging.INFO, *, access_log: bool = True) -> None:
    """Without the access log, a request's line is left out."""
    if logging.getLogRecordFactory() is not _record_with_request_id:
        logging.setLogRecordFactory(_record_with_request_id)
    root = logging.getLogger()
    if not any(getattr(h, "daicho", False) for h in root.handlers):
        handler = logging.StreamHandler()
        handler.daicho = True  # type: ignore[attr-defined]
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"))
        root.addHandler(handler)
    root.setLevel(level)
    ACCESS_LOG.setLevel(logging.NOTSET if access_log else logging.WARNING)


def loggable_path(scope: Mapping[str, Any]) -> str:
    """The query string, where a link's other secrets travel (a cancellation link's token), is never written."""
    path: str = scope["path"]
    params: Mapping[str, Any] = scope.get("path_params") or {}
    secrets = {str(value) for name, value in params.items() if name in SECRET_PATH_PARAMETERS}
    if not secrets:
        return path
    return "/".join(REDACTED if segment in secrets else segment for segment in path.split("/"))
