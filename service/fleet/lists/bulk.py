"""Bulk work (一括操作): one action on many terminals, alerts or incidents chosen in a list, in one request.

The records are read within the caller's customer, locked in id order (`tenancy.get_all_scoped`): one that is not
there, or another customer's, is a 404 and nothing is written. Each record then goes through the same rule as its
own route (so each is audited as one record, in the request's one transaction); when a rule refuses one (an alert
already resolved, a terminal without an agent) the whole request is refused with that record named, and nothing
stays written (`get_db` rolls back).
"""

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.audit.service import Actor
from service.errors import Conflict, DomainError, ValidationFailed
from service.fleet import labels
from service.fleet.alerting import alerts, incidents
from service.fleet.kinds import CommandType, TerminalBulkAction
from service.fleet.lists.schemas import AlertBulkIn, BulkResult, IncidentBulkIn, TerminalBulkIn
from service.fleet.models import Alert, Incident, Terminal
from service.fleet.registry import terminals
from service.fleet.registry.schemas import TerminalFilter
from service.tenancy import TenantScope, get_all_scoped, scoped

R = TypeVar("R", Terminal, Alert, Incident)
W = TypeVar("W", Alert, Incident)


def _each(records: Sequence[R], name: Callable[[R], str], work: Callable[[R], object]) -> list[int]:
    """Apply the work to every record; the first refusal names its record and refuses them all."""
    for record in records:
        try:
            work(record)
        except DomainError as exc:
            exc.message = labels.BULK_REFUSED.format(record=name(record), message=exc.message)
            exc.details = {**(exc.details or {}), "id": record.id}
            raise
    return [record.id for record in records]


def terminals_bulk(db: Session, *, body: TerminalBulkIn, scope: TenantScope, actor: Actor, now: datetime) -> BulkResult:
    """メンテナンス on/off, 診断ログ取得 or 再起動 for every chosen terminal, or every one the filter selects."""
    if body.filter is None:
        chosen = get_all_scoped(db, Terminal, body.ids or [], scope, Terminal.customer_id)
    else:
        chosen = _all_matching(db, body.filter, body.expected, scope)
    diagnostics = {"max_lines": body.max_lines}
    actions: dict[TerminalBulkAction, Callable[[Terminal], object]] = {
        TerminalBulkAction.MAINTENANCE_ON: lambda t: terminals.set_maintenance(
            db, terminal=t, enabled=True, actor=actor, now=now
        ),
        TerminalBulkAction.MAINTENANCE_OFF: lambda t: terminals.set_maintenance(
            db, terminal=t, enabled=False, actor=actor, now=now
        ),
        TerminalBulkAction.DIAGNOSTICS: lambda t: terminals.queue_command(
            db, terminal=t, type=CommandType.COLLECT_DIAGNOSTICS, params=diagnostics, actor=actor, now=now
        ),
        TerminalBulkAction.RESTART: lambda t: terminals.restart(db, terminal=t, actor=actor, now=now),
    }
    done = _each(chosen, lambda t: t.serial_number, actions[body.action])
    return BulkResult(action=body.action, count=len(done), ids=done)


def _all_matching(db: Session, flt: TerminalFilter, expected: int | None, scope: TenantScope) -> list[Terminal]:
    """「条件に合う全件」: the list's result in id order, locked; refused when empty, over the limit, or not the count
    the person confirmed."""
    count = terminals.count_terminals(db, scope=scope, flt=flt)
    if not count:
        raise ValidationFailed(labels.BULK_ALL_NONE, details={"field": "filter"})
    if count > labels.BULK_ALL_MAX:
        message = labels.BULK_ALL_TOO_MANY.format(count=f"{count:,}", max=f"{labels.BULK_ALL_MAX:,}")
        raise ValidationFailed(message, details={"field": "filter", "count": count, "max": labels.BULK_ALL_MAX})
    if expected is not None and expected != count:
        message = labels.BULK_ALL_CHANGED.format(expected=f"{expected:,}", count=f"{count:,}")
        raise Conflict(message, code="bulk_count_changed", details={"expected": expected, "count": count})
    ids = db.scalars(terminals.filtered_terminals(scoped(select(Terminal.id), scope, Terminal.customer_id), flt))
    return get_all_scoped(db, Terminal, list(ids), scope, Terminal.customer_id)


def _work_bulk(
    db: Session, model: type[W], body: AlertBulkIn, scope: TenantScope, work: Callable[[W], object]
) -> BulkResult:
    """An alert's or an incident's step for every chosen one (model: Alert or Incident)."""
    chosen = get_all_scoped(db, model, body.ids, scope, model.customer_id)
    record = labels.BULK_RECORD[model.__tablename__.removeprefix("fleet_")]
    done = _each(chosen, lambda r: record.format(id=r.id), work)
    return BulkResult(action=body.action, count=len(done), ids=done)


def alerts_bulk(db: Session, *, body: AlertBulkIn, scope: TenantScope, actor: Actor, now: datetime) -> BulkResult:
    """初動確認, 担当者 or 解決 (with the same note) for every chosen alert."""
    actions: dict[str, Callable[[Alert], object]] = {
        "acknowledge": lambda a: alerts.acknowledge(db, alert=a, actor=actor, now=now),
        "assign": lambda a: alerts.assign(db, alert=a, assignee_id=body.assignee_id, actor=actor, now=now),
        "resolve": lambda a: alerts.resolve(db, alert=a, note=body.note, actor=actor, now=now),
    }
    return _work_bulk(db, Alert, body, scope, actions[body.action])


def incidents_bulk(db: Session, *, body: IncidentBulkIn, scope: TenantScope, actor: Actor, now: datetime) -> BulkResult:
    """初動確認, 担当者 or 解決 (the note as the resolution) for every chosen incident and its open alerts."""
    actions: dict[str, Callable[[Incident], object]] = {
        "acknowledge": lambda i: incidents.acknowledge(db, incident=i, actor=actor, now=now),
        "assign": lambda i: incidents.assign(db, incident=i, assignee_id=body.assignee_id, actor=actor, now=now),
        "resolve": lambda i: incidents.resolve(db, incident=i, resolution=body.note, actor=actor, now=now),
    }
    return _work_bulk(db, Incident, body, scope, actions[body.action])
