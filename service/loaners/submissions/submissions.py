"""Status submissions (ステータス収集): appended, never edited. The device row points at its latest one, written in the
same transaction under a lock on the device row, so the current state of a page of devices is one join."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, tuple_, update
from sqlalchemy.orm import Session

from service import fields
from service.audit import service as audit
from service.audit.service import Actor
from service.config import get_settings
from service.loaners import labels, search_text
from service.loaners.models import Device, Location, Model, Submission
from service.loaners.submissions import forms, status_age
from service.outbox.service import enqueue

STATE_FIELDS = fields.audited(Device, "state")


def in_custody(answers: dict[str, str]) -> bool:
    """§2.6.2: 0-4 = 1.貸出中 and 1-4 = 有り."""
    return answers.get(labels.STATUS_KEY) == labels.LENT and answers.get(labels.CUSTODY_KEY) == labels.CUSTODY_YES


def submission_row(
    *, device_id: int, form_id: int, answers: dict[str, str], submitted_at: datetime, email: str, **extra: Any
) -> dict[str, Any]:
    return {
        "device_id": device_id,
        "form_id": form_id,
        "answers": answers,
        "submitted_at": submitted_at,
        "submitter_email": email,
        "status": answers.get(labels.STATUS_KEY),
        "held_status": answers.get(labels.HELD_KEY),
        "in_custody": in_custody(answers),
        **extra,
    }


def lock_device(db: Session, device_id: int) -> Device:
    """Concurrent answers for one device are applied one after the other."""
    stmt = select(Device).where(Device.id == device_id).with_for_update().execution_options(populate_existing=True)
    return db.scalars(stmt).one()


def _is_latest(device: Device, submission: Submission) -> bool:
    if device.last_submitted_at is None:
        return True
    return (submission.submitted_at, submission.id) >= (device.last_submitted_at, device.current_submission_id or 0)


def _advance(device: Device, submission: Submission) -> None:
    """A custody run that continues keeps its start."""
    still_held = submission.in_custody and device.held_since is not None
    device.held_since = (
        device.held_since if still_held else (submission.submitted_at if submission.in_custody else None)
    )
    device.current_submission_id = submission.id
    device.status = submission.status
    device.held_status = submission.held_status
    device.last_submitted_at = submission.submitted_at


def recompute_states(db: Session, device_ids: Iterable[int]) -> None:
    """After an import added rows in any order."""
    ids = sorted(set(device_ids))
    if not ids:
        return
    rows = db.execute(
        select(
            Submission.device_id,
            Submission.id,
            Submission.submitted_at,
            Submission.status,
            Submission.held_status,
            Submission.in_custody,
        )
        .where(Submission.device_id.in_(ids))
        .order_by(Submission.device_id, Submission.submitted_at.desc(), Submission.id.desc())
    ).all()
    states: dict[int, dict[str, Any]] = {}
    for device_id, sub_id, at, status, held, custody in rows:
        state = states.get(device_id)
        if state is None:
            states[device_id] = {
                "id": device_id,
                "current_submission_id": sub_id,
                "status": status,
                "held_status": held,
                "last_submitted_at": at,
                "held_since": at if custody else None,
                "open": custody,
            }
        elif state["open"] and custody:
            state["held_since"] = at
        else:
            state["open"] = False
    if states:
        db.execute(update(Device), [{k: v for k, v in s.items() if k != "open"} for s in states.values()])
        search_text.refresh(db, states)
        status_age.refresh(db, states)


def submit(
    db: Session,
    *,
    device: Device,
    raw_answers: dict[str, Any],
    email: str,
    actor: Actor,
    now: datetime,
    in_bulk: bool = False,
) -> Submission:
    """`in_bulk`: one of a bulk status change (audited as such)."""
    device = lock_device(db, device.id)
    form = forms.get_form(db, device.kind)
    answers = forms.clean_answers(forms.question_set(db, device.kind), raw_answers)
    submission = Submission(
        **submission_row(device_id=device.id, form_id=form.id, answers=answers, submitted_at=now, email=email)
    )
    db.add(submission)
    db.flush()
    before = audit.snapshot(device, STATE_FIELDS)
    if _is_latest(device, submission):
        _advance(device, submission)
        db.flush()
        search_text.refresh(db, [device.id])
        status_age.refresh(db, [device.id])
    else:
        recompute_states(db, [device.id])
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="bulk_submit_status" if in_bulk else "submit_status",
        domain=labels.DOMAIN,
        target_type="device",
        target_id=device.id,
        changes=audit.diff(before, audit.snapshot(device, STATE_FIELDS)),
        at=now,
    )
    if before["status"] != device.status:
        notify_status_change(db, device=device, before=before["status"], submission=submission)
    return submission


def status_changed(db: Session, submission: Submission) -> bool:
    earlier = db.execute(
        select(Submission.status)
        .where(
            Submission.device_id == submission.device_id,
            tuple_(Submission.submitted_at, Submission.id) < (submission.submitted_at, submission.id),
        )
        .order_by(Submission.submitted_at.desc(), Submission.id.desc())
        .limit(1)
    ).first()
    return earlier is None or earlier.status != submission.status


def notify_status_change(db: Session, *, device: Device, before: str | None, submission: Submission) -> None:
    """§3.1 ステータス変更通知."""
    location, model = db.get(Location, device.location_id), db.get(Model, device.model_id)
    if location is None or model is None or not location.notify_status_change:
        return
    values = {
        "location": location.name,
        "number": device.management_number,
        "model": model.name,
        "before": before or labels.NO_VALUE,
        "status": device.status or labels.NO_VALUE,
        "held": device.held_status or labels.NO_VALUE,
        "person": submission.answers.get(labels.PERSON_KEY, labels.NO_VALUE),
        "email": submission.submitter_email,
        "at": submission.submitted_at.astimezone(ZoneInfo(get_settings().timezone)).strftime("%Y/%m/%d %H:%M:%S"),
    }
    enqueue(
        db,
        channel="email",
        recipient=location.group_email,
        subject=labels.MAIL_SUBJECT.format(**values),
        body=labels.MAIL_BODY.format(**values),
        payload={"device_id": device.id, "status": device.status, "before": before},
        domain=labels.DOMAIN,
        ref_type="submission",
        ref_id=submission.id,
        dedupe_key=f"loaners:status:{submission.id}",
    )
