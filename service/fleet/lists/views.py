"""保存したビュー: each person's filters of a fleet list, saved by name and opened again from the list.

A view belongs to the person who saved it: another person's view is a 404, as an unknown one. The filters are the
page's own query parameters; the list they are sent to scopes them as any other request (a view naming a customer
the person can no longer see lists nothing of it)."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from service import fields
from service.audit import service as audit
from service.audit.service import Actor
from service.errors import Conflict, NotFound
from service.fleet import auditing, labels
from service.fleet.lists.schemas import SavedViewCreate
from service.fleet.models import SavedView

FIELDS = fields.audited(SavedView)  # page, name, filters


def list_views(db: Session, *, user_id: int, page: str) -> list[SavedView]:
    """The person's views of one list, by name."""
    stmt = select(SavedView).where(SavedView.user_id == user_id, SavedView.page == page)
    return list(db.scalars(stmt.order_by(SavedView.name, SavedView.id)))


def create_view(db: Session, *, user_id: int, body: SavedViewCreate, actor: Actor, now: datetime) -> SavedView:
    """Save the filters under a name not yet used for the page (409 when it is)."""
    if any(view.name == body.name for view in list_views(db, user_id=user_id, page=body.page)):
        raise Conflict(labels.VIEW_NAME_TAKEN.format(name=body.name), code="view_name_taken", details={"field": "name"})
    view = SavedView(user_id=user_id, page=body.page, name=body.name, filters=body.filters, created_at=now)
    db.add(view)
    db.flush()
    after = audit.snapshot(view, FIELDS)
    auditing.record(db, actor, "create_saved_view", "saved_view", view.id, audit.diff({}, after), at=now)
    return view


def delete_view(db: Session, *, user_id: int, view_id: int, actor: Actor, now: datetime) -> None:
    """Delete one of the person's own views (anyone else's, or an unknown one: 404)."""
    view = db.scalar(select(SavedView).where(SavedView.id == view_id, SavedView.user_id == user_id))
    if view is None:
        raise NotFound("指定されたビューは見つかりません", details={"resource": "fleet_saved_view", "id": str(view_id)})
    before = audit.snapshot(view, FIELDS)
    db.delete(view)
    db.flush()
    auditing.record(db, actor, "delete_saved_view", "saved_view", view_id, audit.diff(before, {}), at=now)
