"""The status forms' API: the forms and their questions (edited by admins), a device's form as its QR code opens
it, appending a submission, and 一括ステータス変更 with its picks. Thin handlers, every query limited to the
caller's 管轄; the rules live in forms.py, submissions.py and bulk.py."""

from fastapi import APIRouter

from service.database import utcnow
from service.deps import DbSession
from service.identity.dependencies import Caller
from service.identity.models import User
from service.loaners import labels
from service.loaners.dependencies import Admin, Scope, ScopedDevice, Staff
from service.loaners.devices import devices
from service.loaners.devices.schemas import DeviceRead, SubmissionRead
from service.loaners.kinds import DeviceKind
from service.loaners.models import Form as StatusForm
from service.loaners.submissions import bulk, forms, submissions
from service.loaners.submissions.schemas import (
    BulkSubmissionIn,
    DeviceForm,
    FormRead,
    QuestionCreate,
    QuestionRead,
    QuestionUpdate,
    SubmissionIn,
)

router = APIRouter(prefix="/loaners", tags=["loaners"])


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


@router.get("/forms", response_model=list[FormRead])
def list_forms(_: Staff, db: DbSession) -> list[FormRead]:
    return [_form_read(db, forms.get_form(db, kind)) for kind in labels.KINDS]


@router.get("/forms/{kind}", response_model=FormRead)
def get_form(kind: DeviceKind, _: Staff, db: DbSession, include_inactive: bool = False) -> FormRead:
    return _form_read(db, forms.get_form(db, kind), include_inactive=include_inactive)


@router.post("/forms/{kind}/questions", response_model=QuestionRead, status_code=201)
def add_question(kind: DeviceKind, body: QuestionCreate, caller: Admin, db: DbSession) -> object:
    """A form gains a question without code changes: numbered keys ("1-6.…", "3-4-1.…") carry their status prefix."""
    return forms.add_question(db, form=forms.get_form(db, kind), data=body.model_dump(), actor=caller.actor)


@router.patch("/forms/{kind}/questions/{question_id}", response_model=QuestionRead)
def update_question(kind: DeviceKind, question_id: int, body: QuestionUpdate, caller: Admin, db: DbSession) -> object:
    question = forms.get_question(db, form=forms.get_form(db, kind), question_id=question_id)
    data = {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None}
    return forms.update_question(db, question=question, data=data, actor=caller.actor)


@router.get("/devices/{device_id}/form", response_model=DeviceForm)
def device_form(_: Staff, device: ScopedDevice, db: DbSession) -> DeviceForm:
    """The status form for the device, its current answers to prefill (never a free-text note such as 備考), and
    which questions they show."""
    detail = devices.device_detail(db, device=device, now=utcnow())
    questions = forms.question_set(db, device.kind)
    prefill = questions.carried_over(detail.current.answers) if detail.current else {}
    return DeviceForm(
        device=DeviceRead(**detail.model_dump(exclude={"current"})),
        form=_form_read(db, forms.get_form(db, device.kind)),
        current=detail.current,
        prefill=prefill,
        visible_keys=questions.visible_keys(prefill),
    )


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
