"""The roster: nurseries and their stations' password, PIN and sessions; parents and children with their CSV;
classes; barcode card jobs; roster CSV imports."""

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Path, Query, Response, UploadFile

from service import documents, exports
from service.database import utcnow
from service.deps import DbSession
from service.documents import DocumentJob
from service.entry_logs import cards, labels
from service.entry_logs.dependencies import (
    DomainAdmin,
    PathChild,
    PathNursery,
    PathParent,
    QueryNursery,
    StaffCaller,
    StaffScope,
    nursery_by_id,
)
from service.entry_logs.models import Child, Nursery, Parent, RosterImport
from service.entry_logs.roster import csv_exports, roster_import
from service.entry_logs.roster import service as roster
from service.entry_logs.roster.schemas import (
    CardJobRead,
    CardsIn,
    ChildCreate,
    ChildRead,
    ChildUpdate,
    NurseryCreate,
    NurseryRead,
    NurseryUpdate,
    ParentCreate,
    ParentRead,
    ParentUpdate,
    PasswordIn,
    RosterImportRead,
    StationNameIn,
    StationPinIn,
    StationSessionRead,
)
from service.entry_logs.schemas import Token
from service.errors import Forbidden
from service.openapi import declares, media
from service.pagination import Page, Paging
from service.schemas import QueryText, SingleLine
from service.tabular import COLUMNS_FIELD, MappingText, parse_mapping

StationId = Annotated[Token, Path(description="the station's id, as its sign-in shows it")]

router = APIRouter(tags=["entry_logs"])

ClassName = Annotated[str | None, Query(alias="className", max_length=50), SingleLine]


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


@router.get("/entry-logs/nurseries", response_model=list[NurseryRead])
def list_nurseries(scope: StaffScope, db: DbSession) -> list[NurseryRead]:
    return [_nursery_read(n) for n in roster.list_nurseries(db, scope=scope)]


@router.post("/entry-logs/nurseries", response_model=NurseryRead, status_code=201)
def create_nursery(body: NurseryCreate, caller: DomainAdmin, scope: StaffScope, db: DbSession) -> NurseryRead:
    if not scope.unrestricted:
        raise Forbidden(labels.ADD_NURSERY_SCOPED, code="scoped_grant")
    return _nursery_read(roster.create_nursery(db, data=body, actor=caller.actor))


@router.get("/entry-logs/nurseries/{nursery_id}", response_model=NurseryRead)
def get_nursery(nursery: PathNursery) -> NurseryRead:
    return _nursery_read(nursery)


@router.patch("/entry-logs/nurseries/{nursery_id}", response_model=NurseryRead)
def update_nursery(nursery: PathNursery, body: NurseryUpdate, caller: StaffCaller, db: DbSession) -> NurseryRead:
    return _nursery_read(roster.update_nursery(db, nursery=nursery, data=body, actor=caller.actor))


@router.put("/entry-logs/nurseries/{nursery_id}/entry-exit-password", status_code=204)
def set_password(nursery: PathNursery, body: PasswordIn, caller: StaffCaller, db: DbSession) -> None:
    roster.set_entry_exit_password(db, nursery=nursery, password=body.password, actor=caller.actor, now=utcnow())


@router.delete("/entry-logs/nurseries/{nursery_id}/entry-exit-password", status_code=204)
def clear_password(nursery: PathNursery, caller: StaffCaller, db: DbSession) -> None:
    """Clearing the password disables scanning at this nursery and signs its stations out."""
    roster.set_entry_exit_password(db, nursery=nursery, password=None, actor=caller.actor, now=utcnow())


@router.put("/entry-logs/nurseries/{nursery_id}/station-pin", status_code=204)
def set_station_pin(nursery: PathNursery, body: StationPinIn, caller: StaffCaller, db: DbSession) -> None:
    """The PIN (4-8 digits) staff unlock the stations' 「カードを忘れた方」 with."""
    roster.set_station_pin(db, nursery=nursery, pin=body.pin, actor=caller.actor)


@router.delete("/entry-logs/nurseries/{nursery_id}/station-pin", status_code=204)
def clear_station_pin(nursery: PathNursery, caller: StaffCaller, db: DbSession) -> None:
    """Without a PIN the stations offer no 「カードを忘れた方」."""
    roster.set_station_pin(db, nursery=nursery, pin=None, actor=caller.actor)


@router.post("/entry-logs/nurseries/{nursery_id}/stations/sign-out", status_code=204)
def sign_out_stations(nursery: PathNursery, caller: StaffCaller, db: DbSession) -> None:
    """Sign out every scan station of the nursery without changing its entry-exit password."""
    roster.sign_out_stations(db, nursery=nursery, actor=caller.actor, now=utcnow())


@router.get("/entry-logs/nurseries/{nursery_id}/stations", response_model=list[StationSessionRead])
def signed_in_stations(nursery: PathNursery, db: DbSession) -> list[StationSessionRead]:
    """The nursery's signed-in scan stations (open sessions whose token may still be valid)."""
    sessions = roster.signed_in_stations(db, nursery=nursery, now=utcnow())
    return [
        StationSessionRead.model_validate(session).model_copy(update={"station_name": name})
        for session, name in sessions
    ]


@router.put("/entry-logs/nurseries/{nursery_id}/station-names/{station_id}", status_code=204)
def name_station(
    nursery: PathNursery, station_id: StationId, body: StationNameIn, caller: StaffCaller, db: DbSession
) -> None:
    """Name a scan station (its id as its sign-in shows it): the logs and their download show the station by it."""
    roster.name_station(db, nursery=nursery, station_id=station_id, name=body.name, actor=caller.actor)


@router.post("/entry-logs/nurseries/{nursery_id}/stations/{session_id}/sign-out", status_code=204)
@declares(404)  # a session not of this nursery
def sign_out_station(nursery: PathNursery, session_id: int, caller: StaffCaller, db: DbSession) -> None:
    """Sign out one scan station; the nursery's other stations and its password stay."""
    roster.sign_out_station(db, nursery=nursery, session_id=session_id, actor=caller.actor, now=utcnow())


def _card_job(job: DocumentJob) -> CardJobRead:
    return CardJobRead.model_validate(job).model_copy(
        update={"status_label": documents.STATUS_LABELS[job.status], "class_name": job.params["class_name"] or ""}
    )


@router.post("/entry-logs/nurseries/{nursery_id}/card-jobs", response_model=CardJobRead, status_code=202)
def request_cards(nursery: PathNursery, body: CardsIn, db: DbSession) -> CardJobRead:
    """Printable barcode cards for the parents of one class (or of the whole nursery), made by the worker: poll the
    job, then GET its file. While the same selection's job is queued or running, that job is the answer."""
    return _card_job(cards.request_cards(db, nursery=nursery, class_name=body.class_name or None, now=utcnow()))


@router.get("/entry-logs/nurseries/{nursery_id}/card-jobs", response_model=list[CardJobRead])
def card_jobs(nursery: PathNursery, db: DbSession, class_name: ClassName = None) -> list[CardJobRead]:
    """The nursery's card jobs still kept, newest first: of one class (className), or of the whole nursery (none)."""
    return [_card_job(job) for job in cards.recent_jobs(db, nursery=nursery, class_name=class_name or None)]


@router.get("/entry-logs/nurseries/{nursery_id}/card-jobs/{job_id}", response_model=CardJobRead)
def card_job(nursery: PathNursery, job_id: Annotated[int, Path(ge=1)], db: DbSession) -> CardJobRead:
    return _card_job(cards.job_of(db, nursery=nursery, job_id=job_id))


@router.get("/entry-logs/nurseries/{nursery_id}/card-jobs/{job_id}/file", **media("application/pdf"))
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


@router.post("/entry-logs/nurseries/{nursery_id}/roster-import", response_model=RosterImportRead, status_code=202)
def import_roster(
    nursery: PathNursery,
    caller: StaffCaller,
    db: DbSession,
    file: Annotated[UploadFile, File()],
    columns: Annotated[MappingText | None, Form(description=COLUMNS_FIELD)] = None,
) -> RosterImportRead:
    """Rows 保護者名,電話番号,園児名,クラス (.xlsx or CSV, title rows above the header passed over): the header checked
    and the file stored now; a job reads it (「読み込み中」; too long or unreadable: 失敗 with `error`), adds what is
    missing and links parent and child in batches, reporting rejected rows by their sheet row (follow it with GET
    roster-imports/{importId}). A required column named otherwise is a 422 `columns_unmatched` listing the file's
    columns and the expected ones: send the file again with `columns`."""
    job = roster_import.create_import(
        db,
        nursery=nursery,
        filename=file.filename or "",
        data=file.file.read(),
        actor=caller.actor,
        now=utcnow(),
        mapping=parse_mapping(columns),
    )
    return _roster_import(job)


@router.get("/entry-logs/nurseries/{nursery_id}/roster-imports/{import_id}", response_model=RosterImportRead)
def roster_import_progress(nursery: PathNursery, import_id: int, db: DbSession) -> RosterImportRead:
    """A roster import of the nursery: its progress, then what it added and the rows it rejected."""
    return _roster_import(roster_import.get_import(db, nursery=nursery, import_id=import_id))


@router.get("/entry-logs/nurseries/{nursery_id}/classes", response_model=list[str])
def list_classes(nursery: PathNursery, db: DbSession) -> list[str]:
    return roster.class_names(db, nursery=nursery)


@router.get("/entry-logs/parents", response_model=Page[ParentRead])
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


@router.get("/entry-logs/parents/export", **exports.DOWNLOAD)
def export_parents(nursery: QueryNursery, q: QueryText = None) -> exports.Download:
    """The nursery's parents the list's search finds, by id, as the CSV download."""
    return exports.download(csv_exports.parent_export(nursery=nursery, q=q), f"parents_{nursery.id}", "保護者一覧")


@router.post("/entry-logs/parents", response_model=ParentRead, status_code=201)
@declares(404)  # body nurseryId
def create_parent(body: ParentCreate, caller: StaffCaller, scope: StaffScope, db: DbSession) -> Parent:
    nursery = nursery_by_id(db, scope=scope, nursery_id=body.nursery_id)
    return roster.create_parent(db, nursery=nursery, data=body, actor=caller.actor)


@router.get("/entry-logs/parents/{parent_id:int}", response_model=ParentRead)
def get_parent(parent: PathParent) -> Parent:
    return parent


@router.patch("/entry-logs/parents/{parent_id:int}", response_model=ParentRead)
def update_parent(parent: PathParent, body: ParentUpdate, caller: StaffCaller, db: DbSession) -> Parent:
    return roster.update_parent(db, parent=parent, data=body, actor=caller.actor)


@router.delete("/entry-logs/parents/{parent_id:int}", status_code=204)
def delete_parent(parent: PathParent, caller: StaffCaller, db: DbSession) -> None:
    roster.delete_parent(db, parent=parent, actor=caller.actor)


@router.get("/entry-logs/children", response_model=Page[ChildRead])
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


@router.get("/entry-logs/children/export", **exports.DOWNLOAD)
def export_children(nursery: QueryNursery, class_name: ClassName = None, q: QueryText = None) -> exports.Download:
    """The nursery's children the list's filters select, by class, as the CSV download."""
    export = csv_exports.child_export(nursery=nursery, class_name=class_name, q=q)
    return exports.download(export, f"children_{nursery.id}", "園児一覧")


@router.post("/entry-logs/children", response_model=ChildRead, status_code=201)
@declares(404)  # body nurseryId
def create_child(body: ChildCreate, caller: StaffCaller, scope: StaffScope, db: DbSession) -> Child:
    nursery = nursery_by_id(db, scope=scope, nursery_id=body.nursery_id)
    return roster.create_child(db, nursery=nursery, data=body, actor=caller.actor)


@router.get("/entry-logs/children/{child_id:int}", response_model=ChildRead)
def get_child(child: PathChild) -> Child:
    return child


@router.patch("/entry-logs/children/{child_id:int}", response_model=ChildRead)
def update_child(child: PathChild, body: ChildUpdate, caller: StaffCaller, db: DbSession) -> Child:
    return roster.update_child(db, child=child, data=body, actor=caller.actor)


@router.delete("/entry-logs/children/{child_id:int}", status_code=204)
def delete_child(child: PathChild, caller: StaffCaller, db: DbSession) -> None:
    roster.delete_child(db, child=child, actor=caller.actor)
