"""A generated test set of statement images for the CRM's OCR, with the values each one carries.

The demo's sites (service/demo/crm.py) rendered as 電気・ガスのご使用量のお知らせ in a few layouts (label and value on
one line, a ruled table, a two-column slip; pillow, and fpdf2 for a PDF), then made to look photographed: turned a few
degrees, seen at a slant (perspective), blurred, saved as a noisy JPEG or as an iPhone's HEIC, lying sideways or upside
down (a quarter or half turn the file does not record: no EXIF orientation), or photographed on a desk at an angle (the
sheet a quadrilateral on a darker background). Used by bench/ocr.py and, one bill at a time, by the tests.
"""

import io
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pillow_heif
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from service.crm.ocr.pages import perspective
from service.demo import crm as demo
from service.documents import japanese_font_path

PAGE = (1240, 1754)  # A4 at 150 dpi
ISSUERS = {"03": "東京電力エナジーパートナー株式会社", "06": "関西電力株式会社", "04": "中部電力ミライズ株式会社",
           "09": "九州電力株式会社"}  # fmt: skip
GAS_ISSUERS = ("東邦ガス株式会社", "大阪ガス株式会社")
LAYOUTS = ("lines", "table", "slip")
LOOKS = ("flat", "turned", "slanted", "blurred", "noisy", "heic", "sideways", "upside_down", "on_desk")
DESK = (92, 78, 64)  # a wooden desk's brown


@dataclass(frozen=True)
class Bill:
    """One statement: its site's true values (the site's field names) and how it is drawn."""

    name: str
    truth: dict[str, Any]
    gas: bool
    issuer: str
    layout: str
    look: str = "flat"
    extra: dict[str, str] = field(default_factory=dict)


def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(japanese_font_path()), size)


def grouped(number: str) -> str:
    """A 22-digit 供給地点特定番号 as bills print it: in fours."""
    return " ".join(number[i : i + 4] for i in range(0, len(number), 4))


def demo_bills(count: int, *, seed: int = 69) -> list[Bill]:
    """`count` bills of the demo's sites, electricity and gas, in turn through the layouts and looks."""
    rng = random.Random(seed)
    now = datetime(2026, 2, 1, tzinfo=UTC)
    bills = []
    for i in range(count):
        corporation = demo._corporation(rng, 1, now, False)
        site = demo._site(rng, demo.IN_PROGRESS, corporation, now, now)
        gas = site["service_type"] == "gas"
        truth = {
            name: site[name]
            for name in (
                "power_customer_number",
                "power_zip_code",
                "power_prefecture",
                "power_city",
                "power_town",
                "power_street",
                "power_customer_name",
                "power_plan_name",
                "latest_charges",
                "latest_power_usage",
                "latest_date",
                "service_type",
            )
        }
        truth["latest_date"] = f"2026-{rng.randrange(1, 13):02d}"
        if gas:
            issuer = GAS_ISSUERS[i % len(GAS_ISSUERS)]
            truth["latest_power_usage"] = rng.randrange(10, 900)
        else:
            issuer = ISSUERS[site["power_supplier_type"]]
            truth |= {
                "power_customer_location_number": site["power_customer_location_number"],
                "power_supplier_type": site["power_supplier_type"],
                "contract_capacity": site["contract_capacity"],
            }
        layout, look = LAYOUTS[i % len(LAYOUTS)], LOOKS[i // len(LAYOUTS) % len(LOOKS)]
        bills.append(Bill(f"bill_{i + 1:03d}", truth, gas, issuer, layout, look))
    return bills


def _rows(bill: Bill) -> list[tuple[str, str]]:
    """(label, value) as the bill prints them; full-width digits on some, as real bills do."""
    t = bill.truth
    year, month = t["latest_date"].split("-")
    rows = [
        ("ご使用年月", f"{year}年{int(month)}月分"),
        ("お客様番号", t["power_customer_number"]),
        ("ご契約名義", f"{t['power_customer_name']} 様"),
        ("ご使用場所", f"〒{t['power_zip_code']} {t['power_prefecture']}{t['power_city']}{t['power_town']}"
                       f"{t['power_street']}"),
        ("ご契約種別", t["power_plan_name"]),
    ]  # fmt: skip
    if bill.gas:
        rows += [("ガスご使用量", f"{t['latest_power_usage']:,} m3")]
    else:
        rows += [
            ("供給地点特定番号", grouped(t["power_customer_location_number"])),
            ("ご契約容量", t["contract_capacity"]),
            ("ご使用量", f"{t['latest_power_usage']:,} kWh"),
        ]
    rows += [("ご請求金額", f"{t['latest_charges']:,} 円")]
    return rows


def _title(bill: Bill) -> str:
    return "ガスご使用量のお知らせ" if bill.gas else "電気ご使用量のお知らせ"


def draw(bill: Bill) -> Image.Image:
    """The bill as a clean page."""
    page = Image.new("RGB", PAGE, "white")
    pen = ImageDraw.Draw(page)
    pen.text((90, 90), _title(bill), fill="#1f4e79", font=_font(52))
    pen.text((90, 180), bill.issuer, fill="black", font=_font(30))
    rows, text = _rows(bill), _font(32)
    if bill.layout == "lines":
        for n, (label, value) in enumerate(rows):
            pen.text((90, 300 + n * 80), f"{label}：{value}", fill="black", font=text)
    elif bill.layout == "table":
        for n, (label, value) in enumerate(rows):
            top = 300 + n * 90
            pen.rectangle((80, top, 1160, top + 90), outline="#555555", width=2)
            pen.line((420, top, 420, top + 90), fill="#555555", width=2)
            pen.text((100, top + 25), label, fill="black", font=text)
            pen.text((440, top + 25), value, fill="black", font=text)
    else:  # slip: a shaded band of the amount first, the rest below in a smaller face
        label, value = rows[-1]
        pen.rectangle((80, 280, 1160, 400), fill="#e8eef5")
        pen.text((100, 310), f"{label}  {value}", fill="black", font=_font(48))
        for n, (label, value) in enumerate(rows[:-1]):
            pen.text((90, 460 + n * 70), label, fill="#333333", font=_font(28))
            pen.text((420, 460 + n * 70), value, fill="black", font=_font(30))
    return page


def _perspective(page: Image.Image, rng: random.Random) -> Image.Image:
    """Seen at a slant: the top edge a little narrower than the bottom."""
    width, height = page.size
    inset = rng.uniform(0.02, 0.05) * width
    quad = (inset, 0, 0, height, width, height, width - inset, 0)  # source corners: upper left, lower left, …
    return page.transform(page.size, Image.Transform.QUAD, quad, Image.Resampling.BICUBIC, fillcolor="white")


def _on_desk(page: Image.Image, rng: random.Random) -> Image.Image:
    """The sheet photographed lying on a desk, the camera held at an angle: its corners drawn in towards the far edge
    (a true perspective), a desk around it, the light falling off across the photo."""
    width, height = page.size
    photo = (round(width * 1.2), round(height * 1.15))
    near, far = rng.uniform(0.02, 0.05), rng.uniform(0.08, 0.14)  # how far in the near and far corners are drawn
    drop = rng.uniform(-0.02, 0.02)  # the far edge a little askew
    left, top = photo[0] * 0.1, photo[1] * 0.06
    corners = (
        (left + far * width, top + drop * height),
        (left + near * width, top + height),
        (left + (1 - near) * width, top + height),
        (left + (1 - far) * width, top - drop * height),
    )
    own = ((0, 0), (0, height), (width, height), (width, 0))
    sheet = page.convert("RGBA").transform(
        photo, Image.Transform.PERSPECTIVE, perspective(corners, own), Image.Resampling.BICUBIC
    )
    desk = Image.new("RGBA", photo, DESK)
    light = Image.linear_gradient("L").resize(photo).point(lambda v: 255 - v // 4)
    shot = Image.alpha_composite(desk, sheet).convert("RGB")
    return Image.composite(shot, Image.new("RGB", photo, "black"), light)


def photographed(bill: Bill, page: Image.Image) -> tuple[bytes, str]:
    """The page as its look makes it: (file bytes, extension)."""
    rng = random.Random(bill.name)
    out = io.BytesIO()
    if bill.look in ("turned", "noisy", "heic", "sideways", "upside_down"):
        page = page.rotate(rng.choice((-1, 1)) * rng.uniform(1.5, 4.0), Image.Resampling.BICUBIC, expand=True,
                           fillcolor="white")  # fmt: skip
    if bill.look == "sideways":
        page = page.transpose(rng.choice((Image.Transpose.ROTATE_90, Image.Transpose.ROTATE_270)))
    if bill.look == "upside_down":
        page = page.transpose(Image.Transpose.ROTATE_180)
    if bill.look == "slanted":
        page = _perspective(page, rng)
    if bill.look == "on_desk":
        page = _on_desk(page, rng).filter(ImageFilter.GaussianBlur(0.7))
    if bill.look in ("blurred", "noisy"):
        page = page.filter(ImageFilter.GaussianBlur(1.2 if bill.look == "blurred" else 0.6))
    if bill.look == "heic":
        pillow_heif.from_pillow(page).save(out, quality=60)
        return out.getvalue(), "heic"
    if bill.look == "noisy":
        page.save(out, "JPEG", quality=35)
        return out.getvalue(), "jpg"
    page.save(out, "PNG" if bill.look == "flat" else "JPEG", **({} if bill.look == "flat" else {"quality": 85}))
    return out.getvalue(), "png" if bill.look == "flat" else "jpg"


def as_pdf(bill: Bill) -> bytes:
    """The bill as a one-page PDF with its text (fpdf2), as a utility's web portal hands it out."""
    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.add_font("ipaexg", fname=str(japanese_font_path()))
    pdf.set_font("ipaexg", size=20)
    pdf.cell(0, 14, _title(bill), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("ipaexg", size=12)
    pdf.cell(0, 10, bill.issuer, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    for label, value in _rows(bill):
        pdf.cell(0, 11, f"{label}：{value}", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def files(bills: list[Bill]) -> Iterator[tuple[Bill, bytes, str]]:
    """Each bill's file (every seventh one a PDF) and its extension."""
    for n, bill in enumerate(bills):
        if n % 7 == 6:
            yield bill, as_pdf(bill), "pdf"
        else:
            yield bill, *photographed(bill, draw(bill))
