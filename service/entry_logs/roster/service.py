"""Nurseries (with their entry-exit password), parents and children."""

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Select, and_, delete, exists, func, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from service import fields
from service.audit import service as audit
from service.audit.service import Actor
from service.config import get_settings
from service.database import affected_rows
from service.entry_logs import labels
from service.entry_logs.models import Child, EntryLog, Nursery, Parent, StationName, StationSession
from service.entry_logs.roster.schemas import (
    ChildCreate,
    ChildUpdate,
    NurseryCreate,
    NurseryUpdate,
    ParentCreate,
    ParentUpdate,
)
from service.entry_logs.schemas import hiragana
from service.entry_logs.station import STATION_SEEN_EVERY, forget_admissions, set_password
from service.errors import Conflict, NotFound
from service.identity.security import hash_password
from service.search import contains
from service.tenancy import TenantScope, scoped

DOMAIN = "entry_logs"
NURSERY_FIELDS = fields.audited(Nursery)
PARENT_FIELDS = fields.audited(Parent)
CHILD_COLUMNS = fields.audited(Child)
CHILD_FIELDS = (*CHILD_COLUMNS, "parent_ids")


def _audit(
    db: Session, *, actor: Actor, action: str, target_type: str, target_id: int, before: dict, after: dict
) -> None:
    changes = audit.diff(before, after)
    if changes:
        audit.record(
            db, actor=actor, action=action, domain=DOMAIN, target_type=target_type, target_id=target_id, changes=changes
        )


# Nurseries ---------------------------------------------------------------------------------------


def list_nurseries(db: Session, *, scope: TenantScope) -> list[Nursery]:
    return list(db.scalars(scoped(select(Nursery), scope, Nursery.id).order_by(Nursery.code)))


def create_nursery(db: Session, *, data: NurseryCreate, actor: Actor) -> Nursery:
    if db.scalar(select(Nursery.id).where(func.lower(Nursery.code) == data.code.lower())):
        raise Conflict(labels.CODE_TAKEN, details={"field": "code", "rule": "unique"})
    nursery = Nursery(code=data.code, name=data.name)
    if data.entry_exit_password:
        set_password(nursery, data.entry_exit_password)
    db.add(nursery)
    db.flush()
    after = audit.snapshot(nursery, NURSERY_FIELDS) | {
        "entry_exit_password": "set" if data.entry_exit_password else None
    }
    _audit(db, actor=actor, action="create", target_type="nursery", target_id=nursery.id, before={}, after=after)
    return nursery


def update_nursery(db: Session, *, nursery: Nursery, data: NurseryUpdate, actor: Actor) -> Nursery:
    """An explicit null clears the closing time."""
    before = audit.snapshot(nursery, NURSERY_FIELDS)
    if data.name is not None:
        nursery.name = data.name
    if "closing_time" in data.model_fields_set:
        nursery.closing_time = data.closing_time
    if data.entry_mode is not None:
        nursery.entry_mode = data.entry_mode
    db.flush()
    _audit(
        db,
        actor=actor,
        action="update",
        target_type="nursery",
        target_id=nursery.id,
        before=before,
        after=audit.snapshot(nursery, NURSERY_FIELDS),
    )
    return nursery


def set_entry_exit_password(
    db: Session, *, nursery: Nursery, password: str | None, actor: Actor, now: datetime
) -> None:
    """Cost from settings; clearing disables scanning. Either ends older station tokens."""
    before = {"entry_exit_password": "set" if nursery.entry_exit_password_hash else None}
    set_password(nursery, password)
    _close_station_sessions(db, nursery, now)
    after = {
        "entry_exit_password": "changed"
        if password and before["entry_exit_password"]
        else ("set" if password else None)
    }
    action = "set_entry_exit_password" if password else "clear_entry_exit_password"
    audit.record(
        db,
        actor=actor,
        action=action,
        domain=DOMAIN,
        target_type="nursery",
        target_id=nursery.id,
        changes=audit.diff(before, after),
    )


def set_station_pin(db: Session, *, nursery: Nursery, pin: str | None, actor: Actor) -> None:
    """Audited without it."""
    before = {"station_pin": "set" if nursery.station_pin_hash else None}
    nursery.station_pin_hash = hash_password(pin) if pin else None
    after = {"station_pin": ("changed" if before["station_pin"] else "set") if pin else None}
    audit.record(
        db,
        actor=actor,
        action="set_station_pin" if pin else "clear_station_pin",
        domain=DOMAIN,
        target_type="nursery",
        target_id=nursery.id,
        changes=audit.diff(before, after),
    )


def _close_station_sessions(db: Session, nursery: Nursery, now: datetime) -> None:
    forget_admissions(db, nursery.id)
    db.execute(
        update(StationSession)
        .where(StationSession.nursery_id == nursery.id, StationSession.signed_out_at.is_(None))
        .values(signed_out_at=now)
    )
    db.flush()


def sign_out_stations(db: Session, *, nursery: Nursery, actor: Actor, now: datetime) -> None:
    """The password stays."""
    before = nursery.station_generation
    nursery.station_generation = before + 1
    _close_station_sessions(db, nursery, now)
    after = {"station_generation": nursery.station_generation}
    _audit(
        db,
        actor=actor,
        action="sign_out_stations",
        target_type="nursery",
        target_id=nursery.id,
        before={"station_generation": before},
        after=after,
    )


def signed_in_stations(db: Session, *, nursery: Nursery, now: datetime) -> list[tuple[StationSession, str | None]]:
    """Each with the name staff gave the station (None: none yet)."""
    live_since = now - timedelta(hours=get_settings().entry_logs_token_hours) - STATION_SEEN_EVERY
    rows = db.execute(
        select(StationSession, StationName.name)
        .outerjoin(
            StationName,
            and_(
                StationName.nursery_id == StationSession.nursery_id,
                StationName.station_id == StationSession.station_id,
            ),
        )
        .where(
            StationSession.nursery_id == nursery.id,
            StationSession.signed_out_at.is_(None),
            StationSession.last_seen_at >= live_since,
        )
        .order_by(StationSession.signed_in_at.desc(), StationSession.id.desc())
    )
    return [(session, name) for session, name in rows]


def name_station(db: Session, *, nursery: Nursery, station_id: str, name: str, actor: Actor) -> StationName:
    """Renaming keeps one name per station; audited."""
    record = db.get(StationName, (nursery.id, station_id))
    before = {"name": record.name} if record else {}
    if record is None:
        record = StationName(nursery_id=nursery.id, station_id=station_id, name=name)
        db.add(record)
    record.name = name
    db.flush()
    changes = audit.diff(before, {"name": name})
    if changes:
        audit.record(
            db,
            actor=actor,
            action="name_station",
            domain=DOMAIN,
            target_type="nursery",
            target_id=nursery.id,
            changes=changes | {"station": {"before": None, "after": station_id}},
        )
    return record


def sign_out_station(db: Session, *, nursery: Nursery, session_id: int, actor: Actor, now: datetime) -> None:
    session = db.scalar(
        select(StationSession).where(StationSession.id == session_id, StationSession.nursery_id == nursery.id)
    )
    if session is None:
        raise NotFound(labels.STATION_NOT_FOUND, code="station_not_found", details={"stationSessionId": session_id})
    if session.signed_out_at is not None:
        return
    session.signed_out_at = now
    forget_admissions(db, nursery.id)
    db.flush()
    signed_out = audit.diff({"signed_out_at": None}, {"signed_out_at": now.isoformat()})
    station = {"nursery_id": nursery.id, "station_id": session.station_id}
    audit.record(
        db,
        actor=actor,
        action="sign_out_station",
        domain=DOMAIN,
        target_type="station_session",
        target_id=session.id,
        changes=signed_out | {"station": station},
    )


def prune_station_sessions(db: Session, *, before: datetime) -> int:
    """They can no longer renew a token."""
    ended = or_(StationSession.signed_out_at < before, StationSession.last_seen_at < before)
    return affected_rows(db.execute(delete(StationSession).where(ended)))


# Parents -----------------------------------------------------------------------------------------


PARENT_ORDER = (Parent.id,)
CHILD_ORDER = (Child.class_name, Child.id)


def _named(
    q: str, name: InstrumentedAttribute[str], reading: InstrumentedAttribute[str], *others: InstrumentedAttribute[str]
) -> ColumnElement[bool]:
    """Katakana typed finds the stored hiragana."""
    return or_(contains(q, name, *others), contains(hiragana(q), reading))


def parent_query(*, nursery: Nursery, q: str | None) -> Select:
    """「本日のみ」 people are not listed."""
    stmt: Select = select(Parent).where(Parent.nursery_id == nursery.id, Parent.is_pass.is_(False))
    return stmt.where(_named(q, Parent.name, Parent.name_kana, Parent.phone)) if q else stmt


def list_parents(db: Session, *, nursery: Nursery, q: str | None, offset: int, limit: int) -> tuple[list[Parent], int]:
    stmt = parent_query(nursery=nursery, q=q)
    total = db.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    return list(db.scalars(stmt.order_by(*PARENT_ORDER).offset(offset).limit(limit))), total


def create_parent(db: Session, *, nursery: Nursery, data: ParentCreate, actor: Actor) -> Parent:
    parent = Parent(nursery_id=nursery.id, name=data.name, name_kana=data.name_kana, phone=data.phone)
    db.add(parent)
    db.flush()
    _audit(
        db,
        actor=actor,
        action="create",
        target_type="parent",
        target_id=parent.id,
        before={},
        after=audit.snapshot(parent, PARENT_FIELDS),
    )
    return parent


def update_parent(db: Session, *, parent: Parent, data: ParentUpdate, actor: Actor) -> Parent:
    before = audit.snapshot(parent, PARENT_FIELDS)
    for name, value in data.model_dump(exclude_unset=True).items():
        if value is not None:
            setattr(parent, name, value)
    db.flush()
    _audit(
        db,
        actor=actor,
        action="update",
        target_type="parent",
        target_id=parent.id,
        before=before,
        after=audit.snapshot(parent, PARENT_FIELDS),
    )
    return parent


def delete_parent(db: Session, *, parent: Parent, actor: Actor) -> None:
    """Logs are evidence and are never removed with their parent."""
    if db.scalar(select(exists().where(EntryLog.parent_id == parent.id))):
        raise Conflict(labels.PARENT_HAS_LOGS, code="parent_has_logs")
    before, parent_id = audit.snapshot(parent, PARENT_FIELDS), parent.id
    db.delete(parent)
    db.flush()
    _audit(db, actor=actor, action="delete", target_type="parent", target_id=parent_id, before=before, after={})


# Children ----------------------------------------------------------------------------------------


def _child_snapshot(child: Child) -> dict:
    return audit.snapshot(child, CHILD_COLUMNS) | {"parent_ids": [p.id for p in child.parents]}


def _parents_of_nursery(db: Session, nursery_id: int, parent_ids: list[int]) -> list[Parent]:
    wanted = sorted(set(parent_ids))
    found = list(
        db.scalars(select(Parent).where(Parent.id.in_(wanted), Parent.nursery_id == nursery_id).order_by(Parent.id))
    )
    if len(found) != len(wanted):
        missing = sorted(set(wanted) - {p.id for p in found})
        raise NotFound(
            labels.PARENTS_OF_OTHER_NURSERY, code="parent_not_found", details={"field": "parentIds", "ids": missing}
        )
    return found


def child_query(*, nursery: Nursery, class_name: str | None, q: str | None) -> Select:
    stmt: Select = select(Child).where(Child.nursery_id == nursery.id)
    if class_name:
        stmt = stmt.where(Child.class_name == class_name)
    return stmt.where(_named(q, Child.name, Child.name_kana)) if q else stmt


def list_children(
    db: Session, *, nursery: Nursery, class_name: str | None, q: str | None, offset: int, limit: int
) -> tuple[list[Child], int]:
    stmt = child_query(nursery=nursery, class_name=class_name, q=q)
    total = db.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    return list(db.scalars(stmt.order_by(*CHILD_ORDER).offset(offset).limit(limit))), total


def class_names(db: Session, *, nursery: Nursery) -> list[str]:
    return list(
        db.scalars(select(Child.class_name).where(Child.nursery_id == nursery.id).distinct().order_by(Child.class_name))
    )


def create_child(db: Session, *, nursery: Nursery, data: ChildCreate, actor: Actor) -> Child:
    child = Child(nursery_id=nursery.id, name=data.name, name_kana=data.name_kana, class_name=data.class_name)
    child.parents = _parents_of_nursery(db, nursery.id, data.parent_ids)
    db.add(child)
    db.flush()
    _audit(
        db,
        actor=actor,
        action="create",
        target_type="child",
        target_id=child.id,
        before={},
        after=_child_snapshot(child),
    )
    return child


def update_child(db: Session, *, child: Child, data: ChildUpdate, actor: Actor) -> Child:
    before = _child_snapshot(child)
    for name in ("name", "name_kana", "class_name"):
        if (value := getattr(data, name)) is not None:
            setattr(child, name, value)
    if data.parent_ids is not None:
        child.parents = _parents_of_nursery(db, child.nursery_id, data.parent_ids)
    db.flush()
    _audit(
        db,
        actor=actor,
        action="update",
        target_type="child",
        target_id=child.id,
        before=before,
        after=_child_snapshot(child),
    )
    return child


def delete_child(db: Session, *, child: Child, actor: Actor) -> None:
    before, child_id = _child_snapshot(child), child.id
    db.delete(child)
    db.flush()
    _audit(db, actor=actor, action="delete", target_type="child", target_id=child_id, before=before, after={})
