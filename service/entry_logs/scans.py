"""Recording a scan: validation, tenant check, idempotent client scan ids and the double-scan window."""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, false, or_, select
from sqlalchemy.orm import Session

from service.config import get_settings
from service.entry_logs import counts, labels
from service.entry_logs.models import Child, EntryLog, Guardian, Parent
from service.entry_logs.station import Station
from service.errors import Conflict, NotFound, ValidationFailed
from service.tenancy import scoped

PARENT_ID_PATTERN = re.compile(r"[0-9]{1,10}")


@dataclass(frozen=True)
class ScannedParent:
    id: int
    name: str
    nursery_id: int
    child_names: list[str]


@dataclass(frozen=True)
class ScanResult:
    log: EntryLog
    parent: ScannedParent
    duplicate: bool


def parse_parent_id(raw: int | str) -> int:
    """The scanned parent id: 1-10 ASCII digits, as text or as a non-negative number."""
    text = str(raw) if isinstance(raw, int) and not isinstance(raw, bool) else raw
    if not isinstance(text, str) or not PARENT_ID_PATTERN.fullmatch(text):
        raise ValidationFailed(
            labels.BAD_PARENT_ID, code="invalid_parent_id", details={"field": "parentId", "rule": "digits_1_to_10"}
        )
    return int(text)


def scan_time(scanned_at: datetime | None, now: datetime) -> datetime:
    """When the scan happened: now, or a queued scan's own time within the last day (never in the future)."""
    if scanned_at is None:
        return now
    if scanned_at.tzinfo is None:
        raise ValidationFailed(labels.SCANNED_AT_NEEDS_ZONE, details={"field": "scannedAt", "rule": "timezone_required"})
    oldest = now - timedelta(hours=get_settings().entry_logs_scan_max_age_hours)
    if not oldest <= scanned_at <= now + timedelta(minutes=1):
        raise ValidationFailed(labels.SCANNED_AT_OUT_OF_RANGE, details={"field": "scannedAt", "rule": "within_last_day"})
    return min(scanned_at, now)


def _locked_parent(db: Session, parent_id: int, station: Station) -> ScannedParent:
    """The parent within the station's nursery with its children's names, row-locked so scans of one parent queue up."""
    stmt = (
        select(Parent.id, Parent.name, Parent.nursery_id, Child.name)
        .outerjoin(Guardian, Guardian.parent_id == Parent.id)
        .outerjoin(Child, Child.id == Guardian.child_id)
        .where(Parent.id == parent_id)
        .order_by(Child.id)
        .with_for_update(of=Parent)
    )
    rows = db.execute(scoped(stmt, station.scope, Parent.nursery_id)).all()
    if not rows:
        raise NotFound(labels.PARENT_NOT_FOUND, code="parent_not_found", details={"parentId": str(parent_id)})
    first = rows[0]
    return ScannedParent(first[0], first[1], first[2], [row[3] for row in rows if row[3] is not None])


def _earlier_scan(db: Session, *, parent: ScannedParent, entry_type: str, client_scan_id: str | None, at: datetime) -> EntryLog | None:
    """The log this scan repeats: the same client scan id, or the same parent and type within the double-scan window (one query)."""
    window = timedelta(seconds=get_settings().entry_logs_double_scan_seconds)
    double_scan = and_(
        EntryLog.parent_id == parent.id, EntryLog.entry_type == entry_type, EntryLog.deleted_at.is_(None),
        EntryLog.occurred_at > at - window, EntryLog.occurred_at < at + window,
    )
    same_id = and_(EntryLog.nursery_id == parent.nursery_id, EntryLog.client_scan_id == client_scan_id) if client_scan_id else false()
    candidates = db.scalars(select(EntryLog).where(or_(same_id, double_scan)).order_by(EntryLog.occurred_at.desc())).all()
    resent = next((log for log in candidates if client_scan_id and log.client_scan_id == client_scan_id), None)
    if resent is not None and (resent.parent_id, resent.entry_type) != (parent.id, entry_type):
        raise Conflict(labels.SCAN_ID_REUSED, code="client_scan_id_reused", details={"clientScanId": client_scan_id})
    return resent or next(iter(candidates), None)


def record_scan(
    db: Session,
    *,
    station: Station,
    parent_id: int | str,
    entry_type: str,
    nursery_id: int | None = None,
    client_scan_id: str | None = None,
    station_id: str | None = None,
    scanned_at: datetime | None = None,
    now: datetime,
) -> ScanResult:
    """Write one entry/exit log, or return the earlier one when this scan repeats it."""
    number = parse_parent_id(parent_id)
    if nursery_id is not None and nursery_id != station.nursery_id:
        raise ValidationFailed(labels.NURSERY_MISMATCH, code="nursery_mismatch", details={"field": "nurseryId"})
    at = scan_time(scanned_at, now)
    parent = _locked_parent(db, number, station)
    earlier = _earlier_scan(db, parent=parent, entry_type=entry_type, client_scan_id=client_scan_id, at=at)
    if earlier is not None:
        return ScanResult(log=earlier, parent=parent, duplicate=True)
    log = EntryLog(
        parent_id=parent.id, nursery_id=parent.nursery_id, entry_type=entry_type, occurred_at=at,
        created_at=now, station_id=station_id, client_scan_id=client_scan_id,
    )
    db.add(log)
    db.flush()
    counts.add(db, [(log.nursery_id, at, entry_type)], by=1)
    return ScanResult(log=log, parent=parent, duplicate=False)
