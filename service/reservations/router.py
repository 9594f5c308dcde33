"""The reservations API: the domain's vocabulary, and every feature's router (console, operations, booking, the
requester's pages, training, shops, incidents, support, reports, on call) in /api/docs order."""

from fastapi import APIRouter

from service import fields
from service.reservations import (
    hooks,  # noqa: F401  (registers the outbox and webhook handlers in the API process)
    labels,
)
from service.reservations.booking import router as booking
from service.reservations.console import router as console
from service.reservations.dependencies import Reader
from service.reservations.incidents import router as incidents
from service.reservations.kinds import IncidentLevel
from service.reservations.models import AMOUNT_MAX
from service.reservations.oncall import router as oncall
from service.reservations.operations import router as operations
from service.reservations.pages import router as pages
from service.reservations.reports import router as reports
from service.reservations.schemas import CODE_MAX, REASON_MAX, ReservationsVocabulary
from service.reservations.shops import router as shops
from service.reservations.shops.schemas import CALL_ORDER_MAX, DURATION_MAX
from service.reservations.state_machine import TRANSITIONS
from service.reservations.support import router as support
from service.reservations.training import router as training

router = APIRouter()


@router.get("/reservations/vocabulary", response_model=ReservationsVocabulary, tags=["reservations"])
def vocabulary(_: Reader) -> dict:
    """The labels, status transitions and form limits the dashboards mirror, from the service's own modules."""
    return {
        "statuses": labels.STATUSES,
        "actor_types": labels.ACTOR_TYPES,
        "operation_types": labels.OPERATION_TYPES,
        "priorities": labels.PRIORITIES,
        "operation_statuses": labels.OPERATION_STATUSES,
        "incident_levels": labels.INCIDENT_LEVELS,
        "incident_policies": {
            level.value: {
                "definition": level.policy.definition,
                "target": level.policy.target,
                "escalation": level.policy.escalation,
            }
            for level in IncidentLevel
        },
        "inquiry_channels": labels.INQUIRY_CHANNELS,
        "inquiry_requester_types": labels.INQUIRY_REQUESTER_TYPES,
        "inquiry_statuses": labels.INQUIRY_STATUSES,
        "satisfaction_sources": labels.SATISFACTION_SOURCES,
        "survey_channels": labels.SURVEY_CHANNELS,
        "link_channels": labels.LINK_CHANNELS,
        "transitions": {
            status: [target for target in labels.STATUSES if target in targets]
            for status, targets in TRANSITIONS.items()
            if status is not None
        },
        # a cancellation's reason and a code as typed (no column's); the most an amount or a price is in yen, a
        # service's length in minutes and a shop's place in the call order
        "limits": {
            "reason": REASON_MAX,
            "code": CODE_MAX,
            "amount": AMOUNT_MAX,
            "duration_minutes": DURATION_MAX,
            "call_order": CALL_ORDER_MAX,
        },
        "fields": fields.vocabulary(labels.AUDIT.tables),
    }


# each included in the app as it is: a router inside another would have each route built and matched again
FEATURES = (console, operations, booking, pages, training, shops, incidents, support, reports, oncall)
ROUTERS = (router, *(feature.router for feature in FEATURES))
