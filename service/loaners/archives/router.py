"""The rotation's archives for admins (`/api/loaners/archives`): list, search within one, download one (router.py
includes these routes). An archive is named by its folder, looked up in the directory's listing: any other name is 404.
"""

from typing import Annotated

from fastapi import APIRouter, Query

from service import exports
from service.deps import DbSession
from service.loaners.archives import archives
from service.loaners.archives.schemas import ArchivedSubmission, ArchiveRead, ArchiveSearchRead
from service.loaners.dependencies import Admin, Scope
from service.schemas import QueryText

router = APIRouter(prefix="/archives")
GZIP_MEDIA_TYPE = "application/gzip"
DOWNLOAD = exports.file_download(GZIP_MEDIA_TYPE)


@router.get("", response_model=list[ArchiveRead])
def list_archives(_: Admin) -> list[ArchiveRead]:
    """Every rotation run's archive in the archive directory, newest first."""
    return [ArchiveRead(**vars(archive)) for archive in archives.list_archives()]


@router.get("/{name}/search", response_model=ArchiveSearchRead)
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


@router.get("/{name}/download", **DOWNLOAD)
def download_archive(name: str, _: Admin, scope: Scope, db: DbSession) -> exports.FileStream:
    """The archive's rows (of the caller's 管轄) as one gzip JSON-lines file, streamed."""
    folder = archives.find_archive(name)
    return exports.FileStream(
        archives.download(folder, codes=archives.location_codes(db, scope)),
        media_type=GZIP_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="loaners_{name}.jsonl.gz"'},
    )
