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


router.include_router(door.router)
router.include_router(logs.router)
router.include_router(attendance.router)
router.include_router(roster.router)
router.include_router(pickup.router)
router.include_router(extended_care.router)
router.include_router(pages.router)
router.include_router(figures.router)
