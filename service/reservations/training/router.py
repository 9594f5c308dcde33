"""The training material's API (§3): the requester FAQ is public (the booking SMS links to it); the manuals are the
staff's. Thin handlers; the rules live in training.py."""

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from service.openapi import media
from service.reservations.dependencies import Worker
from service.reservations.training import training
from service.reservations.training.schemas import ManualRead, ManualSummary

router = APIRouter(prefix="/reservations", tags=["reservations"])


@router.get("/faq", response_class=HTMLResponse)
def requester_faq() -> HTMLResponse:
    """よくある質問（ご依頼者向け）: the page the booking SMS links to."""
    return HTMLResponse(training.faq_page())


@router.get("/manuals", response_model=list[ManualSummary])
def list_manuals(_: Worker) -> list[dict]:
    """The twelve items of §3, requesters', shops' and operators' in the spec's order."""
    return [training.summary(manual) for manual in training.MANUALS.values()]


@router.get("/manuals/{name}", response_model=ManualRead)
def read_manual(_: Worker, name: training.ManualName) -> dict:
    """The manual's Markdown as people read it (the dashboards' 運用マニュアル page shows it)."""
    return training.summary(training.MANUALS[name]) | {"markdown": training.readable(name)}


@router.get("/manuals/{name}/pdf", **media("application/pdf"))
def manual_pdf(_: Worker, name: training.ManualName) -> Response:
    return Response(
        training.manual_pdf(name),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="qrv-{name}.pdf"'},
    )
