"""The reservations API of on call (§2.3.1): the rotation, its overrides, who is on duty now or at a time, and the
acknowledgement of a page (paging.py). Thin handlers; the rules live in oncall.py and paging.py."""

from fastapi import APIRouter

from service.database import utcnow
from service.deps import DbSession
from service.reservations import incidents, oncall, operations, paging
from service.reservations.dependencies import (
    CONSOLE_ONLY,
    Operator,
    PathIncident,
    PathOperation,
    PathOverride,
    Worker,
)
from service.reservations.schemas import (
    IncidentRead,
    LocalDateTime,
    OnCallOverrideCreate,
    OnCallOverrideRead,
    OnCallRotationIn,
    OnCallRotationRead,
    OnCallSchedule,
    OnDutyRead,
    OperationRead,
)

router = APIRouter(prefix="/reservations", tags=["reservations"])


@router.get("/on-call", response_model=OnCallSchedule)
def schedule(_: Worker, db: DbSession) -> dict:
    """当番表: the rotation, the overrides to come, who is on duty now, the next 14 shifts and the team's hours."""
    return oncall.schedule_read(db, utcnow())


@router.get("/on-call/on-duty", response_model=OnDutyRead)
def on_duty(_: Worker, db: DbSession, at: LocalDateTime | None = None) -> dict:
    """Who is on duty at `at` (now when not given; a time without an offset is Japan time), and whether the team
    works then (営業時間内) or the person is on call."""
    moment = at or utcnow()
    return oncall.duty_read(oncall.on_duty(db, moment), moment)


@router.put("/on-call/rotation", response_model=OnCallRotationRead)
def set_rotation(body: OnCallRotationIn, caller: Operator, db: DbSession) -> dict:
    """Replace the rotation: by week or by day from `starts_on`, its members (reservations operators) in order."""
    team = oncall.set_rotation(db, data=body, actor=caller.actor, now=utcnow())
    return oncall.rotation_read(team)


@router.post("/on-call/overrides", response_model=OnCallOverrideRead, status_code=201)
def create_override(body: OnCallOverrideCreate, caller: Operator, db: DbSession) -> dict:
    """A member covers the shifts of start_date..end_date (409 when it overlaps another override)."""
    return oncall.override_read(oncall.add_override(db, data=body, actor=caller.actor, now=utcnow()))


@router.delete("/on-call/overrides/{override_id:int}", status_code=204)
def delete_override(caller: Operator, override: PathOverride, db: DbSession) -> None:
    oncall.delete_override(db, override=override, actor=caller.actor, now=utcnow())


@router.post("/manual-operations/{operation_id}/acknowledge", response_model=OperationRead, dependencies=CONSOLE_ONLY)
def acknowledge_operation(caller: Operator, operation: PathOperation, db: DbSession) -> dict:
    """Acknowledge the page of a 緊急/高 operation: nobody else is paged (409 when it pages nobody or was
    acknowledged)."""
    paging.acknowledge_operation(db, operation=operation, actor=caller.actor, now=utcnow())
    return operations.operation_of(db, operation.id, utcnow())


@router.post("/incidents/{incident_id}/acknowledge", response_model=IncidentRead)
def acknowledge_incident(caller: Worker, incident: PathIncident, db: DbSession) -> dict:
    """Acknowledge the page of a Critical/High incident: nobody else is paged."""
    paging.acknowledge_incident(db, incident=incident, actor=caller.actor, now=utcnow())
    return incidents.incident_of(db, incident.id, utcnow())
