"""The loaners (代替機) API: thin handlers, every query limited to the caller's 管轄."""

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from fastapi.responses import Response

from service import exports, fields
from service.body_guard import upload_limit
from service.broker import queue_task
from service.config import get_settings
from service.database import utcnow
from service.deps import DbSession
from service.errors import Conflict
from service.identity.dependencies import Caller
from service.identity.models import User
from service.loaners import labels
from service.loaners.archives import rotation
from service.loaners.archives import router as archive_router
from service.loaners.archives.schemas import RotationPreview, RotationRead
from service.loaners.dependencies import (
    Admin,
    Jurisdiction,
    LocationId,
    Scope,
    ScopedDevice,
    ScopedLocation,
    Staff,
    Text50,
)
from service.loaners.devices import devices, labels_pdf, timeline
from service.loaners.devices.schemas import DeviceCreate, DeviceDetail, DeviceRead, DeviceUpdate
from service.loaners.imports import imports
from service.loaners.imports.schemas import ImportListed, LoanerImportRead
from service.loaners.masters import masters
from service.loaners.masters.schemas import (
    CategoryRead,
    DataTypeCreate,
    DataTypeRead,
    DataTypeUpdate,
    LocationCreate,
    LocationRead,
    LocationUpdate,
    ModelCreate,
    ModelRead,
    ModelUpdate,
)
from service.loaners.models import Form as StatusForm
from service.loaners.returns import returns
from service.loaners.returns.schemas import ReturnDevice
from service.loaners.schemas import Kind, LoanerVocabulary
from service.loaners.submissions import bulk, forms, submissions
from service.loaners.submissions.schemas import (
    BulkSubmissionIn,
    DeviceForm,
    FormRead,
    QuestionCreate,
    QuestionRead,
    QuestionUpdate,
    SubmissionIn,
    SubmissionRead,
)
from service.loaners.views import figures as loaners_figures
from service.loaners.views import history, views
from service.loaners.views.schemas import AuditPage, HeldDevice, NormalPage, SummaryRead
from service.openapi import media
from service.pagination import Page, PageParams, page_params
from service.schemas import QueryText

router = APIRouter(prefix="/loaners", tags=["loaners"])
router.include_router(archive_router.router)
Paging = Annotated[PageParams, Depends(page_params)]


def view_filter(
    jurisdiction: Jurisdiction,
    location_id: LocationId,
    kind: Kind | None = None,
    status: QueryText = None,
    held_status: QueryText = None,
    q: QueryText = None,
) -> views.ViewFilter:
    return views.ViewFilter(jurisdiction, location_id, kind, status, held_status, q)


def audit_view_filter(
    jurisdiction: Jurisdiction,
    location_id: LocationId,
    status: QueryText = None,
    q: QueryText = None,
    date_from: Annotated[date | None, Query(alias="from")] = None,
    date_to: Annotated[date | None, Query(alias="to")] = None,
) -> history.HistoryFilter:
    since, until = history.period(date_from, date_to)
    return history.HistoryFilter(jurisdiction, location_id, status, q, since, until)


ReturnStatus = Literal["1.返却可能", "2.商談や金額の問題で返却不可", "3.お客様による返却拒否"]  # labels.RETURN_STATUSES
Days = Annotated[int | None, Query(ge=0, le=36_500)]


def return_filter(
    jurisdiction: Jurisdiction,
    location_id: LocationId,
    held_status: ReturnStatus | None = None,
    min_days: Days = None,
    max_days: Days = None,
) -> returns.ReturnFilter:
    return returns.ReturnFilter(jurisdiction, location_id, held_status, min_days, max_days)


Filters = Annotated[views.ViewFilter, Depends(view_filter)]
ReturnFilters = Annotated[returns.ReturnFilter, Depends(return_filter)]
AuditFilters = Annotated[history.HistoryFilter, Depends(audit_view_filter)]


def _page(items: list, total: int, paging: PageParams) -> Page:
    return Page(items=items, total=total, page=paging.page, page_size=paging.page_size)


def _model_read(model) -> ModelRead:
    label, _, kind, _ = labels.CATEGORIES[model.category]
    return ModelRead.model_validate(model).model_copy(update={"category_label": label, "kind": kind})


def _form_read(db: DbSession, form: StatusForm, *, include_inactive: bool = False) -> FormRead:
    questions = forms.form_questions(db, form, include_inactive=include_inactive)
    return FormRead(
        kind=form.kind,
        kind_label=labels.KINDS[form.kind],
        title=form.title,
        description=form.description,
        status_key=labels.STATUS_KEY,
        person_key=labels.PERSON_KEY,
        nested_keys=forms.QuestionSet([q for q in questions if q.active]).nested_keys,
        questions=[QuestionRead.model_validate(q) for q in questions],
    )


# --- masters -----------------------------------------------------------------------------------------


@router.get("/categories", response_model=list[CategoryRead])
def list_categories(_: Staff) -> list[CategoryRead]:
    """The 8 fixed categories (§2.2.3) with their number section, kind and summary device type."""
    return [
        CategoryRead(
            category=c,
            label=label,
            number_section=section,
            kind=kind,
            kind_label=labels.KINDS[kind],
            device_type=device_type,
        )
        for c, (label, section, kind, device_type) in labels.CATEGORIES.items()
    ]


@router.get("/vocabulary", response_model=LoanerVocabulary)
def vocabulary(_: Staff) -> LoanerVocabulary:
    """The labels, form keys and check messages the pages show, from labels.py (the one source)."""
    return LoanerVocabulary(
        kinds=labels.KINDS,
        location_statuses=labels.LOCATION_STATUSES,
        question_types=labels.QUESTION_TYPES,
        held_statuses=labels.HELD_STATUSES,
        status_key=labels.STATUS_KEY,
        held_key=labels.HELD_KEY,
        number_column=labels.COL_NUMBER,
        archived_column=labels.ARCHIVED_COLUMN,
        archived=labels.ARCHIVED,
        return_statuses=list(labels.RETURN_STATUSES),
        return_due_days=get_settings().loaners_return_due_days,
        fields=fields.vocabulary(labels.AUDIT.tables),
        messages={
            "not_a_choice": labels.NOT_A_CHOICE,
            "held_not_allowed": labels.HELD_NOT_ALLOWED,
            "condition_not_met": labels.CONDITION_NOT_MET,
            "required": labels.REQUIRED,
            "answers_invalid": labels.ANSWERS_INVALID,
        },
    )


@router.get("/jurisdictions", response_model=list[str])
def list_jurisdictions(_: Staff, scope: Scope, db: DbSession) -> list[str]:
    return masters.jurisdictions(db, scope=scope)


@router.get("/locations", response_model=list[LocationRead])
def list_locations(
    _: Staff,
    scope: Scope,
    db: DbSession,
    jurisdiction: Jurisdiction,
    status: Literal["active", "inactive"] | None = None,
) -> list:
    return masters.list_locations(db, scope=scope, jurisdiction=jurisdiction, status=status)


@router.post("/locations", response_model=LocationRead, status_code=201)
def create_location(body: LocationCreate, caller: Admin, db: DbSession) -> object:
    return masters.create_location(db, data=body, actor=caller.actor)


@router.get("/locations/{location_id}", response_model=LocationRead)
def get_location(_: Staff, location: ScopedLocation) -> object:
    return location


@router.patch("/locations/{location_id}", response_model=LocationRead)
def update_location(body: LocationUpdate, caller: Admin, location: ScopedLocation, db: DbSession) -> object:
    return masters.update_location(db, location=location, data=body, actor=caller.actor)


@router.delete("/locations/{location_id}", status_code=204)
def delete_location(caller: Admin, location: ScopedLocation, db: DbSession) -> None:
    masters.delete_location(db, location=location, actor=caller.actor)


@router.get("/locations/{location_id}/labels.pdf", **media("application/pdf"))
def location_labels(_: Staff, location: ScopedLocation, db: DbSession, kind: Kind | None = None) -> Response:
    """Printable A4 label sheets: QR code + 拠点管理番号 + 機種名 of every device at the location."""
    body = labels_pdf.label_sheet(db, location=location, kind=kind)
    name = f"loaners-labels-{location.id}{'-' + kind if kind else ''}.pdf"
    return Response(
        body, media_type="application/pdf", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.get("/models", response_model=list[ModelRead])
def list_models(_: Staff, db: DbSession, category: Text50 = None) -> list:
    return [_model_read(m) for m in masters.list_models(db, category=category)]


@router.post("/models", response_model=ModelRead, status_code=201)
def create_model(body: ModelCreate, caller: Admin, db: DbSession) -> ModelRead:
    return _model_read(masters.create_model(db, data=body, actor=caller.actor))


@router.get("/models/{model_id}", response_model=ModelRead)
def get_model(model_id: str, _: Staff, db: DbSession) -> ModelRead:
    return _model_read(masters.get_model(db, model_id))


@router.patch("/models/{model_id}", response_model=ModelRead)
def update_model(model_id: str, body: ModelUpdate, caller: Admin, db: DbSession) -> ModelRead:
    model = masters.get_model(db, model_id)
    return _model_read(masters.update_model(db, model=model, data=body, actor=caller.actor))


@router.delete("/models/{model_id}", status_code=204)
def delete_model(model_id: str, caller: Admin, db: DbSession) -> None:
    masters.delete_model(db, model=masters.get_model(db, model_id), actor=caller.actor)


@router.get("/data-types", response_model=list[DataTypeRead])
def list_data_types(_: Staff, db: DbSession, include_inactive: bool = False) -> list:
    """The view modes for the page's dropdown, in display order (active ones unless asked)."""
    return masters.list_data_types(db, include_inactive=include_inactive)


@router.post("/data-types", response_model=DataTypeRead, status_code=201)
def create_data_type(body: DataTypeCreate, caller: Admin, db: DbSession) -> object:
    return masters.create_data_type(db, data=body, actor=caller.actor)


@router.get("/data-types/{data_type_id}", response_model=DataTypeRead)
def get_data_type(data_type_id: str, _: Staff, db: DbSession) -> object:
    return masters.get_data_type(db, data_type_id)


@router.patch("/data-types/{data_type_id}", response_model=DataTypeRead)
def update_data_type(data_type_id: str, body: DataTypeUpdate, caller: Admin, db: DbSession) -> object:
    data_type = masters.get_data_type(db, data_type_id)
    return masters.update_data_type(db, data_type=data_type, data=body, actor=caller.actor)


@router.delete("/data-types/{data_type_id}", status_code=204)
def delete_data_type(data_type_id: str, caller: Admin, db: DbSession) -> None:
    masters.delete_data_type(db, data_type=masters.get_data_type(db, data_type_id), actor=caller.actor)


# --- status forms ------------------------------------------------------------------------------------------


@router.get("/forms", response_model=list[FormRead])
def list_forms(_: Staff, db: DbSession) -> list[FormRead]:
    return [_form_read(db, forms.get_form(db, kind)) for kind in labels.KINDS]


@router.get("/forms/{kind}", response_model=FormRead)
def get_form(kind: Kind, _: Staff, db: DbSession, include_inactive: bool = False) -> FormRead:
    return _form_read(db, forms.get_form(db, kind), include_inactive=include_inactive)


@router.post("/forms/{kind}/questions", response_model=QuestionRead, status_code=201)
def add_question(kind: Kind, body: QuestionCreate, caller: Admin, db: DbSession) -> object:
    """A form gains a question without code changes: numbered keys ("1-6.…", "3-4-1.…") carry their status prefix."""
    return forms.add_question(db, form=forms.get_form(db, kind), data=body.model_dump(), actor=caller.actor)


@router.patch("/forms/{kind}/questions/{question_id}", response_model=QuestionRead)
def update_question(kind: Kind, question_id: int, body: QuestionUpdate, caller: Admin, db: DbSession) -> object:
    question = forms.get_question(db, form=forms.get_form(db, kind), question_id=question_id)
    data = {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None}
    return forms.update_question(db, question=question, data=data, actor=caller.actor)


# --- devices -------------------------------------------------------------------------------------------------


@router.get("/devices", response_model=Page[DeviceRead])
def list_devices(_: Staff, scope: Scope, db: DbSession, paging: Paging, flt: Filters) -> Page:
    """The device register with each device's current status (filters as in the views)."""
    rows, total = views.device_page(db, scope=scope, flt=flt, offset=paging.offset, limit=paging.page_size)
    now = utcnow()
    return _page([devices.device_read(d, loc, m, now) for d, loc, m, _ in rows], total, paging)


@router.post("/devices", response_model=DeviceDetail, status_code=201)
def create_device(body: DeviceCreate, caller: Staff, scope: Scope, db: DbSession) -> DeviceDetail:
    """Register a device; its 拠点管理番号 is generated (or a given one checked against §4)."""
    device = devices.create_device(db, data=body, scope=scope, actor=caller.actor)
    return devices.device_detail(db, device=device, now=utcnow())


@router.get("/devices/{device_id}", response_model=DeviceDetail)
def get_device(_: Staff, device: ScopedDevice, db: DbSession) -> DeviceDetail:
    return devices.device_detail(db, device=device, now=utcnow())


@router.patch("/devices/{device_id}", response_model=DeviceDetail)
def update_device(body: DeviceUpdate, caller: Staff, device: ScopedDevice, db: DbSession) -> DeviceDetail:
    devices.update_device(db, device=device, data=body, actor=caller.actor)
    return devices.device_detail(db, device=device, now=utcnow())


@router.delete("/devices/{device_id}", status_code=204)
def delete_device(caller: Admin, device: ScopedDevice, db: DbSession) -> None:
    devices.delete_device(db, device=device, actor=caller.actor)


@router.get("/devices/{device_id}/qr.png", **media("image/png"))
def device_qr(_: Staff, device: ScopedDevice) -> Response:
    """The QR code that opens the device's status form with the device chosen."""
    return Response(labels_pdf.device_qr(device.id), media_type="image/png")


@router.get("/devices/{device_id}/form", response_model=DeviceForm)
def device_form(_: Staff, device: ScopedDevice, db: DbSession) -> DeviceForm:
    """The status form for the device, its current answers to prefill, and which questions they show."""
    detail = devices.device_detail(db, device=device, now=utcnow())
    prefill = detail.current.answers if detail.current else {}
    return DeviceForm(
        device=DeviceRead(**detail.model_dump(exclude={"current"})),
        form=_form_read(db, forms.get_form(db, device.kind)),
        current=detail.current,
        prefill=prefill,
        visible_keys=forms.question_set(db, device.kind).visible_keys(prefill),
    )


@router.get("/devices/{device_id}/submissions", response_model=Page[SubmissionRead])
def device_timeline(_: Staff, device: ScopedDevice, db: DbSession, paging: Paging) -> Page:
    """Every submission of the device, newest first (the full timeline), the rotation's archived ones included
    (`archived`, read back from the archive: the oldest, last)."""
    items, total = timeline.timeline(db, device=device, offset=paging.offset, limit=paging.page_size)
    return _page(items, total, paging)


@router.get("/devices/{device_id}/submissions/export", **exports.DOWNLOAD)
def export_timeline(_: Staff, device: ScopedDevice, db: DbSession) -> exports.Download:
    """The device's whole timeline, newest first, archived rows included, as the CSV download."""
    return exports.download(timeline.timeline_export(db, device), f"loaners_timeline_{device.id}", "機器の送信履歴")


@router.post("/devices/{device_id}/submissions", response_model=SubmissionRead, status_code=201)
def submit_status(body: SubmissionIn, caller: Staff, device: ScopedDevice, db: DbSession) -> object:
    """Append a status answer set; 422 naming the rule when an answer breaks one (nothing is stored then)."""
    email = _submitter_email(db, caller)
    submission = submissions.submit(
        db,
        device=device,
        raw_answers=body.answers,
        email=email,
        actor=caller.actor,
        now=utcnow(),
    )
    return _submission_read(db, submission)


def _submitter_email(db: DbSession, caller: Caller) -> str:
    user = db.get(User, caller.user_id)
    return (user.email if user else "") or caller.login_id


def _submission_read(db: DbSession, submission) -> SubmissionRead:
    changed = submissions.status_changed(db, submission)
    return SubmissionRead.model_validate(submission).model_copy(update={"status_changed": changed})


@router.post("/submissions/bulk", response_model=list[SubmissionRead], status_code=201)
def bulk_submit_status(body: BulkSubmissionIn, caller: Staff, scope: Scope, db: DbSession) -> list[SubmissionRead]:
    """一括ステータス変更: the same answers for every chosen device of the caller's 管轄, each its own submission, in
    one transaction; a device missing, another 管轄's or refusing the answers is a 422 naming it (nothing stored)."""
    stored = bulk.bulk_submit(
        db,
        device_ids=body.device_ids,
        raw_answers=body.answers,
        scope=scope,
        email=_submitter_email(db, caller),
        actor=caller.actor,
        user_id=caller.user_id,
        now=utcnow(),
    )
    return [_submission_read(db, submission) for submission in stored]


@router.get("/bulk-picks", response_model=list[DeviceRead])
def list_bulk_picks(caller: Staff, scope: Scope, db: DbSession) -> list[DeviceRead]:
    """The devices the caller chose for 一括ステータス変更 (kept across pages and devices), in the order chosen."""
    now = utcnow()
    return [devices.device_read(d, loc, m, now) for d, loc, m in bulk.picked(db, user_id=caller.user_id, scope=scope)]


@router.put("/bulk-picks/{device_id}", status_code=204)
def add_bulk_pick(caller: Staff, device: ScopedDevice, db: DbSession) -> None:
    """Choose a device for 一括ステータス変更 (what 「一括変更に追加」 on the page its QR code opens does)."""
    bulk.pick(db, user_id=caller.user_id, device=device, now=utcnow())


@router.delete("/bulk-picks/{device_id}", status_code=204)
def remove_bulk_pick(caller: Staff, device: ScopedDevice, db: DbSession) -> None:
    bulk.unpick(db, user_id=caller.user_id, device_ids=[device.id])


@router.delete("/bulk-picks", status_code=204)
def clear_bulk_picks(caller: Staff, db: DbSession) -> None:
    bulk.unpick(db, user_id=caller.user_id)


# --- views ---------------------------------------------------------------------------------------------------


@router.get("/views/normal", response_model=NormalPage)
def normal_view(_: Staff, scope: Scope, db: DbSession, paging: Paging, flt: Filters) -> NormalPage:
    """NORMAL (通常データ): base columns + the columns each row's status shows (prefix rule, nested 3-X-* rule)."""
    result = views.normal_view(db, scope=scope, flt=flt, offset=paging.offset, limit=paging.page_size, now=utcnow())
    return NormalPage(**result, page=paging.page, page_size=paging.page_size)


@router.get("/views/normal/export", **exports.DOWNLOAD)
def export_normal_view(_: Staff, scope: Scope, db: DbSession, flt: Filters) -> exports.Download:
    """NORMAL's devices as the CSV download: every column the view can show, each device's own filled."""
    return exports.download(views.normal_export(db, scope=scope, flt=flt, now=utcnow()), "loaners_normal", "代替機一覧")


@router.get("/views/audit", response_model=AuditPage)
def audit_view(_: Staff, scope: Scope, db: DbSession, paging: Paging, flt: AuditFilters) -> AuditPage:
    """AUDIT (監査データ): the submissions (who reported what, when), newest first, under its data type's columns."""
    result = history.history_page(db, scope=scope, flt=flt, offset=paging.offset, limit=paging.page_size)
    return AuditPage(**result, page=paging.page, page_size=paging.page_size)


@router.get("/views/audit/export", **exports.DOWNLOAD)
def export_audit_view(_: Staff, scope: Scope, db: DbSession, flt: AuditFilters) -> exports.Download:
    """AUDIT's history as the CSV download: every submission the filters choose, newest first."""
    return exports.download(history.history_export(db, scope=scope, flt=flt), "loaners_audit", "代替機の送信履歴")


@router.get("/views/summary", response_model=SummaryRead)
def summary_view(_: Staff, scope: Scope, db: DbSession, jurisdiction: Jurisdiction) -> SummaryRead:
    """SUMMARY (サマリー): a card per held status, counts per location x SV/CL/プリンタ/その他, within 管轄."""
    now = utcnow()
    figures = loaners_figures.summary_figures(db, scope=scope, jurisdiction=jurisdiction, now=now)
    return SummaryRead(**views.summary_view(db, scope=scope, jurisdiction=jurisdiction, now=now), figures=figures)


@router.get("/views/summary/export", **exports.DOWNLOAD)
def export_summary(
    _: Staff, scope: Scope, db: DbSession, jurisdiction: Jurisdiction, classified: bool = False
) -> exports.Download:
    """SUMMARY's devices as the CSV download, longest held first: with `classified`, every device its four cards
    count (預かり機の合計); without, 未分類 too."""
    flt = views.HeldFilter(jurisdiction, classified=classified)
    export = views.summary_export(db, scope=scope, flt=flt, now=utcnow())
    return exports.download(export, "loaners_summary", "代替機の集計")


@router.get("/views/summary/devices", response_model=Page[HeldDevice])
def summary_devices(
    _: Staff,
    scope: Scope,
    db: DbSession,
    paging: Paging,
    jurisdiction: Jurisdiction,
    location_id: LocationId,
    held_status: QueryText = None,
    device_type: Literal["SV", "CL", "プリンタ", "その他"] | None = None,
    classified: bool = False,
) -> Page:
    """The devices behind a summary card or cell, longest held first, with the days each has been held
    (`classified`: those with a held status, 預かり機の合計's)."""
    flt = views.HeldFilter(jurisdiction, held_status, location_id, device_type, classified)
    rows, total = views.held_devices(
        db, scope=scope, flt=flt, offset=paging.offset, limit=paging.page_size, now=utcnow()
    )
    return _page(rows, total, paging)


@router.get("/views/returns", response_model=Page[ReturnDevice])
def returns_view(_: Staff, scope: Scope, db: DbSession, paging: Paging, flt: ReturnFilters) -> Page:
    """返却待ち: the devices in custody whose 預かり機のステータス is 返却可能, 商談中 or 返却拒否, longest in that
    status first, with how many days each has been in it."""
    rows, total = returns.returns_page(
        db, scope=scope, flt=flt, offset=paging.offset, limit=paging.page_size, now=utcnow()
    )
    return _page(rows, total, paging)


@router.get("/views/returns/export", **exports.DOWNLOAD)
def export_returns(_: Staff, scope: Scope, flt: ReturnFilters) -> exports.Download:
    """返却待ち as the CSV download: every device its filters select, longest first."""
    return exports.download(returns.returns_export(scope=scope, flt=flt, now=utcnow()), "loaners_returns", "返却待ち")


# --- imports (staff of a 管轄: its locations' devices; admin: all) and rotation (admin) ----------------------------


def _import_read(job) -> LoanerImportRead:
    return LoanerImportRead.model_validate(job).model_copy(update={"status_label": labels.IMPORT_STATUSES[job.status]})


@router.post("/imports", response_model=LoanerImportRead, status_code=202)
@upload_limit("loaners_max_sheet_bytes")
def import_sheet(
    caller: Staff,
    scope: Scope,
    db: DbSession,
    form_kind: Annotated[Kind, Form()],
    file: Annotated[UploadFile, File()],
    dry_run: Annotated[bool, Form()] = False,
) -> LoanerImportRead:
    """Accept a Google Forms response sheet (CSV) for one form; a job stores the rows as history (poll
    GET /imports/{id}). With dry_run, the job only says what each row will do (`plan`); POST /imports/{id}/run
    then imports them. A clerk of one 管轄 imports its locations' devices: another 管轄's rows are refused by
    name."""
    job = imports.create_import(
        db,
        form=forms.get_form(db, form_kind),
        filename=file.filename or "responses.csv",
        data=file.file.read(),
        scope=scope,
        actor=caller.actor,
        now=utcnow(),
        dry_run=dry_run,
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


@router.get("/imports", response_model=Page[ImportListed])
def list_imports(_: Staff, scope: Scope, db: DbSession, paging: Paging) -> Page:
    """Every import of the caller's 管轄, newest first: who, when, the file, its rows taken / duplicate / unreadable,
    its state."""
    rows, total = imports.import_page(db, scope=scope, offset=paging.offset, limit=paging.page_size)
    return _page(rows, total, paging)


@router.get("/imports.csv", **exports.DOWNLOAD)
def export_imports(_: Staff, scope: Scope) -> exports.Download:
    """The import list as the CSV download."""
    return exports.download(imports.import_export(scope), "loaners_imports", "取込の履歴")


@router.get("/imports/{import_id}", response_model=LoanerImportRead)
def get_import(import_id: int, _: Staff, scope: Scope, db: DbSession) -> LoanerImportRead:
    return _import_read(imports.get_import(db, import_id, scope))


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
