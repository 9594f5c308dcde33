"""The scan station's API (the spec's appendix A): sign-in, heartbeat, scans, 「カードを忘れた方」.

door_router holds the hot routes, matched before every other router (service/routers.py); router the rest.

Scan (POST /entry-exit-logs) beyond appendix A:
- `nurseryId` is optional; when sent it must be the station token's nursery (else 422 nursery_mismatch).
- `clientScanId` makes a scan idempotent: sent again, the first result comes back (200, duplicate=true). The answer's
  `clientScanId` is that of the log it returns, so a station tells its own replayed request from a double scan.
- `scannedAt` and `sentAt`: see scans.scan_time; the station's reading is kept (`stationTime`) where it is off by more
  than a minute.
- The same parent and type within 10 seconds is a double scan: 200 with the earlier log and duplicate=true.
"""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from service.database import utcnow
from service.deps import DbSession
from service.entry_logs import station
from service.entry_logs.dependencies import Credentials, StationToken, authorization
from service.entry_logs.door import forgotten_card, scans
from service.entry_logs.door.schemas import (
    EntryExitLoginIn,
    EntryExitLoginOut,
    ForgottenCardIn,
    ForgottenCardPeople,
    ForgottenCardPerson,
    HeartbeatOut,
    ScanIn,
    ScanOut,
    UnlockIn,
    UnlockOut,
)
from service.entry_logs.logs import service as logs
from service.entry_logs.logs.schemas import LogRead
from service.entry_logs.pickup import service as pickup
from service.identity import lockout
from service.identity.login_guard import LoginForm, guard_login
from service.identity.router import request_actor
from service.openapi import declares
from service.schemas import SingleLine

door_router = APIRouter(tags=["entry_logs"])  # matched early (service/routers.py)
router = APIRouter(tags=["entry_logs"])


guard_login(
    "/auth/entry-exit-login",
    LoginForm.of(
        EntryExitLoginIn,
        key_kind=station.CODE_KIND,
        address_kind=lockout.STATION_ADDRESS_KIND,
        key="nursery_code",
        device="device_token",
    ),
)


@router.post("/auth/entry-exit-login", response_model=EntryExitLoginOut)
@declares(401, 423, 429, 503)
def entry_exit_login(body: EntryExitLoginIn, db: DbSession, request: Request) -> EntryExitLoginOut:
    """The station's token; the lockout answers as /auth/login's (a known station's deviceToken signs it in past a
    lock of its nursery code)."""
    result = station.login(
        db,
        nursery_code=body.nursery_code,
        password=body.password,
        station_id=body.station_id,
        actor=request_actor(request),
        now=utcnow(),
        device_token=body.device_token,
    )
    return EntryExitLoginOut(
        token=result.token.token,
        nursery_id=result.nursery.id,
        nursery_name=result.nursery.name,
        expires_at=result.token.expires_at,
        device_token=result.device_token,
        entry_mode=result.nursery.entry_mode,
    )


@door_router.post("/auth/heartbeat", response_model=HeartbeatOut)
async def heartbeat(claims: StationToken, db: DbSession) -> HeartbeatOut:
    """A fresh 8-hour token while the nursery's entry-exit password is the one the station's token was issued under
    (answered from this process's admission cache while it holds the station's session)."""
    now = utcnow()
    token = station.cached_heartbeat(claims, now)
    if token is None:
        token = await run_in_threadpool(station.heartbeat, db, claims, now)
    return HeartbeatOut(token=token.token, expires_at=token.expires_at)


@door_router.post(
    "/entry-exit-logs",
    response_model=ScanOut,
    status_code=201,
    responses={200: {"model": ScanOut, "description": "a repeat of an earlier scan: nothing written"}},
)
@declares(404)  # a parent unknown to the station's nursery
def scan(body: ScanIn, claims: StationToken, db: DbSession, response: Response) -> ScanOut:
    """Record a scan: 201 when written, 200 with duplicate=true when it repeats an earlier one (nothing written)."""
    result = scans.record_scan(db, claims, body, utcnow())
    if result.duplicate:
        response.status_code = 200
    log, parent = result.log, result.parent
    return ScanOut(
        id=log.id,
        parent_id=log.parent_id,
        parent_name=parent.name,
        nursery_id=log.nursery_id,
        entry_type=log.entry_type,
        timestamp=log.occurred_at,
        child_names=parent.child_names,
        duplicate=result.duplicate,
        client_scan_id=log.client_scan_id,
        decided_by=log.decided_by,
        refused_children=list(result.refused_children),
        pickup_warning=pickup.warning(result.refused_children),
        photo_version=parent.photo_version or None,
    )


@router.post("/entry-exit-logs/forgotten-card/unlock", response_model=UnlockOut)
@declares(401, 409, 423, 429)
def unlock_forgotten_card(body: UnlockIn, credentials: Credentials, db: DbSession, request: Request) -> UnlockOut:
    """「カードを忘れた方」: staff unlock it with the nursery's PIN (the station's token; 5 failures lock it for 10
    minutes, as a login); the answer's token is the lookup's and its records' for a few minutes."""
    token = forgotten_card.unlock(
        db,
        authorization=authorization(credentials),
        pin=body.pin,
        staff_name=body.staff_name,
        actor=request_actor(request),
        now=utcnow(),
    )
    return UnlockOut(token=token.token, expires_at=token.expires_at)


@router.get("/entry-exit-logs/forgotten-card/people", response_model=ForgottenCardPeople)
@declares(401)
def forgotten_card_people(
    credentials: Credentials, db: DbSession, q: Annotated[str, Query(min_length=1, max_length=50), SingleLine]
) -> ForgottenCardPeople:
    """The nursery's parents and today's 「本日のみ」 people by ふりがな (hiragana or katakana) or name, or by the
    last 4 digits of their phone: at most 10 (the unlock token)."""
    unlock = forgotten_card.unlocked(db, authorization(credentials))
    found, more = forgotten_card.people(db, unlock=unlock, q=q, now=utcnow())
    return ForgottenCardPeople(people=[ForgottenCardPerson.model_validate(person) for person in found], more=more)


@router.post("/entry-exit-logs/forgotten-card/logs", response_model=LogRead, status_code=201)
@declares(401, 404)
def record_forgotten_card(body: ForgottenCardIn, credentials: Credentials, db: DbSession, request: Request) -> LogRead:
    """The person's 入 or 出 now, recorded by the staff member who unlocked, with why (手入力, audited)."""
    unlock = forgotten_card.unlocked(db, authorization(credentials))
    log = forgotten_card.record(
        db,
        unlock=unlock,
        parent_id=body.parent_id,
        entry_type=body.entry_type,
        reason=body.reason,
        actor=request_actor(request),
        now=utcnow(),
    )
    return LogRead.model_validate(logs.greeted_log_row(db, log.id))
