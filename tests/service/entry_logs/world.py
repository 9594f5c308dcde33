"""Builders for the 入退管理 tests: nurseries with parents and children, station tokens, staff users."""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from service.audit.service import Actor
from service.database import session_scope, utcnow
from service.entry_logs import counts, station
from service.entry_logs.models import AUTO, Child, EntryLog, Nursery, Parent
from service.entry_logs.station import issue_station_token
from service.errors import DomainError
from tests.factories import auth_headers, cached_hash, make_user

STATION_PASSWORD = "station-pass-1"


def lock_code_from_elsewhere(code: str) -> None:
    """Five wrong entry-exit passwords for the code from another address, each committed as a request's would be: the
    code locks for unknown stations (a station that logged in before still gets in)."""
    for _ in range(5):
        with session_scope() as db:
            actor = Actor(type="anonymous", client_address="203.0.113.1")
            try:
                station.login(db, nursery_code=code, password="wrong", station_id=None, actor=actor, now=utcnow())
            except DomainError as refused:
                assert refused.status_code in (401, 423)


@dataclass
class World:
    nursery: Nursery
    parents: list[Parent]
    children: list[Child]
    station_headers: dict[str, str] = field(default_factory=dict)


def make_world(db: Session, code: str, *, name: str | None = None, parents: int = 3, entry_mode: str = AUTO) -> World:
    """A nursery with a station password, `parents` parents and one child each (the first parent has two); its
    stations in `entry_mode` (自動, the default, or 手動: the button's 入/出 is recorded)."""
    nursery = Nursery(
        code=code,
        name=name or f"{code}保育園",
        entry_exit_password_hash=cached_hash(STATION_PASSWORD),
        entry_mode=entry_mode,
    )
    db.add(nursery)
    db.flush()
    people = [Parent(nursery_id=nursery.id, name=f"{code}保護者{i}", phone=f"090-0000-000{i}") for i in range(parents)]
    db.add_all(people)
    db.flush()
    kids = [
        Child(
            nursery_id=nursery.id,
            name=f"{code}園児{i}",
            class_name="ひよこ組" if i % 2 == 0 else "うさぎ組",
            parents=[p],
        )
        for i, p in enumerate(people)
    ]
    kids.append(Child(nursery_id=nursery.id, name=f"{code}園児{parents}", class_name="ひよこ組", parents=[people[0]]))
    db.add_all(kids)
    db.flush()
    token = issue_station_token(db, nursery, now=utcnow()).token
    return World(nursery, people, kids, {"Authorization": f"Bearer {token}"})


def add_log(db: Session, world: World, parent: Parent, entry_type: str, at: datetime) -> EntryLog:
    """A log written as a scan would be (with its hourly count), at any time."""
    log = EntryLog(
        parent_id=parent.id, nursery_id=world.nursery.id, entry_type=entry_type, occurred_at=at, created_at=at
    )
    db.add(log)
    db.flush()
    counts.add(db, [(log.nursery_id, at, entry_type)], by=1)
    return log


def staff_headers(db: Session, world: World, login_id: str = "staff-a") -> dict[str, str]:
    user = make_user(db, login_id, grants={"entry_logs": ("staff", str(world.nursery.id))})
    db.commit()
    return auth_headers(user)


def scan(client, world: World, parent_id, entry_type: str = "Entry", headers: dict | None = None, **extra):
    """POST a scan as the world's station; extra keyword arguments are extra body fields (camelCase)."""
    body = {"parentId": parent_id, "nurseryId": world.nursery.id, "entryType": entry_type} | extra
    return client.post("/api/entry-exit-logs", json=body, headers=headers or world.station_headers)
