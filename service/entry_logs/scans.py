"""Recording a scan: validation, tenant check, idempotent client scan ids and the double-scan window."""

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Select, and_, bindparam, false, insert, or_, select, true

from service.config import get_settings
from service.entry_logs import counts, labels
from service.entry_logs.models import Child, EntryLog, Guardian, Nursery, Parent, StationSession
from service.entry_logs.schemas import ScanIn
from service.entry_logs.station import (
    StationClaims,
    admit,
    admit_fingerprint,
    admitted_fingerprint,
    admitted_in_sql,
    open_session_join,
)
from service.errors import Conflict, NotFound, ValidationFailed
from service.lanes import Batch, Query, Work
from service.tenancy import scoped_by_parameter, tenant_parameter

PARENT_ID_PATTERN = re.compile(r"[0-9]{1,10}")
SCANNER_SUFFIXES = " \r\n\t"
STATION_CLOCK_NOTED = timedelta(minutes=1)  # a station's reading further off than this is kept beside the log


@dataclass(frozen=True)
class ScannedParent:
    id: int
    name: str
    nursery_id: int
    child_names: list[str]


@dataclass(frozen=True)
class ScannedLog:
    id: int
    parent_id: int
    nursery_id: int
    entry_type: str
    occurred_at: datetime
    client_scan_id: str | None


@dataclass(frozen=True)
class ScanResult:
    log: ScannedLog
    parent: ScannedParent
    duplicate: bool


def parse_parent_id(raw: int | str) -> int:
    """The scanned parent id: 1-10 ASCII digits, as text or as a non-negative number.

    Text is read as a scanner sends it: NFKC-normalised (full-width digits typed with the IME on) and without the
    spaces and CR, LF or Tab a scanner adds as its suffix.
    """
    text = str(raw) if isinstance(raw, int) and not isinstance(raw, bool) else raw
    if isinstance(text, str):
        text = unicodedata.normalize("NFKC", text).strip(SCANNER_SUFFIXES)
    if not isinstance(text, str) or not PARENT_ID_PATTERN.fullmatch(text):
        raise ValidationFailed(
            labels.BAD_PARENT_ID, code="invalid_parent_id", details={"field": "parentId", "rule": "digits_1_to_10"}
        )
    return int(text)


@dataclass(frozen=True)
class ScanTime:
    """When a scan is recorded, and the station's own reading of it where the two differ (its clock is off)."""

    at: datetime
    station_at: datetime | None


def _with_zone(moment: datetime, field: str) -> datetime:
    if moment.tzinfo is None:
        raise ValidationFailed(labels.SCANNED_AT_NEEDS_ZONE, details={"field": field, "rule": "timezone_required"})
    return moment


def scan_time(scanned_at: datetime | None, sent_at: datetime | None, now: datetime) -> ScanTime:
    """When the scan happened, by the service's clock: now, less the time the station held it.

    A station's clock can be off by minutes: with `sentAt` (its clock when it sent the scan) only the difference
    between its two readings counts, so a scan is never refused or misfiled for the tablet's clock. Without it, a
    scan time ahead of now is taken as now. A scan is a fact: a station that was offline over a weekend sends
    Friday's scans on Monday, and they are kept (flagged as late in the list and the CSV); only one older than the
    retention period is refused.
    """
    if scanned_at is None:
        return ScanTime(now, None)
    scanned_at = _with_zone(scanned_at, "scannedAt")
    if sent_at is None:
        at = min(scanned_at, now)
    else:
        at = now - max(_with_zone(sent_at, "sentAt") - scanned_at, timedelta(0))
    if at < now - timedelta(days=get_settings().entry_logs_retention_days):
        details = {"field": "scannedAt", "rule": "within_retention_period"}
        raise ValidationFailed(labels.SCANNED_AT_TOO_OLD, details=details)
    return ScanTime(at, scanned_at if abs(scanned_at - at) > STATION_CLOCK_NOTED else None)


_LOCKED_PARENT = scoped_by_parameter(
    select(
        Parent.id,
        Parent.name,
        Parent.nursery_id,
        Child.name,
        Nursery.entry_exit_password_hash,
        Nursery.station_generation,
        StationSession.id,
    )
    .join(Nursery, Nursery.id == Parent.nursery_id)
    .outerjoin(StationSession, open_session_join(Parent.nursery_id))
    .outerjoin(Guardian, Guardian.parent_id == Parent.id)
    .outerjoin(Child, Child.id == Guardian.child_id)
    .where(Parent.id == bindparam("parent_id"))
    .order_by(Child.id)
    .with_for_update(of=Parent),
    Parent.nursery_id,
)


def _parent_parameters(claims: StationClaims, parent_id: int) -> dict[str, object]:
    return {
        "parent_id": parent_id,
        "session_id": claims.session_id,
        **tenant_parameter(claims.scope, Parent.nursery_id),
    }


def _admitted_parent(claims: StationClaims, parent_id: int, rows: Sequence[Sequence]) -> Work[ScannedParent]:
    """The station admitted, then the parent (with the children's names) its locked rows hold; when there are none
    the nursery alone is read, to tell a station that is not let in (401) from an unknown parent (404)."""
    if not rows:
        yield from admitted_fingerprint(claims)
        raise NotFound(labels.PARENT_NOT_FOUND, code="parent_not_found", details={"parentId": str(parent_id)})
    first = rows[0]
    admit(claims, first[4], first[5], first[6])
    return ScannedParent(first[0], first[1], first[2], [row[3] for row in rows if row[3] is not None])


_LOG_COLUMNS = (
    EntryLog.id,
    EntryLog.parent_id,
    EntryLog.nursery_id,
    EntryLog.entry_type,
    EntryLog.occurred_at,
    EntryLog.client_scan_id,
)
_EARLIER_SCANS = (
    select(*_LOG_COLUMNS)
    .where(
        or_(
            and_(
                EntryLog.nursery_id == bindparam("nursery_id"),
                EntryLog.client_scan_id == bindparam("client_scan_id"),
            ),
            and_(
                EntryLog.parent_id == bindparam("parent_id"),
                EntryLog.entry_type == bindparam("entry_type"),
                EntryLog.deleted_at.is_(None),
                EntryLog.occurred_at > bindparam("window_start"),
                EntryLog.occurred_at < bindparam("window_end"),
            ),
        )
    )
    .order_by(EntryLog.occurred_at.desc())
)
# PostgreSQL: the parent is the station's nursery's and the station is still let in (`admit`, in SQL).
_ADMITTED_PARENT = scoped_by_parameter(
    select(Parent.id)
    .join(Nursery, Nursery.id == Parent.nursery_id)
    .join(StationSession, open_session_join(Parent.nursery_id))
    .where(Parent.id == bindparam("parent_id"), admitted_in_sql()),
    Parent.nursery_id,
).exists()
_NEW_LOG = (
    "parent_id",
    "nursery_id",
    "entry_type",
    "occurred_at",
    "created_at",
    "station_id",
    "client_scan_id",
    "station_scanned_at",
)
_NEW_LOG_VALUES = [bindparam(name, type_=EntryLog.__table__.c[name].type) for name in _NEW_LOG]
_INSERT_LOG = insert(EntryLog).values(dict(zip(_NEW_LOG, _NEW_LOG_VALUES, strict=True))).returning(EntryLog.id)


def _written_unless_repeated() -> Select:
    """PostgreSQL, in one statement: the earlier logs this scan repeats (written=false) or, when there are none and
    the station is let in, the new log (written=true), inserted and counted in its hour. One snapshot, taken under
    the parent's lock."""
    earlier = _EARLIER_SCANS.cte("earlier")
    written = (
        insert(EntryLog)
        .from_select(_NEW_LOG, select(*_NEW_LOG_VALUES).where(~select(earlier.c.id).exists(), _ADMITTED_PARENT))
        .returning(*_LOG_COLUMNS)
        .cte("written")
    )
    return (
        select(*earlier.c, false().label("written"))
        .union_all(select(*written.c, true()))
        .add_cte(counts.counted_rows(written).cte("counted"))
        .order_by(EntryLog.occurred_at.desc())
    )


_WRITTEN_UNLESS_REPEATED = _written_unless_repeated()


@dataclass(frozen=True)
class NewScan:
    parent_id: int
    nursery_id: int
    entry_type: str
    client_scan_id: str | None
    station_id: str | None
    at: datetime
    station_at: datetime | None
    now: datetime

    def parameters(self) -> dict[str, object]:
        window = timedelta(seconds=get_settings().entry_logs_double_scan_seconds)
        return {
            "nursery_id": self.nursery_id,
            "client_scan_id": self.client_scan_id,
            "parent_id": self.parent_id,
            "entry_type": self.entry_type,
            "window_start": self.at - window,
            "window_end": self.at + window,
            "occurred_at": self.at,
            "created_at": self.now,
            "station_id": self.station_id,
            "station_scanned_at": self.station_at,
            "hour_start": counts.hour_of(self.at),
        }

    def log(self, log_id: int) -> ScannedLog:
        return ScannedLog(log_id, self.parent_id, self.nursery_id, self.entry_type, self.at, self.client_scan_id)


def _logs(rows: Sequence[Sequence]) -> list[ScannedLog]:
    return [ScannedLog(*row[:4], row[4].astimezone(UTC), row[5]) for row in rows]


def _locked_and_written(
    claims: StationClaims, scan: NewScan
) -> Work[tuple[ScannedParent, list[ScannedLog], ScannedLog | None]]:
    """PostgreSQL, one batch (one round trip, one transaction): the parent locked, then, seeing what committed before
    the lock was granted, the earlier logs this scan repeats, or none and the log written for it (and counted)."""
    lock = Query(_LOCKED_PARENT, _parent_parameters(claims, scan.parent_id))
    write = Query(_WRITTEN_UNLESS_REPEATED, scan.parameters() | lock.params | {"pwf": claims.pwf})
    rows, logs = yield Batch((lock, write))
    parent = yield from _admitted_parent(claims, scan.parent_id, rows)
    if not logs:  # the station was let in when the parent was locked, no longer when the write looked
        admit_fingerprint(claims, "")
    if logs[0][6]:  # written: then nothing was earlier
        return parent, [], _logs(logs)[0]
    return parent, _logs(logs), None


def _locked_then_written(
    claims: StationClaims, scan: NewScan
) -> Work[tuple[ScannedParent, list[ScannedLog], ScannedLog | None]]:
    """SQLite (one writer at a time): the same in four statements of the lane's transaction."""
    rows = yield Query(_LOCKED_PARENT, _parent_parameters(claims, scan.parent_id))
    parent = yield from _admitted_parent(claims, scan.parent_id, rows)
    parameters = scan.parameters()
    earlier = _logs((yield Query(_EARLIER_SCANS, parameters)))
    if earlier:
        return parent, earlier, None
    yield counts.counted(scan.nursery_id, scan.at, scan.entry_type, by=1)
    log_id = yield Query(_INSERT_LOG, parameters, fetch="scalar")
    return parent, [], scan.log(log_id)


def _repeated(scan: NewScan, earlier: list[ScannedLog]) -> ScannedLog:
    """The log this scan repeats: the same client scan id, or the same parent and type within the double-scan window."""
    client_scan_id = scan.client_scan_id
    resent = next((log for log in earlier if client_scan_id and log.client_scan_id == client_scan_id), None)
    if resent is not None and (resent.parent_id, resent.entry_type) != (scan.parent_id, scan.entry_type):
        raise Conflict(labels.SCAN_ID_REUSED, code="client_scan_id_reused", details={"clientScanId": client_scan_id})
    return resent or earlier[0]


def record_scan(claims: StationClaims, scan: ScanIn, now: datetime) -> Work[ScanResult]:
    """Write one entry/exit log, or return the earlier one when this scan repeats it; the station is checked first."""
    number = parse_parent_id(scan.parent_id)
    if scan.nursery_id is not None and scan.nursery_id != claims.nursery_id:
        raise ValidationFailed(labels.NURSERY_MISMATCH, code="nursery_mismatch", details={"field": "nurseryId"})
    when = scan_time(scan.scanned_at, scan.sent_at, now)
    new = NewScan(
        number, claims.nursery_id, scan.entry_type, scan.client_scan_id, scan.station_id, when.at, when.station_at, now
    )
    locked_and_written = _locked_then_written if get_settings().is_sqlite else _locked_and_written
    parent, earlier, written = yield from locked_and_written(claims, new)
    if written is None:
        return ScanResult(log=_repeated(new, earlier), parent=parent, duplicate=True)
    return ScanResult(log=written, parent=parent, duplicate=False)
