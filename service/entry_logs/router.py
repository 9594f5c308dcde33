"""入退管理's API: every feature's router (door_router, the station's hot routes, is served first by
service/routers.py), the pages served to browsers, and the domain's vocabulary."""

from fastapi import APIRouter

from service.entry_logs import pages
from service.entry_logs.attendance import router as attendance
from service.entry_logs.dependencies import StaffCaller
from service.entry_logs.door import router as door
from service.entry_logs.extended_care import router as extended_care
from service.entry_logs.figures import router as figures
from service.entry_logs.logs import router as logs
from service.entry_logs.pickup import router as pickup
from service.entry_logs.roster import router as roster
from service.entry_logs.schemas import EntryLogsVocabulary

router = APIRouter()


@router.get("/entry-logs/vocabulary", response_model=EntryLogsVocabulary, tags=["entry_logs"])
def vocabulary(_: StaffCaller) -> EntryLogsVocabulary:
    """The 入退管理 wording and form rules, for the dashboards: any entry_logs role."""
    return EntryLogsVocabulary()


# each included in the app as it is: a router inside another would have each route built and matched again
FEATURES = (door, logs, attendance, roster, pickup, extended_care, pages, figures)
ROUTERS = (router, *(feature.router for feature in FEATURES))
