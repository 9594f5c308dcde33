"""一括ステータス変更: one set of answers for many devices, each device its own submission, all or none.

Every device's answers are checked against its own form before anything is written; devices are locked in id order, so
two bulk changes never wait on each other crosswise. The chosen devices are kept on the server (`BulkPick`): a phone's
camera opens every scanned QR code as a page of its own, so the choice must outlive the page."""

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from service.audit.service import Actor
from service.dialect import insert_rows
from service.errors import ValidationFailed
from service.loaners import labels
from service.loaners.models import BulkPick, Device, Location, Model, Submission
from service.loaners.submissions import forms, submissions
from service.tenancy import TenantScope, scoped


def _devices(db: Session, ids: list[int], scope: TenantScope) -> list[Device]:
    stmt = select(Device).join(Location, Location.id == Device.location_id).where(Device.id.in_(ids))
    found = {d.id: d for d in db.scalars(scoped(stmt, scope, Location.jurisdiction).order_by(Device.id))}
    missing = [i for i in ids if i not in found]
    if missing:
        raise ValidationFailed(
            labels.BULK_UNKNOWN_DEVICES.format(ids=", ".join(map(str, missing))),
            details={"field": "device_ids", "rule": "exists", "missing": missing},
        )
    return list(found.values())


def _refusals(db: Session, devices: list[Device], raw_answers: dict[str, Any]) -> list[dict[str, Any]]:
    question_sets = forms.question_sets(db)
    refused = []
    for device in devices:
        _, errors = forms.answer_errors(question_sets[device.kind], raw_answers)
        if errors:
            refused.append({"device_id": device.id, "management_number": device.management_number, "errors": errors})
    return refused


def bulk_submit(
    db: Session,
    *,
    device_ids: list[int],
    raw_answers: dict[str, Any],
    scope: TenantScope,
    email: str,
    actor: Actor,
    user_id: int,
    now: datetime,
) -> list[Submission]:
    devices = _devices(db, sorted(set(device_ids)), scope)
    refused = _refusals(db, devices, raw_answers)
    if refused:
        first = refused[0]
        raise ValidationFailed(
            labels.BULK_DEVICE_INVALID.format(number=first["management_number"], message=first["errors"][0]["message"]),
            details={"field": "device_ids", "rule": first["errors"][0]["rule"], "devices": refused},
        )
    stored = [
        submissions.submit(db, device=d, raw_answers=raw_answers, email=email, actor=actor, now=now, in_bulk=True)
        for d in devices
    ]
    unpick(db, user_id=user_id, device_ids=[d.id for d in devices])
    return stored


def picked(db: Session, *, user_id: int, scope: TenantScope) -> list[tuple[Device, Location, Model]]:
    stmt = (
        select(Device, Location, Model)
        .join(BulkPick, BulkPick.device_id == Device.id)
        .join(Location, Location.id == Device.location_id)
        .join(Model, Model.id == Device.model_id)
        .where(BulkPick.user_id == user_id)
    )
    return [tuple(row) for row in db.execute(scoped(stmt, scope, Location.jurisdiction).order_by(BulkPick.added_at))]


def pick(db: Session, *, user_id: int, device: Device, now: datetime) -> None:
    """Choosing it again changes nothing."""
    insert_rows(db, BulkPick, [{"user_id": user_id, "device_id": device.id, "added_at": now}], ignore_conflicts=True)


def unpick(db: Session, *, user_id: int, device_ids: list[int] | None = None) -> None:
    stmt = delete(BulkPick).where(BulkPick.user_id == user_id)
    if device_ids is not None:
        stmt = stmt.where(BulkPick.device_id.in_(device_ids))
    db.execute(stmt.execution_options(synchronize_session=False))
