"""The fleet routes every feature shares: the wording tables. Each feature's routes are in its package's
router.py (service/routers.py lists them)."""

from fastapi import APIRouter

from service.fleet.dependencies import ReportReader
from service.fleet.schemas import FleetVocabulary

router = APIRouter(prefix="/fleet", tags=["fleet"])


@router.get("/vocabulary", response_model=FleetVocabulary)
def vocabulary(_: ReportReader) -> FleetVocabulary:
    """The fleet wording tables (labels.py), for the dashboards: any fleet role."""
    return FleetVocabulary.current()
