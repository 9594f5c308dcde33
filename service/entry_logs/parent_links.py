"""The parent's barcode link (§3.1, §6.1): `<parent id>.<version>.<HMAC of both>` under the service's secret key.
Revoking or reissuing bumps the version, so every earlier link stops working."""

import base64
import hashlib
import hmac
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.audit import service as audit
from service.audit.service import Actor
from service.config import get_settings
from service.entry_logs import labels
from service.entry_logs.models import Nursery, Parent
from service.errors import NotFound
from service.links import api_page

DOMAIN = "entry_logs"
PURPOSE = b"entry_logs.parent_link"
PAGE_PATH = "/api/parent-barcode/"


def _signature(parent_id: int, version: int) -> str:
    key = hmac.new(get_settings().secret_key.encode(), PURPOSE, hashlib.sha256).digest()
    digest = hmac.new(key, f"{parent_id}.{version}".encode(), hashlib.sha256).digest()[:18]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def link_token(parent: Parent) -> str | None:
    """None while the link is revoked."""
    if parent.link_revoked:
        return None
    return f"{parent.id}.{parent.link_version}.{_signature(parent.id, parent.link_version)}"


def link_url(parent: Parent) -> str | None:
    token = link_token(parent)
    return None if token is None else api_page(PAGE_PATH + token)


def _claims(token: str) -> tuple[int, int] | None:
    parent_id, _, rest = token.partition(".")
    version, _, signature = rest.partition(".")
    if not (parent_id.isdigit() and version.isdigit() and len(parent_id) <= 10 and len(version) <= 9):
        return None
    if not hmac.compare_digest(signature, _signature(int(parent_id), int(version))):
        return None
    return int(parent_id), int(version)


def parent_for_token(db: Session, token: str) -> tuple[Parent, Nursery]:
    """404 link_invalid when it is forged, outdated or revoked."""
    claims = _claims(token)
    row = None
    if claims is not None:
        row = db.execute(
            select(Parent, Nursery).join(Nursery, Nursery.id == Parent.nursery_id).where(Parent.id == claims[0])
        ).first()
    if claims is None or row is None or link_token(row.Parent) is None or row.Parent.link_version != claims[1]:
        raise NotFound(labels.PARENT_LINK_INVALID, code="link_invalid")
    return row.Parent, row.Nursery


def set_link(db: Session, *, parent: Parent, active: bool, actor: Actor, now: datetime) -> Parent:
    before = {"link_version": parent.link_version, "link_revoked": parent.link_revoked}
    parent.link_version += 1
    parent.link_revoked = not active
    db.flush()
    after = {"link_version": parent.link_version, "link_revoked": parent.link_revoked}
    audit.record(
        db,
        actor=actor,
        action="reissue_parent_link" if active else "revoke_parent_link",
        domain=DOMAIN,
        target_type="parent",
        target_id=parent.id,
        changes=audit.diff(before, after),
        at=now,
    )
    return parent
