"""Incident records (§5.3.1): created and updated by operators and support, read by executives too; audited."""

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.audit import service as audit
from service.audit.service import Actor
from service.errors import ValidationFailed
from service.reservations import auditing
from service.reservations.models import Incident, get_or_404
from service.reservations.schemas import IncidentCreate, IncidentUpdate

FIELDS = ("title", "level", "occurred_at", "impact", "cause", "response", "recovered_at", "prevention")


def _check_times(incident: Incident) -> None:
    if incident.recovered_at is not None and incident.recovered_at < incident.occurred_at:
        raise ValidationFailed(
            "復旧日時は発生日時より後にしてください", details={"field": "recovered_at", "rule": "after_occurred_at"}
        )


def list_incidents(
    db: Session, *, level: str | None, open_only: bool, offset: int, limit: int
) -> tuple[list[Incident], int]:
    """Newest first; open means not recovered yet."""
    conditions = []
    if level:
        conditions.append(Incident.level == level)
    if open_only:
        conditions.append(Incident.recovered_at.is_(None))
    total = db.scalar(select(func.count()).select_from(Incident).where(*conditions)) or 0
    rows = db.scalars(
        select(Incident)
        .where(*conditions)
        .order_by(Incident.occurred_at.desc(), Incident.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return list(rows), total


def get_incident(db: Session, incident_id: int) -> Incident:
    return get_or_404(db, Incident, incident_id, "インシデント")


def create_incident(db: Session, *, data: IncidentCreate, actor: Actor, now: datetime) -> Incident:
    incident = Incident(**data.model_dump(), created_by=actor.label, created_at=now, updated_at=now)
    _check_times(incident)
    db.add(incident)
    db.flush()
    auditing.record(
        db, actor, "create_incident", ("incident", incident.id), None, audit.snapshot(incident, FIELDS), now
    )
    return incident


def update_incident(db: Session, *, incident: Incident, data: IncidentUpdate, actor: Actor, now: datetime) -> None:
    """Set the fields given; recovered_at may be set back to null (the incident is open again)."""
    changes = {k: v for k, v in data.model_dump(exclude_unset=True).items() if v is not None or k == "recovered_at"}
    auditing.update(
        db, incident, changes, FIELDS, actor=actor, action="update_incident", target=("incident", incident.id), now=now
    )
    _check_times(incident)
