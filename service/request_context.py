"""The request id of the request being served, for log lines, audit entries and error answers."""

from contextvars import ContextVar

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")
