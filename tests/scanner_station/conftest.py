"""The scan station against the real service: a live uvicorn on the test database, a nursery made through the
service's own roster functions, and a dead address (a bound port that never listens) for "service unreachable".

Only `kiosk_world`, `store_session` and `sign_out_stations` need the entry-logs service's code; everything else talks
HTTP.
"""

import asyncio
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from scanner_station.config import StationConfig
from scanner_station.queue import open_database
from scanner_station.session import Session, SessionStore, Settings
from service.audit.service import SYSTEM
from service.database import session_scope, utcnow
from service.entry_logs.models import EntryLog, Nursery
from service.entry_logs.roster import service as roster
from service.entry_logs.roster.schemas import ChildCreate, NurseryCreate, NurseryUpdate, ParentCreate
from service.entry_logs.station import issue_station_token
from tests.factories import cached_hash
from tests.support.live_server import live_api  # noqa: F401  (the fixture)
from tests.support.waiting import HTTP_DEADLINE_SECONDS

STATION_PASSWORD = "sakura-station-1"
WAIT_SECONDS = 15.0


@dataclass(frozen=True)
class Person:
    id: int
    name: str


@dataclass(frozen=True)
class KioskWorld:
    nursery_id: int
    code: str
    name: str
    parents: list[Person]
    other_nursery_parent: Person


@pytest.fixture
def kiosk_world() -> KioskWorld:
    """さくら保育園 with a station password and two parents (each with a child), and a parent of another nursery."""
    with session_scope() as db:
        sakura = roster.create_nursery(db, data=NurseryCreate(code="sakura", name="さくら保育園"), actor=SYSTEM)
        # What set_entry_exit_password stores, hashed once for the whole run.
        sakura.entry_exit_password_hash = cached_hash(STATION_PASSWORD)
        other = roster.create_nursery(db, data=NurseryCreate(code="himawari", name="ひまわり保育園"), actor=SYSTEM)
        parents = [
            roster.create_parent(db, nursery=sakura, data=ParentCreate(nursery_id=sakura.id, name=name), actor=SYSTEM)
            for name in ("山田 花子", "佐藤 太郎")
        ]
        for parent, child in zip(parents, ("山田 太郎", "佐藤 次郎"), strict=True):
            data = ChildCreate(nursery_id=sakura.id, name=child, parent_ids=[parent.id])
            roster.create_child(db, nursery=sakura, data=data, actor=SYSTEM)
        stranger = roster.create_parent(
            db, nursery=other, data=ParentCreate(nursery_id=other.id, name="鈴木 次郎"), actor=SYSTEM
        )
        return KioskWorld(
            sakura.id,
            sakura.code,
            sakura.name,
            [Person(p.id, p.name) for p in parents],
            Person(stranger.id, stranger.name),
        )


def buttons_decide(world: KioskWorld) -> None:
    """The nursery's stations in 手動 mode (園情報編集): each scan is recorded as the 入/出 the kiosk sends."""
    with session_scope() as db:
        nursery = db.get(Nursery, world.nursery_id)
        roster.update_nursery(db, nursery=nursery, data=NurseryUpdate(entry_mode="manual"), actor=SYSTEM)


def store_session(config: StationConfig, world: KioskWorld, *, expires_at: datetime | None = None) -> None:
    """Leave a logged-in session in the state directory, as an earlier run of the station would (a service token, and
    the nursery's 自動/手動 its login learnt); with expires_at, one the station takes as expired at that moment."""
    with session_scope() as db:
        nursery = db.get(Nursery, world.nursery_id)
        issued = issue_station_token(db, nursery, now=utcnow())
        mode = nursery.entry_mode
    db = open_database(config.database_path)
    expiry = expires_at or issued.expires_at
    SessionStore(db).save(Session(issued.token, world.nursery_id, world.name, world.code, expiry))
    Settings(db).save_entry_mode(mode)
    db.close()


def sign_out_stations(nursery_id: int) -> None:
    """What signing out all stations on the admin page does: every station token of the nursery ends."""
    with session_scope() as db:
        roster.sign_out_stations(db, nursery=db.get(Nursery, nursery_id), actor=SYSTEM, now=utcnow())


def signed_in_station_ids(nursery_id: int) -> list[str]:
    """The station ids of the nursery's open station sessions, as the admin page lists them."""
    with session_scope() as db:
        nursery = db.get(Nursery, nursery_id)
        return [session.station_id for session, _ in roster.signed_in_stations(db, nursery=nursery, now=utcnow())]


def recorded_logs(nursery_id: int) -> list[EntryLog]:
    """The nursery's entry/exit logs as the service stored them, oldest first."""
    with session_scope() as db:
        rows = list(db.scalars(select(EntryLog).where(EntryLog.nursery_id == nursery_id).order_by(EntryLog.id)))
        db.expunge_all()
        return rows


@pytest.fixture
def dead_url() -> Iterator[str]:
    """An address where nothing listens: the port is bound (so nobody else takes it) but never listening."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.fixture
def station_config(tmp_path: Path, live_api: str) -> Callable[..., StationConfig]:  # noqa: F811
    """A station configuration in a fresh state directory, pointed at the live service; keywords override.

    Heartbeats are off (an hour) unless a test asks for them, retries are quick, and the flash and the greeting stay
    up for a minute so that a test can look at them without racing their timers.
    """
    base = StationConfig(
        server_url=live_api,
        state_dir=tmp_path / "station",
        station_id="gate-1",
        heartbeat_seconds=3600,
        retry_backoff_seconds=0.01,
        request_timeout_seconds=HTTP_DEADLINE_SECONDS,  # a loaded machine may take longer than a station waits
        flash_seconds=60,
        greeting_seconds=60,
    )

    def make(**overrides) -> StationConfig:
        return replace(base, **overrides)

    return make


async def eventually(condition: Callable[[], bool], what: str, timeout: float = WAIT_SECONDS) -> None:
    """Yield to the event loop until the condition holds; fail naming what never happened."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        await asyncio.sleep(0.02)
