"""入退管理 API: the spec's appendix A paths for stations and staff, and /entry-logs/* for the admin pages.

Scan (POST /entry-exit-logs) beyond appendix A:
- `nurseryId` is optional; when sent it must be the station token's nursery (else 422 nursery_mismatch).
- `clientScanId` makes a scan idempotent: sent again, the first result comes back (200, duplicate=true). The answer's
  `clientScanId` is that of the log it returns, so a station tells its own replayed request from a double scan.
- `scannedAt` and `sentAt`: see scans.scan_time; the station's reading is kept (`stationTime`) where it is off by more
  than a minute.
- The same parent and type within 10 seconds is a double scan: 200 with the earlier log and duplicate=true.

DELETE /entry-exit-logs/{id} takes `reason` as a query parameter (the body guard does not read DELETE bodies);
`physical=true` is for the 入退管理 管理者 role (and platform admins) only (SEC-006).
"""

from datetime import date
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Path, Query, Request, Response, UploadFile
from starlette.concurrency import run_in_threadpool

from service import documents, exports
from service.database import utcnow
from service.deps import DbSession
from service.documents import DocumentJob
from service.entry_logs import (
    attendance,
    cards,
    closing,
    corrections,
    csv_exports,
    extended_care,
    forgotten_card,
    insights,
    labels,
    logs,
    pages,
    parent_links,
    pickup,
    roster,
    roster_import,
    scans,
    station,
)
from service.entry_logs.care_figures import care_figures
from service.entry_logs.dependencies import (
    DOMAIN,
    ChildNurseryParent,
    Credentials,
    DomainAdmin,
    Filters,
    ListQuery,
    NurseryParent,
    OldestFirst,
    PathChild,
    PathNursery,
    PathParent,
    QueryNursery,
    StaffCaller,
    StaffScope,
    StationToken,
    authorization,
    list_query,
)
from service.entry_logs.extended_care import CareFilter
from service.entry_logs.figures import attendance_figures
from service.entry_logs.lookups import closing_passed, local_today, local_zone
from service.entry_logs.models import CareHours, Child, Nursery, Parent, PickupAlert, RosterImport
from service.entry_logs.schemas import (
    NOTE_MAX,
    AttendanceDay,
    AttendanceRecord,
    AttendanceShown,
    AttendanceUpdate,
    CardJobRead,
    CardsIn,
    CareChild,
    CareDay,
    CareHoursIn,
    CareHoursRead,
    CarePage,
    ChildAttendance,
    ChildCreate,
    ChildPickup,
    ChildRead,
    ChildUpdate,
    Collector,
    DayLog,
    EntryExitLoginIn,
    EntryExitLoginOut,
    EntryLogsVocabulary,
    ExitIn,
    ForgottenCardIn,
    ForgottenCardPeople,
    ForgottenCardPerson,
    HeartbeatOut,
    Heatmap,
    HeatmapCell,
    LogPage,
    LogRead,
    ManualLogIn,
    NurseryCreate,
    NurseryRead,
    NurseryUpdate,
    ParentCreate,
    ParentRead,
    ParentUpdate,
    PassCreate,
    PassRead,
    PasswordIn,
    PickupAlertRead,
    PresentParent,
    PresentParents,
    RestrictionIn,
    RosterImportRead,
    ScanIn,
    ScanOut,
    StationPinIn,
    StationSessionRead,
    UnlockIn,
    UnlockOut,
)
from service.figures import FigureRead
from service.identity import lockout
from service.identity.login_guard import LoginForm, guard_login
from service.identity.router import request_actor
from service.openapi import declares, media
from service.pagination import Page, PageParams, page_params
from service.schemas import IsoDate, QueryText, SingleLine

door_router = APIRouter(tags=["entry_logs"])  # matched early (service/routers.py)
station_router = APIRouter(tags=["entry_logs"])


admin_router = APIRouter(prefix="/entry-logs", tags=["entry_logs"])
router = APIRouter()

Reason = Annotated[str, Query(min_length=1, max_length=NOTE_MAX, description="why the log is deleted"), SingleLine]
ClassName = Annotated[str | None, Query(alias="className", max_length=50), SingleLine]
Paging = Annotated[PageParams, Depends(page_params)]


# Scan station ------------------------------------------------------------------------------------


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


@station_router.post("/auth/entry-exit-login", response_model=EntryExitLoginOut)
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


@station_router.get("/entry-exit-logs/parents/{parent_id}/photo", **media("image/jpeg"))
@declares(401, 404)
def station_photo(parent_id: Annotated[int, Path(ge=1)], db: DbSession, claims: StationToken) -> Response:
    """The adult's photo for the station that scanned them (a station of their nursery, still let in)."""
    station.admitted_fingerprint(db, claims)
    return _photo(pickup.photo_of(db, scope=claims.scope, parent_id=parent_id))


@station_router.post("/entry-exit-logs/forgotten-card/unlock", response_model=UnlockOut)
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


@station_router.get("/entry-exit-logs/forgotten-card/people", response_model=ForgottenCardPeople)
@declares(401)
def forgotten_card_people(
    credentials: Credentials, db: DbSession, q: Annotated[str, Query(min_length=1, max_length=50), SingleLine]
) -> ForgottenCardPeople:
    """The nursery's parents and today's 「本日のみ」 people by ふりがな (hiragana or katakana) or name, or by the
    last 4 digits of their phone: at most 10 (the unlock token)."""
    unlock = forgotten_card.unlocked(db, authorization(credentials))
    found, more = forgotten_card.people(db, unlock=unlock, q=q, now=utcnow())
    return ForgottenCardPeople(people=[ForgottenCardPerson.model_validate(person) for person in found], more=more)


@station_router.post("/entry-exit-logs/forgotten-card/logs", response_model=LogRead, status_code=201)
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
    return LogRead.model_validate(logs.log_row(db, log.id))


def _photo(image: bytes) -> Response:
    return Response(image, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=3600"})


# Staff: logs and attendance ----------------------------------------------------------------------


@station_router.get("/entry-exit-logs", response_model=LogPage)
def list_logs(query: Annotated[ListQuery, Depends(list_query)], scope: StaffScope, db: DbSession) -> LogPage:
    offset = (query.page - 1) * query.page_size
    rows, total = logs.list_logs(
        db, flt=query.flt, scope=scope, offset=offset, limit=query.page_size, oldest_first=query.oldest_first
    )
    return LogPage(
        logs=[LogRead.model_validate(r) for r in rows], total_count=total, page=query.page, page_size=query.page_size
    )


@station_router.get("/entry-exit-logs/export", **exports.DOWNLOAD)
def export_logs(flt: Filters, scope: StaffScope, order: OldestFirst) -> exports.Download:
    """The filtered logs as the CSV download, in the list's order."""
    return exports.download(
        logs.log_export(flt=flt, scope=scope, oldest_first=order), "entry_exit_logs", "入退管理ログ"
    )


@station_router.delete("/entry-exit-logs/{log_id:int}", status_code=204)
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


def _day_log(log: attendance.DayLog | None) -> DayLog | None:
    return None if log is None else DayLog.model_validate(log)


def _child_attendance(day: attendance.ChildDay) -> ChildAttendance:
    record = day.attendance
    records = (
        []
        if record is None
        else [
            AttendanceRecord(
                date=record.attendance_date,
                status=record.status,
                status_label=labels.ATTENDANCE_LABELS[record.status],
                note=record.note,
            )
        ]
    )
    return ChildAttendance(
        child_id=day.child.id,
        child_name=day.child.name,
        class_name=day.child.class_name,
        attendances=records,
        entry_exit_logs=[DayLog.model_validate(log) for log in day.logs],
        entry_exit_log_count=day.log_count,
        latest_entry=_day_log(day.latest_entry),
        latest_exit=_day_log(day.latest_exit),
        absent_with_logs=day.absent_with_logs,
    )


@station_router.get("/attendance", response_model=AttendanceDay)
def attendance_page(
    nursery: QueryNursery,
    db: DbSession,
    day: Annotated[IsoDate | None, Query(alias="date")] = None,
    class_name: Annotated[str | None, Query(alias="className", max_length=50), SingleLine] = None,
    status: Annotated[AttendanceShown | None, Query(description="the day's 出席, 欠席 or 未記録 only")] = None,
) -> AttendanceDay:
    """Children with their attendance and the day's entry/exit logs (spec §3.5.3), and the day's figures by 出席状態
    (the cards over the table)."""
    now = utcnow()
    day = day or local_today(now)
    rows = attendance.attendance_day(db, nursery=nursery, day=day, class_name=class_name, status=status)
    return AttendanceDay(
        date=day,
        nursery_id=nursery.id,
        nursery_name=nursery.name,
        children=[_child_attendance(r) for r in rows],
        figures=attendance_figures(db, nursery=nursery, day=day, class_name=class_name or None, now=now),
    )


@station_router.put("/attendance/{child_id}/{day}", response_model=AttendanceRecord)
def set_attendance(
    child: PathChild, day: IsoDate, body: AttendanceUpdate, caller: StaffCaller, db: DbSession
) -> AttendanceRecord:
    record = attendance.set_attendance(db, child=child, day=day, status=body.status, note=body.note, actor=caller.actor)
    return AttendanceRecord(
        date=day, status=record.status, status_label=labels.ATTENDANCE_LABELS[record.status], note=record.note
    )


@station_router.delete("/attendance/{child_id}/{day}", status_code=204)
def clear_attendance(child: PathChild, day: IsoDate, caller: StaffCaller, db: DbSession) -> None:
    attendance.clear_attendance(db, child=child, day=day, actor=caller.actor)


# Admin pages: nurseries ---------------------------------------------------------------------------


def _nursery_read(nursery: Nursery) -> NurseryRead:
    return NurseryRead(
        id=nursery.id,
        code=nursery.code,
        name=nursery.name,
        entry_exit_enabled=bool(nursery.entry_exit_password_hash),
        closing_time=nursery.closing_time,
        entry_mode=nursery.entry_mode,
        station_pin_set=bool(nursery.station_pin_hash),
        created_at=nursery.created_at,
    )


@admin_router.get("/vocabulary", response_model=EntryLogsVocabulary)
def vocabulary(_: StaffCaller) -> EntryLogsVocabulary:
    """The 入退管理 wording and form rules, for the dashboards: any entry_logs role."""
    return EntryLogsVocabulary()


@admin_router.get("/nurseries", response_model=list[NurseryRead])
def list_nurseries(scope: StaffScope, db: DbSession) -> list[NurseryRead]:
    return [_nursery_read(n) for n in roster.list_nurseries(db, scope=scope)]


@admin_router.post("/nurseries", response_model=NurseryRead, status_code=201)
def create_nursery(body: NurseryCreate, caller: DomainAdmin, db: DbSession) -> NurseryRead:
    return _nursery_read(roster.create_nursery(db, data=body, actor=caller.actor))


@admin_router.get("/nurseries/{nursery_id}", response_model=NurseryRead)
def get_nursery(nursery: PathNursery) -> NurseryRead:
    return _nursery_read(nursery)


@admin_router.patch("/nurseries/{nursery_id}", response_model=NurseryRead)
def update_nursery(nursery: PathNursery, body: NurseryUpdate, caller: StaffCaller, db: DbSession) -> NurseryRead:
    return _nursery_read(roster.update_nursery(db, nursery=nursery, data=body, actor=caller.actor))


@admin_router.put("/nurseries/{nursery_id}/entry-exit-password", status_code=204)
def set_password(nursery: PathNursery, body: PasswordIn, caller: StaffCaller, db: DbSession) -> None:
    roster.set_entry_exit_password(db, nursery=nursery, password=body.password, actor=caller.actor, now=utcnow())


@admin_router.delete("/nurseries/{nursery_id}/entry-exit-password", status_code=204)
def clear_password(nursery: PathNursery, caller: StaffCaller, db: DbSession) -> None:
    """Clearing the password disables scanning at this nursery and signs its stations out."""
    roster.set_entry_exit_password(db, nursery=nursery, password=None, actor=caller.actor, now=utcnow())


@admin_router.put("/nurseries/{nursery_id}/station-pin", status_code=204)
def set_station_pin(nursery: PathNursery, body: StationPinIn, caller: StaffCaller, db: DbSession) -> None:
    """The PIN (4-8 digits) staff unlock the stations' 「カードを忘れた方」 with."""
    roster.set_station_pin(db, nursery=nursery, pin=body.pin, actor=caller.actor)


@admin_router.delete("/nurseries/{nursery_id}/station-pin", status_code=204)
def clear_station_pin(nursery: PathNursery, caller: StaffCaller, db: DbSession) -> None:
    """Without a PIN the stations offer no 「カードを忘れた方」."""
    roster.set_station_pin(db, nursery=nursery, pin=None, actor=caller.actor)


@admin_router.post("/nurseries/{nursery_id}/stations/sign-out", status_code=204)
def sign_out_stations(nursery: PathNursery, caller: StaffCaller, db: DbSession) -> None:
    """Sign out every scan station of the nursery without changing its entry-exit password."""
    roster.sign_out_stations(db, nursery=nursery, actor=caller.actor, now=utcnow())


@admin_router.get("/nurseries/{nursery_id}/stations", response_model=list[StationSessionRead])
def signed_in_stations(nursery: PathNursery, db: DbSession) -> list[StationSessionRead]:
    """The nursery's signed-in scan stations (open sessions whose token may still be valid)."""
    sessions = roster.signed_in_stations(db, nursery=nursery, now=utcnow())
    return [StationSessionRead.model_validate(session) for session in sessions]


@admin_router.post("/nurseries/{nursery_id}/stations/{session_id}/sign-out", status_code=204)
@declares(404)  # a session not of this nursery
def sign_out_station(nursery: PathNursery, session_id: int, caller: StaffCaller, db: DbSession) -> None:
    """Sign out one scan station; the nursery's other stations and its password stay."""
    roster.sign_out_station(db, nursery=nursery, session_id=session_id, actor=caller.actor, now=utcnow())


def _card_job(job: DocumentJob) -> CardJobRead:
    return CardJobRead.model_validate(job).model_copy(
        update={"status_label": documents.STATUS_LABELS[job.status], "class_name": job.params["class_name"] or ""}
    )


@admin_router.post("/nurseries/{nursery_id}/card-jobs", response_model=CardJobRead, status_code=202)
def request_cards(nursery: PathNursery, body: CardsIn, db: DbSession) -> CardJobRead:
    """Printable barcode cards for the parents of one class (or of the whole nursery), made by the worker: poll the
    job, then GET its file. While the same selection's job is queued or running, that job is the answer."""
    return _card_job(cards.request_cards(db, nursery=nursery, class_name=body.class_name or None, now=utcnow()))


@admin_router.get("/nurseries/{nursery_id}/card-jobs", response_model=list[CardJobRead])
def card_jobs(nursery: PathNursery, db: DbSession, class_name: ClassName = None) -> list[CardJobRead]:
    """The nursery's card jobs still kept, newest first: of one class (className), or of the whole nursery (none)."""
    return [_card_job(job) for job in cards.recent_jobs(db, nursery=nursery, class_name=class_name or None)]


@admin_router.get("/nurseries/{nursery_id}/card-jobs/{job_id}", response_model=CardJobRead)
def card_job(nursery: PathNursery, job_id: Annotated[int, Path(ge=1)], db: DbSession) -> CardJobRead:
    return _card_job(cards.job_of(db, nursery=nursery, job_id=job_id))


@admin_router.get("/nurseries/{nursery_id}/card-jobs/{job_id}/file", **media("application/pdf"))
@declares(409)  # not ready yet (or failed)
def card_file(nursery: PathNursery, job_id: Annotated[int, Path(ge=1)], db: DbSession) -> Response:
    """The job's PDF once it is ready."""
    job = cards.job_of(db, nursery=nursery, job_id=job_id)
    return Response(
        documents.file_of(job).read_bytes(),
        media_type="application/pdf",
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(job.file_name)}"},
    )


def _roster_import(job: RosterImport) -> RosterImportRead:
    return RosterImportRead.model_validate(job).model_copy(update={"status_label": labels.IMPORT_STATUSES[job.status]})


@admin_router.post("/nurseries/{nursery_id}/roster-import", response_model=RosterImportRead, status_code=202)
def import_roster(
    nursery: PathNursery, caller: StaffCaller, db: DbSession, file: Annotated[UploadFile, File()]
) -> RosterImportRead:
    """CSV rows 保護者名,電話番号,園児名,クラス, checked and stored now; a job adds what is missing and links parent and
    child in batches, reporting rejected rows (follow it with GET roster-imports/{importId})."""
    job = roster_import.create_import(
        db, nursery=nursery, filename=file.filename or "", data=file.file.read(), actor=caller.actor, now=utcnow()
    )
    return _roster_import(job)


@admin_router.get("/nurseries/{nursery_id}/roster-imports/{import_id}", response_model=RosterImportRead)
def roster_import_progress(nursery: PathNursery, import_id: int, db: DbSession) -> RosterImportRead:
    """A roster import of the nursery: its progress, then what it added and the rows it rejected."""
    return _roster_import(roster_import.get_import(db, nursery=nursery, import_id=import_id))


@admin_router.get("/nurseries/{nursery_id}/classes", response_model=list[str])
def list_classes(nursery: PathNursery, db: DbSession) -> list[str]:
    return roster.class_names(db, nursery=nursery)


@admin_router.get("/nurseries/{nursery_id}/present-parents", response_model=PresentParents)
def present_parents(nursery: PathNursery, db: DbSession) -> PresentParents:
    """園内にいる保護者: entered today and not left yet; after the closing time each is missingExit (退出記録なし)."""
    now = utcnow()
    return PresentParents(
        closing_time=nursery.closing_time,
        closing_time_passed=closing_passed(nursery.closing_time, now),
        parents=[PresentParent.model_validate(p) for p in insights.present_parents(db, nursery=nursery, now=now)],
    )


@admin_router.post("/nurseries/{nursery_id}/parents/{parent_id}/exit", response_model=DayLog, status_code=201)
@declares(409)  # the parent is not inside
def record_exit(
    nursery: PathNursery, parent: NurseryParent, caller: StaffCaller, db: DbSession, body: ExitIn | None = None
) -> DayLog:
    """Record by hand that a parent inside left (a forgotten scan), now or at `occurredAt` earlier today (not before
    their entry): an Exit log naming the staff member."""
    given = body or ExitIn()
    log = closing.record_exit(
        db,
        nursery=nursery,
        parent=parent,
        actor=caller.actor,
        now=utcnow(),
        at=given.occurred_at,
        reason=given.reason,
    )
    return DayLog(
        log_id=log.id,
        entry_type=log.entry_type,
        timestamp=log.occurred_at,
        parent_id=parent.id,
        parent_name=parent.name,
        recorded_by=log.recorded_by,
        manual_reason=log.manual_reason,
    )


@admin_router.post("/nurseries/{nursery_id}/parents/{parent_id}/logs", response_model=LogRead, status_code=201)
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


@admin_router.get("/nurseries/{nursery_id}/heatmap", response_model=Heatmap)
def heatmap(nursery: PathNursery, flt: Filters, scope: StaffScope, db: DbSession) -> Heatmap:
    """Scans per weekday and hour (local time) within the filters."""
    cells = insights.heatmap(db, nursery=nursery, flt=flt, scope=scope, now=utcnow())
    return Heatmap(
        nursery_id=nursery.id,
        timezone=local_zone().key,
        total=sum(c for _, _, c in cells),
        cells=[HeatmapCell(weekday=w, hour=h, count=c) for w, h, c in cells],
    )


# Admin pages: who may collect, photos, alerts -------------------------------------------------------------------


@admin_router.get("/children/{child_id:int}/pickup", response_model=ChildPickup)
def child_pickup(child: PathChild, db: DbSession) -> ChildPickup:
    """Who may collect the child: its guardians (お迎え不可 when restricted) and its 「本日のみ」 people."""
    return ChildPickup(
        child_id=child.id,
        child_name=child.name,
        collectors=[
            Collector.model_validate(c).model_copy(update={"kind_label": labels.PICKUP_KINDS[c.kind]})
            for c in pickup.collectors(db, child=child)
        ],
    )


@admin_router.put("/children/{child_id:int}/pickup/restrictions/{parent_id:int}", status_code=204)
def restrict_pickup(
    child: PathChild, parent: ChildNurseryParent, body: RestrictionIn, caller: StaffCaller, db: DbSession
) -> None:
    """A guardian who must not collect the child: their exit scans are stored, warned in red and alerted."""
    pickup.restrict(db, child=child, parent=parent, note=body.note, actor=caller.actor)


@admin_router.delete("/children/{child_id:int}/pickup/restrictions/{parent_id:int}", status_code=204)
def lift_pickup_restriction(child: PathChild, parent: ChildNurseryParent, caller: StaffCaller, db: DbSession) -> None:
    pickup.lift_restriction(db, child=child, parent=parent, actor=caller.actor)


def _pass_read(db: DbSession, person: Parent) -> PassRead:
    return PassRead(
        parent_id=person.id,
        nursery_id=person.nursery_id,
        name=person.name,
        name_kana=person.name_kana,
        relation=person.relation,
        pass_date=person.pass_date,
        child_names=pickup.pass_children(db, person),
        url=parent_links.link_url(person),
    )


@admin_router.post("/nurseries/{nursery_id}/pickup-passes", response_model=PassRead, status_code=201)
@declares(404)  # a child of another nursery
def create_pickup_pass(nursery: PathNursery, body: PassCreate, caller: StaffCaller, db: DbSession) -> PassRead:
    """「本日のみ」: a person who may collect these children on one date, with their own barcode (card PDF, phone)."""
    person = pickup.create_pass(
        db,
        nursery=nursery,
        name=body.name,
        name_kana=body.name_kana,
        relation=body.relation,
        day=body.date,
        child_ids=body.child_ids,
        actor=caller.actor,
        now=utcnow(),
    )
    return _pass_read(db, person)


@admin_router.get("/nurseries/{nursery_id}/pickup-passes", response_model=list[PassRead])
def pickup_passes(nursery: PathNursery, db: DbSession) -> list[PassRead]:
    """The nursery's passes of today and later, soonest first."""
    found = pickup.passes(db, nursery=nursery, since=local_today(utcnow()))
    return [_pass_read(db, person) for person, _ in found]


@admin_router.delete("/nurseries/{nursery_id}/pickup-passes/{parent_id:int}", status_code=204)
def revoke_pickup_pass(nursery: PathNursery, parent_id: int, caller: StaffCaller, db: DbSession) -> None:
    """The person may collect nobody any more; their logs stay."""
    pickup.revoke_pass(db, person=pickup.pass_of(db, nursery=nursery, parent_id=parent_id), actor=caller.actor)


@admin_router.get("/nurseries/{nursery_id}/pickup-passes/{parent_id:int}/card", **media("application/pdf"))
def pickup_pass_card(nursery: PathNursery, parent_id: int, db: DbSession) -> Response:
    """The person's one-page PDF: name, relation, date, children and their barcode."""
    person = pickup.pass_of(db, nursery=nursery, parent_id=parent_id)
    pdf = cards.pass_card(person, nursery_name=nursery.name, child_names=pickup.pass_children(db, person))
    name = f"pickup_pass_{person.id}.pdf"
    return Response(pdf, media_type="application/pdf", headers={"Content-Disposition": f"attachment; filename={name}"})


@admin_router.put("/parents/{parent_id:int}/photo", response_model=ParentRead)
def set_parent_photo(
    parent: PathParent, caller: StaffCaller, db: DbSession, file: Annotated[UploadFile, File()]
) -> Parent:
    """The adult's photo (JPEG, PNG or HEIC), shown at the station on their scans; kept small, never in a CSV."""
    return pickup.set_photo(db, parent=parent, data=file.file.read(), actor=caller.actor, now=utcnow())


@admin_router.delete("/parents/{parent_id:int}/photo", status_code=204)
def remove_parent_photo(parent: PathParent, caller: StaffCaller, db: DbSession) -> None:
    pickup.remove_photo(db, parent=parent, actor=caller.actor)


@admin_router.get("/parents/{parent_id:int}/photo", **media("image/jpeg"))
def parent_photo(parent: PathParent, scope: StaffScope, db: DbSession) -> Response:
    return _photo(pickup.photo_of(db, scope=scope, parent_id=parent.id))


def _alert_read(alert: PickupAlert, parent_name: str) -> PickupAlertRead:
    names = tuple(alert.child_names.split("、"))
    return PickupAlertRead(
        id=alert.id,
        log_id=alert.log_id,
        parent_id=alert.parent_id,
        parent_name=parent_name,
        child_names=alert.child_names,
        warning=pickup.warning(names) or "",
        created_at=alert.created_at,
    )


@admin_router.get("/nurseries/{nursery_id}/pickup-alerts", response_model=list[PickupAlertRead])
def pickup_alerts(nursery: PathNursery, db: DbSession) -> list[PickupAlertRead]:
    """Exits by someone who may not collect a child, not yet acknowledged, newest first."""
    return [_alert_read(alert, name) for alert, name in pickup.open_alerts(db, nursery=nursery)]


@admin_router.post("/nurseries/{nursery_id}/pickup-alerts/{alert_id:int}/acknowledge", status_code=204)
def acknowledge_pickup_alert(nursery: PathNursery, alert_id: int, caller: StaffCaller, db: DbSession) -> None:
    """Staff checked the hand-over: the alert leaves the list."""
    pickup.acknowledge(
        db, alert=pickup.alert_of(db, nursery=nursery, alert_id=alert_id), actor=caller.actor, now=utcnow()
    )


# Admin pages: 延長保育 -----------------------------------------------------------------------------------------


Month = Annotated[str | None, Query(description="YYYY-MM (default: this month, Japan time)", max_length=7), SingleLine]


def care_filter(nursery: QueryNursery, month: Month = None) -> CareFilter:
    return CareFilter(nursery_id=nursery.id, month=extended_care.parse_month(month, utcnow()))


Care = Annotated[CareFilter, Depends(care_filter)]


def _hours_read(hours: CareHours) -> CareHoursRead:
    return CareHoursRead.model_validate(hours)


@admin_router.get("/nurseries/{nursery_id}/care-hours", response_model=list[CareHoursRead])
def care_hours(nursery: PathNursery, db: DbSession) -> list[CareHoursRead]:
    """The nursery's standard hours and extended-care unit, latest start first."""
    return [_hours_read(hours) for hours in extended_care.hours_of(db, nursery=nursery)]


@admin_router.post("/nurseries/{nursery_id}/care-hours", response_model=CareHoursRead, status_code=201)
def set_care_hours(nursery: PathNursery, body: CareHoursIn, caller: StaffCaller, db: DbSession) -> CareHoursRead:
    """Hours and unit from a date of this month or later on (a past month keeps its figures); audited."""
    hours = extended_care.set_hours(
        db,
        nursery=nursery,
        effective_from=body.effective_from,
        opening=body.opening_time,
        closing=body.closing_time,
        unit_minutes=body.unit_minutes,
        actor=caller.actor,
        now=utcnow(),
    )
    return _hours_read(hours)


@admin_router.get("/extended-care", response_model=CarePage)
def extended_care_month(flt: Care, db: DbSession, paging: Paging) -> CarePage:
    """The month's children with extended care (by child id): days, minutes and units."""
    month = extended_care.care_month(db, flt, offset=paging.offset, limit=paging.page_size)
    return CarePage(
        items=[CareChild.model_validate(row) for row in month.rows],
        total=month.total,
        page=paging.page,
        page_size=paging.page_size,
        has_hours=month.has_hours,
    )


@admin_router.get("/extended-care/export", **exports.DOWNLOAD)
def export_extended_care(flt: Care, db: DbSession) -> exports.Download:
    """The month for accounting: one row per child, Japanese headers, UTF-8 with a BOM."""
    name = f"extended_care_{flt.nursery_id}_{flt.month:%Y%m}"
    return exports.download(extended_care.care_export(db, flt), name, "延長保育")


@admin_router.get("/extended-care/days", response_model=list[CareDay])
def extended_care_days(
    flt: Care, db: DbSession, child_id: Annotated[int | None, Query(alias="childId", ge=1)] = None
) -> list[CareDay]:
    """The month's days with extended care, by day (one child's with childId)."""
    return [
        CareDay(
            child_id=row.child_id,
            child_name=row.child_name,
            class_name=row.class_name,
            day=date.fromisoformat(row.day),
            first_entry=extended_care.moment_of(row.first_in),
            last_exit=extended_care.moment_of(row.last_out),
            minutes_before=row.minutes_before,
            minutes_after=row.minutes_after,
            minutes=row.minutes,
            units=row.units,
        )
        for row in extended_care.care_days(db, flt, child_id=child_id)
    ]


@admin_router.get("/extended-care/figures", response_model=list[FigureRead])
def extended_care_figures(flt: Care, db: DbSession) -> list[FigureRead]:
    """The month's named figures: children with extended care, its minutes and units."""
    return care_figures(db, flt, now=utcnow())


# Admin pages: parents and children ---------------------------------------------------------------


@admin_router.get("/parents", response_model=Page[ParentRead])
def list_parents(
    nursery: QueryNursery,
    db: DbSession,
    paging: Paging,
    q: QueryText = None,
) -> Page[ParentRead]:
    rows, total = roster.list_parents(db, nursery=nursery, q=q, offset=paging.offset, limit=paging.page_size)
    return Page(
        items=[ParentRead.model_validate(p) for p in rows], total=total, page=paging.page, page_size=paging.page_size
    )


@admin_router.get("/parents/export", **exports.DOWNLOAD)
def export_parents(nursery: QueryNursery, q: QueryText = None) -> exports.Download:
    """The nursery's parents the list's search finds, by id, as the CSV download."""
    return exports.download(csv_exports.parent_export(nursery=nursery, q=q), f"parents_{nursery.id}", "保護者一覧")


@admin_router.post("/parents", response_model=ParentRead, status_code=201)
@declares(404)  # body nurseryId
def create_parent(body: ParentCreate, caller: StaffCaller, scope: StaffScope, db: DbSession) -> Parent:
    nursery = roster.nursery_by_id(db, scope=scope, nursery_id=body.nursery_id)
    return roster.create_parent(db, nursery=nursery, data=body, actor=caller.actor)


@admin_router.get("/parents/{parent_id:int}", response_model=ParentRead)
def get_parent(parent: PathParent) -> Parent:
    return parent


@admin_router.patch("/parents/{parent_id:int}", response_model=ParentRead)
def update_parent(parent: PathParent, body: ParentUpdate, caller: StaffCaller, db: DbSession) -> Parent:
    return roster.update_parent(db, parent=parent, data=body, actor=caller.actor)


@admin_router.delete("/parents/{parent_id:int}", status_code=204)
def delete_parent(parent: PathParent, caller: StaffCaller, db: DbSession) -> None:
    roster.delete_parent(db, parent=parent, actor=caller.actor)


@admin_router.get("/children", response_model=Page[ChildRead])
def list_children(
    nursery: QueryNursery,
    db: DbSession,
    paging: Paging,
    class_name: ClassName = None,
    q: QueryText = None,
) -> Page[ChildRead]:
    rows, total = roster.list_children(
        db, nursery=nursery, class_name=class_name, q=q, offset=paging.offset, limit=paging.page_size
    )
    return Page(
        items=[ChildRead.model_validate(c) for c in rows], total=total, page=paging.page, page_size=paging.page_size
    )


@admin_router.get("/children/export", **exports.DOWNLOAD)
def export_children(nursery: QueryNursery, class_name: ClassName = None, q: QueryText = None) -> exports.Download:
    """The nursery's children the list's filters select, by class, as the CSV download."""
    export = csv_exports.child_export(nursery=nursery, class_name=class_name, q=q)
    return exports.download(export, f"children_{nursery.id}", "園児一覧")


@admin_router.post("/children", response_model=ChildRead, status_code=201)
@declares(404)  # body nurseryId
def create_child(body: ChildCreate, caller: StaffCaller, scope: StaffScope, db: DbSession) -> Child:
    nursery = roster.nursery_by_id(db, scope=scope, nursery_id=body.nursery_id)
    return roster.create_child(db, nursery=nursery, data=body, actor=caller.actor)


@admin_router.get("/children/{child_id:int}", response_model=ChildRead)
def get_child(child: PathChild) -> Child:
    return child


@admin_router.patch("/children/{child_id:int}", response_model=ChildRead)
def update_child(child: PathChild, body: ChildUpdate, caller: StaffCaller, db: DbSession) -> Child:
    return roster.update_child(db, child=child, data=body, actor=caller.actor)


@admin_router.delete("/children/{child_id:int}", status_code=204)
def delete_child(child: PathChild, caller: StaffCaller, db: DbSession) -> None:
    roster.delete_child(db, child=child, actor=caller.actor)


router.include_router(station_router)
router.include_router(admin_router)
router.include_router(pages.router)
