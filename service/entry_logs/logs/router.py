"""The log list (§3.4): list, CSV, delete; and 再登録 (CON-B-002), a log recorded by hand.

DELETE /entry-exit-logs/{id} takes `reason` as a query parameter (the body guard does not read DELETE bodies);
`physical=true` is for the 入退管理 管理者 role (and platform admins) only (SEC-006).
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from service import exports
from service.database import utcnow
from service.deps import DbSession
from service.entry_logs.dependencies import (
    DOMAIN,
    Filters,
    ListQuery,
    NurseryParent,
    OldestFirst,
    PathNursery,
    StaffCaller,
    StaffScope,
    list_query,
)
from service.entry_logs.logs import corrections
from service.entry_logs.logs import service as logs
from service.entry_logs.logs.schemas import LogPage, LogRead, ManualLogIn
from service.entry_logs.schemas import NOTE_MAX
from service.schemas import SingleLine

router = APIRouter(tags=["entry_logs"])

Reason = Annotated[str, Query(min_length=1, max_length=NOTE_MAX, description="why the log is deleted"), SingleLine]


@router.get("/entry-exit-logs", response_model=LogPage)
def list_logs(query: Annotated[ListQuery, Depends(list_query)], scope: StaffScope, db: DbSession) -> LogPage:
    offset = (query.page - 1) * query.page_size
    rows, total = logs.list_logs(
        db, flt=query.flt, scope=scope, offset=offset, limit=query.page_size, oldest_first=query.oldest_first
    )
    return LogPage(
        logs=[LogRead.model_validate(r) for r in rows], total_count=total, page=query.page, page_size=query.page_size
    )


@router.get("/entry-exit-logs/export", **exports.DOWNLOAD)
def export_logs(flt: Filters, scope: StaffScope, order: OldestFirst) -> exports.Download:
    """The filtered logs as the CSV download, in the list's order."""
    return exports.download(
        logs.log_export(flt=flt, scope=scope, oldest_first=order), "entry_exit_logs", "入退管理ログ"
    )


@router.delete("/entry-exit-logs/{log_id:int}", status_code=204)
def delete_log(
    log_id: int, reason: Reason, caller: StaffCaller, scope: StaffScope, db: DbSession, physical: bool = False
) -> None:
    logs.delete_log(
        db,
        log_id=log_id,
        scope=scope,
        reason=reason,
        physical=physical,
        domain_admin=caller.has_role(DOMAIN, "admin"),
        actor=caller.actor,
        now=utcnow(),
    )


@router.post("/entry-logs/nurseries/{nursery_id}/parents/{parent_id}/logs", response_model=LogRead, status_code=201)
def record_log(
    nursery: PathNursery, parent: NurseryParent, body: ManualLogIn, caller: StaffCaller, db: DbSession
) -> LogRead:
    """再登録 (CON-B-002): record by hand the entry or exit a scan missed, at its real time (today or an earlier day
    within the retention) with the reason; the log is marked 手入力 with who and why, and counted as a scan is."""
    log = corrections.record_log(
        db,
        nursery=nursery,
        parent=parent,
        entry_type=body.entry_type,
        at=body.occurred_at,
        reason=body.reason,
        actor=caller.actor,
        now=utcnow(),
    )
    return LogRead.model_validate(logs.log_row(db, log.id))
