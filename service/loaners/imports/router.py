"""The imports' API: a Google Forms response sheet accepted for a job (dry run, then 取り込む), the import list and
its CSV. Staff import their 管轄's locations' devices, admins all; the rules live in imports.py."""

from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile

from service import exports
from service.body_guard import upload_limit
from service.broker import queue_task
from service.database import utcnow
from service.deps import DbSession
from service.loaners import labels
from service.loaners.dependencies import Scope, Staff
from service.loaners.imports import imports
from service.loaners.imports.schemas import HeldRowResolve, ImportListed, LoanerImportRead
from service.loaners.kinds import DeviceKind
from service.loaners.submissions import forms
from service.pagination import Page, Paging, page_of
from service.tabular import COLUMNS_FIELD, MappingText, parse_mapping

router = APIRouter(prefix="/loaners", tags=["loaners"])


def _import_read(job) -> LoanerImportRead:
    return LoanerImportRead.model_validate(job).model_copy(update={"status_label": labels.IMPORT_STATUSES[job.status]})


@router.post("/imports", response_model=LoanerImportRead, status_code=202)
@upload_limit("loaners_max_sheet_bytes")
def import_sheet(
    caller: Staff,
    scope: Scope,
    db: DbSession,
    form_kind: Annotated[DeviceKind, Form()],
    file: Annotated[UploadFile, File()],
    dry_run: Annotated[bool, Form()] = False,
    columns: Annotated[MappingText | None, Form(description=COLUMNS_FIELD)] = None,
) -> LoanerImportRead:
    """Accept a Google Forms response sheet (.xlsx, or CSV in UTF-8 or Shift_JIS; title rows above the header are
    passed over) for one form; a job stores the rows as history (poll GET /imports/{id}). A required column the file
    names otherwise is a 422 `columns_unmatched` whose details list the file's columns and the expected ones: send
    the file again with `columns`. With dry_run, the job only says what each row will do (`plan`); POST
    /imports/{id}/run then imports them. A clerk of one 管轄 imports its locations' devices: another 管轄's rows are
    refused by name."""
    job = imports.create_import(
        db,
        form=forms.get_form(db, form_kind),
        filename=file.filename or "responses.csv",
        data=file.file.read(),
        scope=scope,
        actor=caller.actor,
        now=utcnow(),
        dry_run=dry_run,
        mapping=parse_mapping(columns),
    )
    queue_task(db, "loaners.import_submissions", job.id)
    return _import_read(job)


@router.post("/imports/{import_id}/run", response_model=LoanerImportRead, status_code=202)
def run_checked_import(import_id: int, caller: Staff, scope: Scope, db: DbSession) -> LoanerImportRead:
    """取り込む: import a sheet whose dry run has finished (409 before that, or once it was started)."""
    job = imports.get_import(db, import_id, scope)
    job = imports.start_checked_import(db, job=job, actor=caller.actor, now=utcnow())
    queue_task(db, "loaners.import_submissions", job.id)
    return _import_read(job)


@router.post("/imports/{import_id}/held/{row}", response_model=LoanerImportRead)
def resolve_held_row(
    import_id: int, row: int, body: HeldRowResolve, caller: Staff, scope: Scope, db: DbSession
) -> LoanerImportRead:
    """A row of a finished import held as 確認待ち (its serial one edit from a known device's), as the person says it
    is: `new` registers its number as a new device (新規として登録), `existing` adds its answer to the known device
    (既存を更新); audited. 409 before the import is done, or when the answer cannot be stored (a copy, one already
    stored: the reason says which); 404 for a row not held or already resolved."""
    job = imports.get_import(db, import_id, scope)
    job = imports.resolve_held_row(db, job=job, row=row, resolution=body.resolution, actor=caller.actor, now=utcnow())
    return _import_read(job)


@router.get("/imports", response_model=Page[ImportListed])
def list_imports(_: Staff, scope: Scope, db: DbSession, paging: Paging) -> Page:
    """Every import of the caller's 管轄, newest first: who, when, the file, its rows taken / duplicate / unreadable,
    its state."""
    rows, total = imports.import_page(db, scope=scope, offset=paging.offset, limit=paging.page_size)
    return page_of(rows, total, paging)


@router.get("/imports.csv", **exports.DOWNLOAD)
def export_imports(_: Staff, scope: Scope) -> exports.Download:
    """The import list as the CSV download."""
    return exports.download(imports.import_export(scope), "loaners_imports", "取込の履歴")


@router.get("/imports/{import_id}", response_model=LoanerImportRead)
def get_import(import_id: int, _: Staff, scope: Scope, db: DbSession) -> LoanerImportRead:
    return _import_read(imports.get_import(db, import_id, scope))
