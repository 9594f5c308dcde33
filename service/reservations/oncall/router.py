"""The reservations API of on call (§2.3.1): the rotation, its overrides, who is on duty now or at a time, their
downloads, and the acknowledgement of a page (paging.py), on its page or by a key during its call. Thin handlers;
the rules live in oncall.py and paging.py."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from service import exports
from service.audit.service import Actor
from service.database import utcnow
from service.deps import DbSession, client_address, current_request_id
from service.openapi import media
from service.outbox.providers.voice import gather_twiml, say_twiml
from service.outbox.webhooks import TwilioForm
from service.reservations import labels
from service.reservations.dependencies import (
    CONSOLE_ONLY,
    Operator,
    PathIncident,
    PathOperation,
    PathOverride,
    PathPageStep,
    Worker,
)
from service.reservations.incidents import incidents
from service.reservations.incidents.schemas import IncidentRead
from service.reservations.oncall import csv_exports, oncall, paging
from service.reservations.oncall.schemas import (
    OnCallOverrideCreate,
    OnCallOverrideRead,
    OnCallRotationIn,
    OnCallRotationRead,
    OnCallSchedule,
    OnDutyRead,
)
from service.reservations.operations import operations
from service.reservations.operations.schemas import OperationRead
from service.reservations.schemas import LocalDateTime

router = APIRouter(prefix="/reservations", tags=["reservations"])
TWIML = "application/xml"
ShiftDays = Annotated[int, Query(ge=1, le=oncall.AHEAD_DAYS, description="the days from the current shift on")]


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


@router.get("/on-call/shifts/export", **exports.DOWNLOAD)
def export_shifts(_: Worker, db: DbSession, days: ShiftDays = oncall.UPCOMING_DAYS) -> exports.Download:
    """当番表 as a file: who is on duty each day from the current shift on (14 days, up to 92)."""
    return exports.download(csv_exports.shift_sheet(db, utcnow(), days), "qrv_oncall_shifts", "当番表")


@router.get("/on-call/holidays/export", **exports.DOWNLOAD)
def export_holidays(_: Worker, db: DbSession) -> exports.Download:
    """祝日の当番 as a file: who is on duty each holiday of the months ahead, and, where an override covers it, its
    note and who registered it (by name)."""
    return exports.download(csv_exports.holiday_sheet(db, utcnow()), "qrv_oncall_holidays", "祝日の当番")


@router.get("/on-call/overrides/export", **exports.DOWNLOAD)
def export_overrides(_: Worker) -> exports.Download:
    """代番 as a file: the overrides not over yet, soonest first."""
    return exports.download(csv_exports.override_export(utcnow()), "qrv_oncall_overrides", "代番一覧")


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


@router.post("/pages/{page_id:int}/steps/{step:int}/keypress", **media(TWIML))
def page_keypress(request: Request, form: TwilioForm, paged: PathPageStep, db: DbSession) -> Response:
    """The key pressed during a page's call, posted by Twilio's <Gather> (signed: 400 otherwise): the acknowledging
    key acknowledges the page in the name of the person the step paged, as the button does; another key hears how to
    acknowledge again. Answers TwiML."""
    if form.get("Digits") != paging.ACKNOWLEDGE_KEY:
        prompt = labels.VOICE_PRESS_KEY.format(key=paging.ACKNOWLEDGE_KEY)
        return Response(gather_twiml(prompt, paging.key_url(paged.page_id, paged.step)), media_type=TWIML)
    origin = Actor(
        type="webhook", label="twilio", client_address=client_address(request), request_id=current_request_id()
    )
    words = paging.acknowledge_by_key(db, paged=paged, origin=origin, now=utcnow())
    return Response(say_twiml(words), media_type=TWIML)
