"""The page OCR reads (service/crm/ocr/pages.py) from generated bills: a sheet photographed on a desk at an angle is
found and warped flat, a page that fills its picture is left as it is; a bill photographed sideways or upside down
(no EXIF orientation) is turned upright by Tesseract's orientation detection and read (the engine's runs: about a
second of CPU each)."""

import pytest
from PIL import Image

from bench import ocr_bills
from service.config import get_settings
from service.crm.ocr import engine, pages, reading
from service.database import utcnow

pytestmark = pytest.mark.outside

LOCATION = "power_customer_location_number"
BILL = ocr_bills.demo_bills(1)[0]  # 「lines」 layout, electricity: it carries a 供給地点特定番号
COMPANIES = {"03": "東京電力エナジーパートナー", "06": "関西電力", "04": "中部電力ミライズ", "09": "九州電力"}


def looking(look: str, bill: ocr_bills.Bill = BILL) -> ocr_bills.Bill:
    return ocr_bills.Bill(**{**bill.__dict__, "look": look})


def photo(look: str) -> bytes:
    data, _ = ocr_bills.photographed(looking(look), ocr_bills.draw(BILL))
    return data


def test_the_perspective_carries_each_corner_to_its_pair():
    made = ((0, 0), (0, 100), (80, 100), (80, 0))
    seen = ((12.5, 7), (3, 96), (90, 104), (70, 2))
    a, b, c, d, e, f, g, h = pages.perspective(made, seen)
    for (x, y), (u, v) in zip(made, seen, strict=True):
        w = g * x + h * y + 1
        assert (round((a * x + b * y + c) / w, 6), round((d * x + e * y + f) / w, 6)) == (u, v)


def test_a_sheet_photographed_on_a_desk_at_an_angle_is_warped_flat():
    picture = pages.first_page(photo("on_desk"), "image/jpeg").convert("L")
    corners = pages.sheet_corners(picture)
    assert corners is not None
    (upper_left, lower_left, lower_right, upper_right) = corners
    assert upper_right[0] - upper_left[0] < lower_right[0] - lower_left[0]  # the far edge is the shorter

    flat = pages.flattened(picture)

    width, height = ocr_bills.PAGE
    assert abs(flat.height / flat.width - height / width) < 0.15  # about A4's (the near edge is drawn in a little)
    edges = [flat.getpixel(point) for point in ((3, 3), (flat.width - 4, 3), (3, flat.height - 4))]
    assert min(edges) > 150  # paper to the very edge: no desk left
    assert pages.flattened(flat).size == flat.size  # the sheet now fills the picture: nothing more to warp


@pytest.mark.parametrize("look", ["flat", "turned", "slanted"])
def test_a_page_that_fills_its_picture_is_left_as_it_is(look):
    picture = pages.first_page(photo(look), "image/jpeg" if look != "flat" else "image/png").convert("L")
    assert pages.sheet_corners(picture) is None
    assert pages.flattened(picture) is picture


@pytest.mark.parametrize(
    ("turn", "size", "white"), [(90, (1, 2), (0, 0)), (180, (2, 1), (1, 0)), (270, (1, 2), (0, 1))]
)
def test_a_page_is_turned_clockwise_by_quarter_turns(turn, size, white):
    strip = Image.new("L", (2, 1), 0)
    strip.putpixel((0, 0), 255)  # its left end white
    turned = pages.upright(strip, turn)
    assert (turned.size, turned.getpixel(white)) == (size, 255)


@pytest.fixture
def tesseract(monkeypatch):
    monkeypatch.setenv("APP_OCR_ENGINE", "tesseract")
    get_settings.cache_clear()
    yield engine.configured()
    get_settings.cache_clear()


def test_the_engine_tells_how_far_a_page_lies_turned(tesseract):
    page = pages.first_page(photo("flat"), "image/png").convert("L")
    for turn in (0, 90, 180, 270):
        lying = page.rotate(turn, expand=True)  # counter-clockwise: turning it back is `turn` clockwise
        assert tesseract.orientation(lying) == turn


@pytest.mark.parametrize("look", ["sideways", "upside_down", "on_desk"])
def test_a_bill_photographed_sideways_upside_down_or_at_an_angle_is_read(tesseract, look):
    source = reading.Source(photo(look), "image/jpeg", COMPANIES)
    found = reading.read(source, now=utcnow()).result["fields"]
    assert found[LOCATION]["value"] == BILL.truth[LOCATION]
    assert found["latest_charges"]["value"] == BILL.truth["latest_charges"]
