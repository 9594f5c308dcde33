"""The device register's API: registering, reading, editing and deleting devices, their QR codes and a location's
label sheets, and a device's 送信履歴 with its CSV. Thin handlers, every query limited to the caller's 管轄; the
rules live in devices.py, labels_pdf.py and timeline.py."""

from fastapi import APIRouter
from fastapi.responses import Response

from service import exports
from service.database import utcnow
from service.deps import DbSession
from service.loaners import device_filter
from service.loaners.dependencies import Admin, Filters, Scope, ScopedDevice, ScopedLocation, Staff
from service.loaners.devices import devices, labels_pdf, timeline
from service.loaners.devices.schemas import DeviceCreate, DeviceDetail, DeviceRead, DeviceUpdate, SubmissionRead
from service.loaners.kinds import DeviceKind
from service.openapi import media
from service.pagination import Page, Paging, page_of

router = APIRouter(prefix="/loaners", tags=["loaners"])


@router.get("/locations/{location_id}/labels.pdf", **media("application/pdf"))
def location_labels(_: Staff, location: ScopedLocation, db: DbSession, kind: DeviceKind | None = None) -> Response:
    """Printable A4 label sheets: QR code + 拠点管理番号 + 機種名 of every device at the location."""
    body = labels_pdf.label_sheet(db, location=location, kind=kind)
    name = f"loaners-labels-{location.id}{'-' + kind if kind else ''}.pdf"
    return Response(
        body, media_type="application/pdf", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.get("/devices", response_model=Page[DeviceRead])
def list_devices(_: Staff, scope: Scope, db: DbSession, paging: Paging, flt: Filters) -> Page:
    """The device register with each device's current status (filters as in the views)."""
    rows, total = device_filter.device_page(db, scope=scope, flt=flt, offset=paging.offset, limit=paging.page_size)
    now = utcnow()
    return page_of([devices.device_read(d, loc, m, now) for d, loc, m, _ in rows], total, paging)


@router.post("/devices", response_model=DeviceDetail, status_code=201)
def create_device(body: DeviceCreate, caller: Staff, scope: Scope, db: DbSession) -> DeviceDetail:
    """Register a device; its 拠点管理番号 is generated (or a given one checked against §4)."""
    device = devices.create_device(db, data=body, scope=scope, actor=caller.actor)
    return devices.device_detail(db, device=device, now=utcnow())


@router.get("/devices/{device_id}", response_model=DeviceDetail)
def get_device(_: Staff, device: ScopedDevice, db: DbSession) -> DeviceDetail:
    return devices.device_detail(db, device=device, now=utcnow())


@router.patch("/devices/{device_id}", response_model=DeviceDetail)
def update_device(body: DeviceUpdate, caller: Staff, device: ScopedDevice, db: DbSession) -> DeviceDetail:
    devices.update_device(db, device=device, data=body, actor=caller.actor)
    return devices.device_detail(db, device=device, now=utcnow())


@router.delete("/devices/{device_id}", status_code=204)
def delete_device(caller: Admin, device: ScopedDevice, db: DbSession) -> None:
    devices.delete_device(db, device=device, actor=caller.actor)


@router.get("/devices/{device_id}/qr.png", **media("image/png"))
def device_qr(_: Staff, device: ScopedDevice) -> Response:
    """The QR code that opens the device's status form with the device chosen."""
    return Response(labels_pdf.device_qr(device.id), media_type="image/png")


@router.get("/devices/{device_id}/submissions", response_model=Page[SubmissionRead])
def device_timeline(_: Staff, device: ScopedDevice, db: DbSession, paging: Paging) -> Page:
    """Every submission of the device, newest first (the full timeline), the rotation's archived ones included
    (`archived`, read back from the archive: the oldest, last)."""
    items, total = timeline.timeline(db, device=device, offset=paging.offset, limit=paging.page_size)
    return page_of(items, total, paging)


@router.get("/devices/{device_id}/submissions/export", **exports.DOWNLOAD)
def export_timeline(_: Staff, device: ScopedDevice, db: DbSession) -> exports.Download:
    """The device's whole timeline, newest first, archived rows included, as the CSV download."""
    return exports.download(timeline.timeline_export(db, device), f"loaners_timeline_{device.id}", "機器の送信履歴")
