"""Request and response bodies of incidents (§5)."""

from datetime import datetime
from typing import Annotated

from service.fields import rules
from service.reservations.kinds import IncidentLevel
from service.reservations.models import Incident
from service.reservations.schemas import ClientLocalDateTime, PagingRead, Read, Strict

IncidentTitle = Annotated[str, rules(Incident.title)]
Impact = Annotated[str, rules(Incident.impact, strip=False)]
Cause = Annotated[str, rules(Incident.cause, strip=False)]
Response = Annotated[str, rules(Incident.response, strip=False)]
Prevention = Annotated[str, rules(Incident.prevention, strip=False)]


class IncidentCreate(Strict):
    title: IncidentTitle
    level: IncidentLevel
    occurred_at: ClientLocalDateTime
    impact: Impact = ""
    cause: Cause = ""
    response: Response = ""
    responded_at: ClientLocalDateTime | None = None
    recovered_at: ClientLocalDateTime | None = None
    prevention: Prevention = ""


class IncidentUpdate(Strict):
    title: IncidentTitle | None = None
    level: IncidentLevel | None = None
    occurred_at: ClientLocalDateTime | None = None
    impact: Impact | None = None
    cause: Cause | None = None
    response: Response | None = None
    responded_at: ClientLocalDateTime | None = None
    recovered_at: ClientLocalDateTime | None = None
    prevention: Prevention | None = None


class IncidentRead(Read):
    """The record (§5.3.1) with its level's target response time and escalation (§5.1) and whether they were met."""

    id: int
    title: str
    level: str
    level_label: str
    occurred_at: datetime
    impact: str
    cause: str
    response: str
    responded_at: datetime | None
    recovered_at: datetime | None
    prevention: str
    target_label: str
    escalation_label: str
    response_due_at: datetime
    escalation_due_at: datetime | None
    escalated_at: datetime | None
    escalated_by: str
    overdue: bool
    responded_late: bool
    escalation_overdue: bool
    created_by: str
    created_at: datetime
    updated_at: datetime
    paging: PagingRead | None = None  # a Critical/High incident's page of the person on duty
