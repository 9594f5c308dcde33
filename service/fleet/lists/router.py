"""What the fleet lists share: bulk work on the chosen terminals, alerts or incidents (一括操作), and each
person's saved views of a list (保存したビュー)."""

from fastapi import APIRouter

from service.database import utcnow
from service.deps import DbSession
from service.fleet.dependencies import Operator, Reader, Scope
from service.fleet.kinds import ViewPage
from service.fleet.lists import bulk, views
from service.fleet.lists.schemas import (
    AlertBulkIn,
    BulkResult,
    IncidentBulkIn,
    SavedViewCreate,
    SavedViewRead,
    TerminalBulkIn,
)
from service.openapi import declares

router = APIRouter(prefix="/fleet", tags=["fleet"])


@router.post("/terminals/bulk", response_model=BulkResult)
@declares(404)
def terminals_bulk(body: TerminalBulkIn, caller: Operator, scope: Scope, db: DbSession) -> BulkResult:
    """メンテナンス on/off, 診断ログ取得 or 再起動 for every chosen terminal, all or none, audited per terminal."""
    return bulk.terminals_bulk(db, body=body, scope=scope, actor=caller.actor, now=utcnow())


@router.post("/alerts/bulk", response_model=BulkResult)
@declares(404)
def alerts_bulk(body: AlertBulkIn, caller: Reader, scope: Scope, db: DbSession) -> BulkResult:
    """初動確認, 担当者 or 解決 (the same note) for every chosen alert, all or none, audited per alert."""
    return bulk.alerts_bulk(db, body=body, scope=scope, actor=caller.actor, now=utcnow())


@router.post("/incidents/bulk", response_model=BulkResult)
@declares(404)
def incidents_bulk(body: IncidentBulkIn, caller: Reader, scope: Scope, db: DbSession) -> BulkResult:
    """初動確認, 担当者 or 解決 (the same resolution) for every chosen incident and its alerts, all or none."""
    return bulk.incidents_bulk(db, body=body, scope=scope, actor=caller.actor, now=utcnow())


@router.get("/views", response_model=list[SavedViewRead])
def list_views(page: ViewPage, caller: Reader, db: DbSession) -> list:
    """The caller's own saved views of one list (terminals, alerts, incidents), by name."""
    return views.list_views(db, user_id=caller.user_id, page=page)


@router.post("/views", response_model=SavedViewRead, status_code=201)
def create_view(body: SavedViewCreate, caller: Reader, db: DbSession) -> SavedViewRead:
    view = views.create_view(db, user_id=caller.user_id, body=body, actor=caller.actor, now=utcnow())
    return SavedViewRead.model_validate(view)


@router.delete("/views/{view_id}", status_code=204)
def delete_view(view_id: int, caller: Reader, db: DbSession) -> None:
    views.delete_view(db, user_id=caller.user_id, view_id=view_id, actor=caller.actor, now=utcnow())
