"""The rotation's API for admins (§8.2): its runs, a preview and starting one now; and its archives
(`/api/loaners/archives`): list, search within one, download one. An archive is named by its folder, looked up in the
directory's listing: any other name is 404. Thin handlers; the rules live in rotation.py and archives.py."""

from typing import Annotated

from fastapi import APIRouter, Query

from service import exports
from service.broker import queue_task
from service.database import utcnow
from service.deps import DbSession
from service.errors import Conflict
from service.loaners import labels
from service.loaners.archives import archives, rotation
from service.loaners.archives.schemas import (
    ArchivedSubmission,
    ArchiveRead,
    ArchiveSearchRead,
    RotationPreview,
    RotationRead,
)
from service.loaners.dependencies import Admin, Scope
from service.schemas import QueryText

router = APIRouter(prefix="/loaners", tags=["loaners"])
GZIP_MEDIA_TYPE = "application/gzip"
DOWNLOAD = exports.file_download(GZIP_MEDIA_TYPE)


@router.get("/archives", response_model=list[ArchiveRead])
def list_archives(_: Admin) -> list[ArchiveRead]:
    """Every rotation run's archive in the archive directory, newest first."""
    return [ArchiveRead(**vars(archive)) for archive in archives.list_archives()]


@router.get("/archives/{name}/search", response_model=ArchiveSearchRead)
def search_archive(
    name: str,
    _: Admin,
    scope: Scope,
    db: DbSession,
    device_id: Annotated[int | None, Query(ge=1)] = None,
    number: QueryText = None,
    q: QueryText = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> ArchiveSearchRead:
    """The archived submissions of one archive matching a device, part of a 拠点管理番号 and a text in its answers,
    in the caller's 管轄: the first `limit` found, read from the files as they stream (`complete` false when more)."""
    folder = archives.find_archive(name)
    device_number = archives.device_number(db, device_id, scope) if device_id is not None else None
    found, scanned, complete = archives.search(
        folder,
        query=archives.ArchiveQuery(device_id=device_id, number=number, text=q),
        number=device_number,
        codes=archives.location_codes(db, scope),
        limit=limit,
    )
    items = [ArchivedSubmission(**row) for row in found]
    return ArchiveSearchRead(archive=name, items=items, scanned_rows=scanned, complete=complete)


@router.get("/archives/{name}/download", **DOWNLOAD)
def download_archive(name: str, _: Admin, scope: Scope, db: DbSession) -> exports.FileStream:
    """The archive's rows (of the caller's 管轄) as one gzip JSON-lines file, streamed."""
    folder = archives.find_archive(name)
    return exports.FileStream(
        archives.download(folder, codes=archives.location_codes(db, scope)),
        media_type=GZIP_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="loaners_{name}.jsonl.gz"'},
    )


def _rotation_read(run) -> RotationRead:
    return RotationRead.model_validate(run).model_copy(update={"status_label": labels.ROTATION_STATUSES[run.status]})


@router.get("/rotations", response_model=list[RotationRead])
def list_rotations(_: Admin, db: DbSession, limit: Annotated[int, Query(ge=1, le=100)] = 20) -> list[RotationRead]:
    return [_rotation_read(run) for run in rotation.list_runs(db, limit=limit)]


@router.get("/rotations/preview", response_model=RotationPreview)
def preview_rotation(_: Admin, db: DbSession) -> RotationPreview:
    """What a rotation started now would archive (nothing is changed)."""
    return RotationPreview(**rotation.preview(db, now=utcnow()))


@router.post("/rotations", response_model=RotationRead, status_code=202)
def start_rotation(caller: Admin, db: DbSession) -> RotationRead:
    """Run the rotation now (it also runs by itself every 4 weeks); 409 while one is running."""
    run = rotation.start(db, now=utcnow(), actor=caller.actor)
    if run is None:
        raise Conflict(labels.ROTATION_RUNNING, code="rotation_running")
    queue_task(db, "loaners.rotate_submissions", run.id)
    return _rotation_read(run)
