"""Pages the service serves to browsers (no build step, nothing from a CDN): the browser scan station (plain files in
`static/station/`) and the parent's phone barcode page (`templates/parent_barcode.html`), each with a service worker so
it opens offline."""

from dataclasses import asdict
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse

from clientkit import station_labels as kiosk_labels
from clientkit import templates
from service.database import utcnow
from service.deps import DbSession
from service.entry_logs import cards, labels, parent_links
from service.entry_logs.dependencies import PathParent, StaffCaller
from service.entry_logs.models import Parent
from service.entry_logs.schemas import CamelModel
from service.errors import NotFound

STATIC = Path(__file__).parent / "static"
NO_CACHE = {"Cache-Control": "no-cache"}
PRIVATE = {"Cache-Control": "private, no-cache", "X-Robots-Tag": "noindex"}
STATION_FILES = {
    "station.css": "text/css",
    "station.js": "text/javascript",
    "sw.js": "text/javascript",
    "manifest.webmanifest": "application/manifest+json",
    "icon.svg": "image/svg+xml",
}

pages_router = APIRouter(include_in_schema=False)
links_router = APIRouter(prefix="/entry-logs/parents/{parent_id}/barcode-link", tags=["entry_logs"])


class BarcodeLink(CamelModel):
    """A parent's phone barcode link: its address, or null while revoked."""

    parent_id: int
    url: str | None
    active: bool


def static_file(folder: str, name: str, media_type: str) -> FileResponse:
    return FileResponse(STATIC / folder / name, media_type=media_type, headers=NO_CACHE)


# Scan station ------------------------------------------------------------------------------------


@pages_router.get("/station/")
def station_page() -> FileResponse:
    return static_file("station", "index.html", "text/html; charset=utf-8")


@pages_router.get("/station/vocabulary.json")
def station_vocabulary() -> dict[str, Any]:
    """The stations' wording and their queue, retry and screen timings (clientkit/station_labels.py)."""
    words = {name: value for name, value in vars(kiosk_labels).items() if name.isupper() and name != "RULES"}
    return {"labels": words, "rules": asdict(kiosk_labels.RULES)}


@pages_router.get("/station/{name}")
def station_file(name: str) -> FileResponse:
    if name not in STATION_FILES:
        raise NotFound("ファイルが見つかりません", code="not_found", details={"name": name})
    return static_file("station", name, STATION_FILES[name])


# The parent's phone barcode ----------------------------------------------------------------------


def parent_page(status_code: int = 200, *, refusal: str | None = None, **card: Any) -> HTMLResponse:
    """The parent's card (`parent`, `nursery`, `barcode`), or why the link is refused."""
    page = templates.render(__name__, "parent_barcode.html", labels=labels, refusal=refusal, **card)
    return HTMLResponse(page, status_code=status_code, headers=PRIVATE)


@pages_router.get("/parent-barcode/sw.js")
def parent_worker() -> FileResponse:
    return static_file("parent", "sw.js", "text/javascript")


@pages_router.get("/parent-barcode/{token}", response_class=HTMLResponse)
def parent_barcode(token: str, db: DbSession) -> HTMLResponse:
    """The parent's barcode, name and nursery, large on white; a revoked or outdated link is a 404 page."""
    try:
        parent, nursery = parent_links.parent_for_token(db, token)
    except NotFound as refused:
        return parent_page(refused.status_code, refusal=refused.message)
    return parent_page(parent=parent, nursery=nursery, barcode=templates.made_here(cards.barcode_svg(parent.id)))


def _link(parent: Parent) -> BarcodeLink:
    url = parent_links.link_url(parent)
    return BarcodeLink(parent_id=parent.id, url=url, active=url is not None)


@links_router.get("", response_model=BarcodeLink)
def get_link(parent: PathParent) -> BarcodeLink:
    return _link(parent)


@links_router.post("", response_model=BarcodeLink)
def reissue_link(parent: PathParent, caller: StaffCaller, db: DbSession) -> BarcodeLink:
    """A new link; every earlier one stops working."""
    return _link(parent_links.set_link(db, parent=parent, active=True, actor=caller.actor, now=utcnow()))


@links_router.delete("", response_model=BarcodeLink)
def revoke_link(parent: PathParent, caller: StaffCaller, db: DbSession) -> BarcodeLink:
    """No link works until one is reissued."""
    return _link(parent_links.set_link(db, parent=parent, active=False, actor=caller.actor, now=utcnow()))


router = APIRouter()
router.include_router(pages_router)
router.include_router(links_router)
