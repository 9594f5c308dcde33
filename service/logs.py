"""Log lines: every record carries the id of the request that wrote it; the API's access log (`ACCESS_LOG`)."""

import logging
from typing import Any

from service.request_context import request_id_var

ACCESS_LOG = logging.getLogger("daicho.access")

_base_record_factory = logging.getLogRecordFactory()


def _record_with_request_id(*args: Any, **kwargs: Any) -> logging.LogRecord:
    record = _base_record_factory(*args, **kwargs)
    record.request_id = request_id_var.get()
    return record


def configure_logging(level: int = logging.INFO, *, access_log: bool = True) -> None:
    """Every log record carries the id of the request that wrote it, whichever logger and handler; without the access
    log, a request's line is left out."""
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
