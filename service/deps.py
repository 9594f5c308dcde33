"""Request-level dependencies shared by every router."""

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from service.database import get_db
from service.request_context import request_id_var

DbSession = Annotated[Session, Depends(get_db, scope="function")]


def client_address(request: Request) -> str:
    """The caller's address: the socket peer, what a trusted proxy forwarded, or the browser's the dashboards forwarded
    with their key (see service.main, trusted_proxies, access.DashboardsHop)."""
    return request.client.host[:64] if request.client else "unknown"


def current_request_id() -> str:
    return request_id_var.get()
