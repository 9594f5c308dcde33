"""一括ステータス変更: one set of answers for many devices at once, each device its own submission, all or none.

The devices are read within the caller's 管轄 and every device's answers are checked against its own form before
anything is written: one device that is missing, another 管轄's, or whose form refuses the answers is a 422 naming
it, and nothing is stored. Then each device gets its submission (locked in id order, so two bulk changes never
wait on each other crosswise), audited per device, in the request's one transaction.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.audit.service import Actor
from service.errors import ValidationFailed
from service.loaners import forms, labels, submissions
from service.loaners.models import Device, Location, Submission
from service.tenancy import TenantScope, scoped


def _devices(db: Session, ids: list[int], scope: TenantScope) -> list[Device]:
    """The chosen devices in id order; a 422 naming the ids that are not there in the caller's 管轄."""
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
    """Each device whose own form refuses the answers, with every rule they break."""
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
    now: datetime,
) -> list[Submission]:
    """Append the answers to every chosen device, or nothing when any device cannot take them."""
    devices = _devices(db, sorted(set(device_ids)), scope)
    refused = _refusals(db, devices, raw_answers)
    if refused:
        first = refused[0]
        raise ValidationFailed(
            labels.BULK_DEVICE_INVALID.format(number=first["management_number"], message=first["errors"][0]["message"]),
            details={"field": "device_ids", "rule": first["errors"][0]["rule"], "devices": refused},
        )
    return [
        submissions.submit(db, device=d, raw_answers=raw_answers, email=email, actor=actor, now=now, in_bulk=True)
        for d in devices
    ]
