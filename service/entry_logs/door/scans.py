"""Recording a scan: validation, tenant check, idempotent client scan ids, the double-scan window, and the 入/出 the
nursery's mode decides (自動: the opposite of the person's state today, read in the write's own statement)."""

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import NamedTuple

from sqlalchemy import ColumnElement, String, and_, bindparam, case, func, literal_column, or_, select
from sqlalchemy.orm import Session, aliased

from service.config import get_settings
from service.dialect import Dialect, InsertUnlessFound, Step, current
from service.entry_logs import counts, labels
from service.entry_logs.door.schemas import ScanIn
from service.entry_logs.lookups import day_bounds, local_today
from service.entry_logs.models import (
    AUTO,
    ENTRY,
    EXIT,
    ONE_DAY,
    PRESENCE,
    TOGGLE,
    Attendance,
    Child,
    EntryLog,
    Guardian,
    Nursery,
    Parent,
    PickupRule,
    StationSession,
)
from service.entry_logs.pickup import service as pickup
from service.entry_logs.station import (
    StationClaims,
    admit,
    admit_fingerprint,
    admitted_fingerprint,
    admitted_in_sql,
    open_session_join,
)
from service.errors import Conflict, NotFound, ValidationFailed
from service.tenancy import scoped_by_parameter, tenant_parameter

PARENT_ID_PATTERN = re.compile(r"[0-9]{1,10}")
SCANNER_SUFFIXES = " \r\n\t"
STATION_CLOCK_NOTED = timedelta(minutes=1)  # a station's reading further off than this is kept beside the log


@dataclass(frozen=True)
class ScannedParent:
    id: int
    name: str
    nursery_id: int
    child_names: list[str]  # 欠席 left out
    pickup_check: bool = False
    photo_version: int = 0


@dataclass(frozen=True)
class ScannedLog:
    id: int
    parent_id: int
    nursery_id: int
    entry_type: str
    occurred_at: datetime
    client_scan_id: str | None
    decided_by: str


@dataclass(frozen=True)
class ScanResult:
    log: ScannedLog
    parent: ScannedParent
    duplicate: bool
    refused_children: tuple[str, ...] = ()  # expected today, and this adult may not collect them (an exit)


def parse_parent_id(raw: int | str) -> int:
    """1-10 ASCII digits. Text is read as a scanner sends it: NFKC (full-width digits typed with the IME on), without
    the spaces, CR, LF or Tab a scanner adds as its suffix."""
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
    at: datetime
    station_at: datetime | None


def _with_zone(moment: datetime, field: str) -> datetime:
    if moment.tzinfo is None:
        raise ValidationFailed(labels.SCANNED_AT_NEEDS_ZONE, details={"field": field, "rule": "timezone_required"})
    return moment


def scan_time(scanned_at: datetime | None, sent_at: datetime | None, now: datetime) -> ScanTime:
    """With `sentAt` only the difference between the station's two readings counts, so a scan is never refused or
    misfiled for the tablet's clock; without it, a time ahead of now is taken as now. A scan is a fact: one sent late (a
    station offline over a weekend) is kept; only one older than the retention period is refused."""
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


class LockedParent(NamedTuple):
    """One per child (none when the parent has none)."""

    parent_id: int
    parent_name: str
    nursery_id: int
    child_name: str | None
    child_absent: bool  # 欠席 is registered for the child on the scan's day: not greeted, not expected
    pickup_check: bool  # the adult has pickup rules: an exit looks them up (pickup.refused_children)
    photo_version: int
    password_stamp: str | None
    station_generation: int
    session_id: int | None


_LOCKED_PARENT = scoped_by_parameter(
    select(
        Parent.id.label("parent_id"),
        Parent.name.label("parent_name"),
        Parent.nursery_id.label("nursery_id"),
        Child.name.label("child_name"),
        Attendance.id.is_not(None).label("child_absent"),
        Parent.pickup_check.label("pickup_check"),
        Parent.photo_version.label("photo_version"),
        Nursery.station_stamp.label("password_stamp"),
        Nursery.station_generation.label("station_generation"),
        StationSession.id.label("session_id"),
    )
    .join(Nursery, Nursery.id == Parent.nursery_id)
    .outerjoin(StationSession, open_session_join(Parent.nursery_id))
    .outerjoin(Guardian, Guardian.parent_id == Parent.id)
    # a 「本日のみ」 person's children: their pass's, on its date (never guardians)
    .outerjoin(
        PickupRule,
        and_(
            PickupRule.parent_id == Parent.id,
            PickupRule.kind == ONE_DAY,
            Parent.pass_date == bindparam("day", type_=Parent.__table__.c.pass_date.type),
        ),
    )
    .outerjoin(Child, Child.id == func.coalesce(Guardian.child_id, PickupRule.child_id))
    .outerjoin(Attendance, pickup.absent_on_day(Child.id))
    .where(Parent.id == bindparam("parent_id"))
    .order_by(Child.id)
    .with_for_update(of=Parent),
    Parent.nursery_id,
)


def _parent_parameters(claims: StationClaims, parent_id: int, day: date) -> dict[str, object]:
    return {
        "parent_id": parent_id,
        "day": day,
        "session_id": claims.session_id,
        **tenant_parameter(claims.scope, Parent.nursery_id),
    }


def _admitted_parent(db: Session, claims: StationClaims, parent_id: int, rows: list[LockedParent]) -> ScannedParent:
    """When there are none the nursery alone is read, to tell a station not let in (401) from an unknown parent
    (404)."""
    if not rows:
        admitted_fingerprint(db, claims)
        raise NotFound(labels.PARENT_NOT_FOUND, code="parent_not_found", details={"parentId": str(parent_id)})
    first = rows[0]
    admit(claims, first)
    children = [row.child_name for row in rows if row.child_name is not None and not row.child_absent]
    return ScannedParent(
        first.parent_id,
        first.parent_name,
        first.nursery_id,
        children,
        first.pickup_check,
        first.photo_version,
    )


class LogRow(NamedTuple):
    id: int
    parent_id: int
    nursery_id: int
    entry_type: str
    occurred_at: datetime
    client_scan_id: str | None
    decided_by: str
    written: bool

    def log(self) -> ScannedLog:
        return ScannedLog(
            self.id,
            self.parent_id,
            self.nursery_id,
            self.entry_type,
            self.occurred_at.astimezone(UTC),
            self.client_scan_id,
            self.decided_by,
        )


_LOG_COLUMNS = (
    EntryLog.id,
    EntryLog.parent_id,
    EntryLog.nursery_id,
    EntryLog.entry_type,
    EntryLog.occurred_at,
    EntryLog.client_scan_id,
    EntryLog.decided_by,
)
# The parent's state today before the scan (NULL: none, so out): one backward step on the parent's covering index. Short
# aliases and codes inlined into the SQL keep the statement under psycopg's query cache limit (4 KB): a longer one is
# parsed again on every scan (test_scans.py holds it).
_EARLIER = aliased(EntryLog, name="e")
_NURSERY = aliased(Nursery, name="n")
_STATE_BEFORE = (
    select(_EARLIER.entry_type)
    .where(
        _EARLIER.parent_id == bindparam("parent_id"),
        _EARLIER.deleted_at.is_(None),
        _EARLIER.occurred_at >= bindparam("day_start"),
        _EARLIER.occurred_at < bindparam("occurred_at"),
    )
    .order_by(_EARLIER.occurred_at.desc(), _EARLIER.id.desc())
    .limit(literal_column("1"))
    .scalar_subquery()
)


def _constant(text: str) -> ColumnElement[str]:
    return literal_column(f"'{text}'", String())


_AUTO = _NURSERY.entry_mode == _constant(AUTO)
# 自動: the opposite of the state; 手動: the station's button.
_DECISION = (
    select(
        case(
            (~_AUTO, bindparam("entry_type", type_=String())),
            (_STATE_BEFORE == _constant(ENTRY), _constant(EXIT)),
            else_=_constant(ENTRY),
        ).label("entry_type"),
        case((_AUTO, _constant(PRESENCE)), else_=_constant(TOGGLE)).label("decided_by"),
    )
    .where(_NURSERY.id == bindparam("nursery_id"))
    .subquery("decision")
)
_EARLIER_SCANS = select(*_LOG_COLUMNS).where(
    or_(
        and_(
            EntryLog.nursery_id == bindparam("nursery_id"),
            EntryLog.client_scan_id == bindparam("client_scan_id"),
        ),
        and_(
            EntryLog.parent_id == bindparam("parent_id"),
            # a second read after a scan its person's state decided (自動) repeats it whatever its type
            or_(EntryLog.entry_type == bindparam("entry_type"), EntryLog.decided_by == _constant(PRESENCE)),
            EntryLog.deleted_at.is_(None),
            EntryLog.occurred_at > bindparam("window_start"),
            EntryLog.occurred_at < bindparam("window_end"),
        ),
    )
)
_STATION_PARENT = scoped_by_parameter(
    select(Parent.id)
    .join(StationSession, open_session_join(Parent.nursery_id))
    .where(Parent.id == bindparam("parent_id")),
    Parent.nursery_id,
).exists()
# The same, and the station still let in (`admit`, in SQL: PostgreSQL).
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
    "occurred_at",
    "created_at",
    "station_id",
    "client_scan_id",
    "station_scanned_at",
)
_WRITTEN_UNLESS_REPEATED = InsertUnlessFound(
    found=_EARLIER_SCANS,
    order_by=EntryLog.occurred_at.desc(),
    into=EntryLog,
    values={name: bindparam(name, type_=EntryLog.__table__.c[name].type) for name in _NEW_LOG}
    | {"entry_type": _DECISION.c.entry_type, "decided_by": _DECISION.c.decided_by},
    returning=_LOG_COLUMNS,
    condition=_STATION_PARENT,
    committed_condition=_ADMITTED_PARENT,
    also=counts.counted_rows,
)


@cache
def _write_steps(dialect: Dialect) -> tuple[Step, ...]:
    return dialect.insert_unless_found(_WRITTEN_UNLESS_REPEATED)


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

    def parameters(self, day: date) -> dict[str, object]:
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
            "day_start": day_bounds(day)[0],
        }


def _locked_and_written(
    db: Session, claims: StationClaims, scan: NewScan
) -> tuple[ScannedParent, list[ScannedLog], ScannedLog | None]:
    """Seeing what committed before the lock was granted; on PostgreSQL the station is checked again in the write's own
    snapshot, which may be newer than the lock's."""
    day = local_today(scan.at)
    parent_parameters = _parent_parameters(claims, scan.parent_id, day)
    connection = db.connection()
    locked = [LockedParent(**row._mapping) for row in connection.execute(_LOCKED_PARENT, parent_parameters)]
    parent = _admitted_parent(db, claims, scan.parent_id, locked)
    parameters = scan.parameters(day) | parent_parameters | {"pwf": claims.pwf}
    logs: list[LogRow] = []
    for step in _write_steps(current()):
        result = connection.execute(step.statement, parameters)
        if step.answers:
            logs += [LogRow(**row._mapping) for row in result]
    if not logs:  # the station was let in when the parent was locked, no longer when the write looked
        admit_fingerprint(claims, "")
    if logs[0].written:
        return parent, [], logs[0].log()
    return parent, [row.log() for row in logs], None


def _repeated(scan: NewScan, earlier: list[ScannedLog]) -> ScannedLog:
    """The same client scan id, or the same parent within the double-scan window (of the same type, unless 自動)."""
    client_scan_id = scan.client_scan_id
    resent = next((log for log in earlier if client_scan_id and log.client_scan_id == client_scan_id), None)
    if resent is not None and (
        resent.parent_id != scan.parent_id or (resent.decided_by == TOGGLE and resent.entry_type != scan.entry_type)
    ):
        raise Conflict(labels.SCAN_ID_REUSED, code="client_scan_id_reused", details={"clientScanId": client_scan_id})
    return resent or earlier[0]


def record_scan(db: Session, claims: StationClaims, scan: ScanIn, now: datetime) -> ScanResult:
    number = parse_parent_id(scan.parent_id)
    if scan.nursery_id is not None and scan.nursery_id != claims.nursery_id:
        raise ValidationFailed(labels.NURSERY_MISMATCH, code="nursery_mismatch", details={"field": "nurseryId"})
    when = scan_time(scan.scanned_at, scan.sent_at, now)
    new = NewScan(
        number, claims.nursery_id, scan.entry_type, scan.client_scan_id, scan.station_id, when.at, when.station_at, now
    )
    parent, earlier, written = _locked_and_written(db, claims, new)
    log = written or _repeated(new, earlier)
    refused: tuple[str, ...] = ()
    if parent.pickup_check and log.entry_type == EXIT:  # the one extra lookup, for adults with pickup rules only
        door = pickup.DoorExit(
            parent.id,
            parent.nursery_id,
            local_today(log.occurred_at),
            written.id if written else None,
            now,
        )
        refused = pickup.refused_children(db, door)
    return ScanResult(log=log, parent=parent, duplicate=written is None, refused_children=refused)
