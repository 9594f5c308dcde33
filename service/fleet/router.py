"""The fleet routes every feature shares (the wording tables), and every feature's router but the agent's (served
first by service/routers.py), each included in the app as it is: a router inside another would have each route built
and matched again."""

from fastapi import APIRouter

from service.fleet.alerting import router as alerting
from service.fleet.dependencies import ReportReader
from service.fleet.lists import router as lists
from service.fleet.quiet_times import router as quiet_times
from service.fleet.registry import router as registry
from service.fleet.reporting import router as reporting
from service.fleet.rollouts import router as rollouts
from service.fleet.schemas import FleetVocabulary

router = APIRouter(prefix="/fleet", tags=["fleet"])


@router.get("/vocabulary", response_model=FleetVocabulary)
def vocabulary(_: ReportReader) -> FleetVocabulary:
    """The fleet wording tables (labels.py), for the dashboards: any fleet role."""
    return FleetVocabulary.current()


FEATURES = (reporting, registry, alerting, rollouts, lists, quiet_times)
ROUTERS = (router, *(feature.router for feature in FEATURES))
