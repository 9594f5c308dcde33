"""Bodies of alerts and incidents and their §4.2 work, and of the heartbeat intake's state."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel

from service.fields import rules
from service.fleet import labels
from service.fleet.models import AlertNote, Incident, IncidentNote
from service.fleet.schemas import Labelled


class SlaStep(BaseModel):
    step: str
    label: str
    due_at: datetime | None  # 完了報告's is known once resolved (due then 「対応後即時」); None before
    done_at: datetime | None
    overdue: bool
    required: bool = True
    done_by: str = ""  # who recorded it, by name (「システム」 for the service's own work)


class SlaWorkRead(Labelled):
    """Who works an alert or an incident and its §4.2 steps: who recorded each, when, and which are late."""

    company_name: str
    contact_person: str
    contact_phone: str
    contact_email: str
    assignee_id: int | None
    assignee_name: str | None
    acknowledged_at: datetime | None
    acknowledged_by: str
    diagnosed_at: datetime | None
    diagnosed_by: str
    customer_contacted_at: datetime | None
    customer_contacted_by: str
    resolved_at: datetime | None
    resolved_by: str
    reported_at: datetime | None
    reported_by: str
    sla: list[SlaStep]
    overdue: bool
    offline_now: int = 0  # its terminals offline at this moment (an outage alert's or an incident's)
    outage_warning: str = ""  # what resolving it now means while they are


class StoreTerminal(Labelled):
    """A terminal of a store alert's store, as it is now."""

    LABELS = {"status": labels.TERMINAL_STATUSES}

    id: int
    serial_number: str
    store_name: str
    status: str
    status_label: str = ""
    last_heartbeat_at: datetime | None


class AlertRead(SlaWorkRead):
    LABELS = {"alert_type": labels.ALERT_TYPES, "status": labels.ALERT_STATUSES}

    id: int
    terminal_id: int  # a store alert's: the first of its store's, which stands for the store
    serial_number: str
    store_name: str
    store: str
    place: str  # what the alert is about: its terminal's 設置店舗名, or a store alert's store (「新宿店」)
    terminals: list[StoreTerminal] = []  # a store alert's store's terminals (GET /alerts/{id}); otherwise none
    customer_id: int
    incident_id: int | None
    alert_type: str
    alert_type_label: str = ""
    message: str
    status: str
    status_label: str = ""
    created_at: datetime


# What a person writes of the work done: a note, the note given when resolving (optional), an incident's resolution.
Note = Annotated[str, rules(AlertNote.body)]
ResolutionNote = Annotated[str, rules(AlertNote.body, min_length=0)]


class FleetNoteIn(BaseModel):
    body: Note


class AlertContactIn(BaseModel):
    customer_message: Note  # what the customer was told


class NoteRead(Labelled):
    LABELS = {"kind": labels.ALERT_NOTE_KINDS}

    id: int
    kind: str
    kind_label: str = ""
    author: str
    body: str
    created_at: datetime


class FleetAssigneeOption(BaseModel):
    id: int
    name: str


class AssignIn(BaseModel):
    assignee_id: int | None


class ResolveIn(BaseModel):
    note: ResolutionNote = ""


class IncidentStore(BaseModel):
    store: str
    terminals: int  # the incident's terminals in it
    offline: int  # of those, offline now


class FleetIncidentRead(SlaWorkRead):
    """A customer incident with its alerts' span (first/last seen, how many still open), who works it and §4.2."""

    LABELS = {"alert_type": labels.ALERT_TYPES, "status": labels.ALERT_STATUSES}

    id: int
    customer_id: int
    alert_type: str
    alert_type_label: str = ""
    status: str
    status_label: str = ""
    terminal_count: int
    store_count: int
    places: str  # 「12店舗・24台」
    stores: list[IncidentStore] = []  # one incident's (GET /incidents/{id}); the list leaves them out
    open_alerts: int
    message: str
    created_at: datetime
    first_seen: datetime | None
    last_seen: datetime | None
    resolution: str
    awaiting_report: bool  # resolved (by a person or the system), its 完了報告 still to be written
    state_label: str  # where its work stands: its status's words, or 完了報告待ち while awaiting_report


# What support writes of an incident's work: its timeline's entries, each a text as an alert's note.
IncidentText = Annotated[str, rules(IncidentNote.body)]


class IncidentContactIn(BaseModel):
    customer_message: IncidentText  # what the customer was told


class IncidentReportIn(BaseModel):
    cause: IncidentText
    report: IncidentText  # what the customer was told of the fix


class IncidentNoteRead(Labelled):
    LABELS = {"kind": labels.INCIDENT_NOTE_KINDS}

    id: int
    kind: str
    kind_label: str = ""
    author: str
    body: str
    created_at: datetime


class IncidentResolveIn(BaseModel):
    resolution: Annotated[str, rules(Incident.resolution)] = ""


class IngestRead(BaseModel):
    """Whether heartbeats are arriving: a stall (offline detection paused) comes with the dashboards' banner."""

    last_heartbeat_at: datetime | None
    silence_seconds: float | None
    stalled: bool
    heartbeats_expected: bool  # false while `make run`'s demo agents are off: the banner then says so
    banner: str
