"""The loaners (代替機) API: the domain's vocabulary, and every feature's router (archives, masters, submissions,
devices, views, returns, imports) in /api/docs order; every query is limited to the caller's 管轄."""

from fastapi import APIRouter

from service import fields
from service.config import get_settings
from service.loaners import labels
from service.loaners.archives import router as archives
from service.loaners.dependencies import Staff
from service.loaners.devices import router as devices
from service.loaners.imports import router as imports
from service.loaners.masters import router as masters
from service.loaners.returns import router as returns
from service.loaners.schemas import LoanerVocabulary
from service.loaners.submissions import router as submissions
from service.loaners.views import router as views

router = APIRouter()


@router.get("/loaners/vocabulary", response_model=LoanerVocabulary, tags=["loaners"])
def vocabulary(_: Staff) -> LoanerVocabulary:
    """The labels, form keys and check messages the pages show, from labels.py (the one source)."""
    return LoanerVocabulary(
        kinds=labels.KINDS,
        location_statuses=labels.LOCATION_STATUSES,
        question_types=labels.QUESTION_TYPES,
        held_statuses=labels.HELD_STATUSES,
        held_resolutions=labels.HELD_RESOLUTIONS,
        status_key=labels.STATUS_KEY,
        held_key=labels.HELD_KEY,
        number_column=labels.COL_NUMBER,
        archived_column=labels.ARCHIVED_COLUMN,
        archived=labels.ARCHIVED,
        return_statuses=list(labels.RETURN_STATUSES),
        return_due_days=get_settings().loaners_return_due_days,
        fields=fields.vocabulary(labels.AUDIT.tables),
        messages={
            "not_a_choice": labels.NOT_A_CHOICE,
            "held_not_allowed": labels.HELD_NOT_ALLOWED,
            "condition_not_met": labels.CONDITION_NOT_MET,
            "required": labels.REQUIRED,
            "answers_invalid": labels.ANSWERS_INVALID,
        },
    )


# each included in the app as it is: a router inside another would have each route built and matched again
ROUTERS = (router, *(feature.router for feature in (archives, masters, submissions, devices, views, returns, imports)))
