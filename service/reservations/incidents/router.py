"""The incidents API (§5): the log, its CSV, recording, editing and escalating to the executives. Thin handlers; the
rules live in incidents.py."""

from typing import Annotated

from fastapi import APIRouter, Depends

from service import exports
from service.database import utcnow
from service.deps import DbSession
from service.pagination import Page, Paging, page_of
from service.reservations.dependencies import PathIncident, Reader, Worker
from service.reservations.incidents import csv_exports, incidents
from service.reservations.incidents.schemas import IncidentCreate, IncidentRead, IncidentUpdate
from service.reservations.kinds import IncidentLevel

router = APIRouter(prefix="/reservations", tags=["reservations"])


def incident_filter(
    level: IncidentLevel | None = None, open_only: bool = False, overdue: bool | None = None
) -> incidents.IncidentFilter:
    return incidents.IncidentFilter(level=level, open_only=open_only, overdue=overdue)


IncidentFilters = Annotated[incidents.IncidentFilter, Depends(incident_filter)]


@router.get("/incidents", response_model=Page[IncidentRead])
def list_incidents(_: Reader, db: DbSession, paging: Paging, flt: IncidentFilters) -> Page:
    """Newest first; overdue: not responded to nor recovered within the level's target response time (§5.1)."""
    rows, total = incidents.list_incidents(db, flt=flt, now=utcnow(), offset=paging.offset, limit=paging.page_size)
    return page_of(rows, total, paging)


@router.get("/incidents/export", **exports.DOWNLOAD)
def export_incidents(_: Reader, flt: IncidentFilters) -> exports.Download:
    """Every incident the list's filters select, newest first, as the CSV download."""
    return exports.download(csv_exports.incident_export(flt, utcnow()), "qrv_incidents", "インシデント一覧")


@router.post("/incidents", response_model=IncidentRead, status_code=201)
def create_incident(body: IncidentCreate, caller: Worker, db: DbSession) -> dict:
    """Record an incident; a Critical one is reported to the executives at once (e-mail and #qrv-alerts)."""
    incident = incidents.create_incident(db, data=body, actor=caller.actor, now=utcnow())
    return incidents.incident_of(db, incident.id, utcnow())


@router.get("/incidents/{incident_id:int}", response_model=IncidentRead)
def get_incident(_: Reader, incident: PathIncident, db: DbSession) -> dict:
    return incidents.incident_of(db, incident.id, utcnow())


@router.patch("/incidents/{incident_id:int}", response_model=IncidentRead)
def update_incident(body: IncidentUpdate, caller: Worker, incident: PathIncident, db: DbSession) -> dict:
    incidents.update_incident(db, incident=incident, data=body, actor=caller.actor, now=utcnow())
    db.flush()
    return incidents.incident_of(db, incident.id, utcnow())


@router.post("/incidents/{incident_id}/escalate", response_model=IncidentRead)
def escalate_incident(caller: Worker, incident: PathIncident, db: DbSession) -> dict:
    """Report the incident to the executives now (e-mail and #qrv-alerts); 409 when already reported."""
    incidents.report(db, incident=incident, actor=caller.actor, now=utcnow())
    return incidents.incident_of(db, incident.id, utcnow())
