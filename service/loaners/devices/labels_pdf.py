"""QR codes that open a device's status form, and printable A4 label sheets of them per location."""

import io
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.documents import FONT, japanese_pdf
from service.errors import NotFound, ValidationFailed
from service.loaners import labels
from service.loaners.devices.devices import form_url
from service.loaners.models import Device, Location, Model

if TYPE_CHECKING:
    from fpdf import FPDF

MAX_LABELS = 1000
COLUMNS, ROWS = 3, 8
LABEL_W, LABEL_H = 70.0, 37.125  # A4 (210 x 297 mm) cut into 3 x 8
QR_SIZE = 31.0


def qr_png(url: str) -> bytes:
    """A QR code of the URL as a PNG (medium error correction survives a scratched label); qrcode (and Pillow) is
    imported here, not with the app."""
    import qrcode

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=8, border=2)
    code.add_data(url)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").save(buffer, format="PNG")
    return buffer.getvalue()


def device_qr(device_id: int) -> bytes:
    return qr_png(form_url(device_id))


def _label_devices(db: Session, location: Location, kind: str | None) -> list[tuple[Device, str]]:
    stmt = select(Device, Model.name).join(Model, Model.id == Device.model_id).where(Device.location_id == location.id)
    if kind:
        stmt = stmt.where(Device.kind == kind)
    rows = db.execute(stmt.order_by(Device.management_number).limit(MAX_LABELS + 1))
    return [(device, model_name) for device, model_name in rows]


def _draw_label(pdf: "FPDF", x: float, y: float, device: Device, model_name: str, location: Location) -> None:
    pdf.image(io.BytesIO(device_qr(device.id)), x=x + 2, y=y + 3, w=QR_SIZE, h=QR_SIZE)
    text_x, text_w = x + QR_SIZE + 4, LABEL_W - QR_SIZE - 7
    pdf.set_xy(text_x, y + 4)
    pdf.set_font(FONT, size=7)
    pdf.multi_cell(text_w, 3.2, device.management_number)
    pdf.set_x(text_x)
    pdf.set_font(FONT, size=8)
    pdf.multi_cell(text_w, 4, f"{model_name}\n{location.name}（{labels.KINDS[device.kind]}）")


def label_sheet(db: Session, *, location: Location, kind: str | None) -> bytes:
    """A4 pages of 24 labels (QR code + 拠点管理番号 + 機種名) for the location's devices, in number order."""
    devices = _label_devices(db, location, kind)
    if not devices:
        raise NotFound(labels.NO_DEVICES_FOR_LABELS, code="no_devices")
    if len(devices) > MAX_LABELS:
        raise ValidationFailed(
            labels.TOO_MANY_LABELS.format(limit=MAX_LABELS), details={"field": "kind", "rule": "max_labels"}
        )
    pdf = japanese_pdf(format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0)
    pdf.set_title(labels.LABEL_SHEET_TITLE.format(location=location.name))
    per_page = COLUMNS * ROWS
    for index, (device, model_name) in enumerate(devices):
        if index % per_page == 0:
            pdf.add_page()
        cell = index % per_page
        _draw_label(pdf, (cell % COLUMNS) * LABEL_W, (cell // COLUMNS) * LABEL_H, device, model_name, location)
    return bytes(pdf.output())
