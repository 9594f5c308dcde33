"""Request-level dependencies shared by every router."""

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from service.database import get_db
from service.observability import request_id_var

DbSession = Annotated[Session, Depends(get_db, scope="function")]


def client_address(request: Request) -> str:
    """The caller's address: the first X-Forwarded-For hop behind a proxy, else the socket peer."""
    forwarded = request.headers.get("x-forwarded-for", "")
    if forwarded:
        return forwarded.split(",")[0].strip()[:64]
    return request.client.host if request.client else "unknown"


def current_request_id() -> str:
    return request_id_var.get()
