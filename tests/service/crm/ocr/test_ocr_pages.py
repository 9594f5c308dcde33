"""The page OCR reads (service/crm/ocr/pages.py) from generated bills: a sheet photographed on a desk at an angle is
found and warped flat, its coloured header band kept on it, a page that fills its picture is left as it is; light
text on a band is made dark on white, a phone's shadow is not taken for a band and the paper under it is lit as the
rest, and a table's rules are whitened; a bill photographed sideways or upside down (no EXIF orientation), or under a
phone's shadow, is turned upright by Tesseract's orientation detection and read, and a header printed white on a band,
dark or pale, names the 電力会社 (the engine's runs: about a second of CPU each)."""

import pytest
from PIL import Image, ImageStat

from bench import ocr_bills
from service.config import get_settings
from service.crm.masters import POWER_COMPANIES, choice_rows, ocr_labels
from service.crm.ocr import engine, pages, reading
from service.database import utcnow

pytestmark = pytest.mark.outside

LOCATION = "power_customer_location_number"
BILLS = ocr_bills.bills(9)
BILL, BANDED, PALE = (
    BILLS[0],
    BILLS[2],
    BILLS[8],
)  # 北海道電力's ruled table; 東京電力EP's red header band; 九州電力's orange
COMPANIES = {code: name for code, name in POWER_COMPANIES if code != "99"}
LABELS = ocr_labels(choice_rows())  # the label words a fresh install seeds


def photo(look: str, bill: ocr_bills.Bill = BILL) -> bytes:
    data, _ = ocr_bills.photographed(ocr_bills.looking(bill, look), ocr_bills.draw(bill))
    return data


def test_the_perspective_carries_each_corner_to_its_pair():
    made = ((0, 0), (0, 100), (80, 100), (80, 0))
    seen = ((12.5, 7), (3, 96), (90, 104), (70, 2))
    a, b, c, d, e, f, g, h = pages.perspective(made, seen)
    for (x, y), (u, v) in zip(made, seen, strict=True):
        w = g * x + h * y + 1
        assert (round((a * x + b * y + c) / w, 6), round((d * x + e * y + f) / w, 6)) == (u, v)


def test_a_sheet_photographed_on_a_desk_at_an_angle_is_warped_flat():
    picture = pages.first_page(photo("on_desk"), "image/jpeg")
    corners = pages.sheet_corners(picture)
    assert corners is not None
    (upper_left, lower_left, lower_right, upper_right) = corners
    assert upper_right[0] - upper_left[0] < lower_right[0] - lower_left[0]  # the far edge is the shorter

    flat = pages.flattened(picture)

    width, height = ocr_bills.PAGE
    assert abs(flat.height / flat.width - height / width) < 0.15  # about A4's (the near edge is drawn in a little)
    edges = [flat.getpixel(point) for point in ((3, 3), (flat.width - 4, 3), (3, flat.height - 4))]
    assert min(edges) > 150  # paper to the very edge: no desk left
    assert pages.sheet_corners(flat) is None  # the sheet now fills the picture: nothing more to warp


def test_a_sheet_on_a_desk_keeps_the_coloured_band_across_its_top():
    """The band is not the desk: the sheet's upper corners are the paper's, above the band (the photo's sheet starts
    6 % down; the band is about 8 % of the sheet high)."""
    picture = pages.first_page(photo("on_desk", BANDED), "image/jpeg")
    upper_left, _, _, upper_right = pages.sheet_corners(picture)
    assert max(upper_left[1], upper_right[1]) < 0.09 * picture.height


@pytest.mark.parametrize("bill", [BILL, BANDED], ids=["plain", "banded"])
@pytest.mark.parametrize("look", ["flat", "turned", "slanted"])
def test_a_page_that_fills_its_picture_is_left_as_it_is(look, bill):
    picture = pages.first_page(photo(look, bill), "image/jpeg" if look != "flat" else "image/png")
    assert pages.sheet_corners(picture) is None  # a band across the top is not a desk round the page
    assert pages.flattened(picture).tobytes() == picture.convert("L").tobytes()


def test_light_text_on_a_dark_band_is_made_dark_on_white():
    page = ocr_bills.draw(BANDED).convert("L")
    band = (0, 0, page.width, 150)
    assert ImageStat.Stat(page.crop(band)).median[0] < 100  # red: dark in grey, the issuer in white

    made = pages.light_on_dark(page)

    white, ink = made.crop(band).histogram()[255], sum(made.crop(band).histogram()[:64])
    assert white > 0.8 * page.width * 150 and ink > 0  # white paper, the name in black
    assert (
        made.crop((0, 160, page.width, page.height)).tobytes() == page.crop((0, 160, page.width, page.height)).tobytes()
    )


def test_light_text_on_a_band_keeps_its_soft_edges():
    """Text cut out hard (each pixel black or white) is dropped whole by Tesseract's layout analysis."""
    page = ocr_bills.draw(BANDED).convert("L")

    band = pages.light_on_dark(page).crop((0, 0, page.width, 150)).histogram()

    assert sum(band[64:192]) > 0.2 * band[0]  # grey edges round the black strokes


def test_a_phones_shadow_is_not_a_band_and_the_paper_under_it_is_lit_as_the_rest():
    page = pages.first_page(photo("shadow"), "image/jpeg").convert("L")
    shadowed = (700, 300, 1100, 1300)  # the values' column, under the shadow
    assert ImageStat.Stat(page.crop(shadowed)).median[0] < 180

    assert pages.light_on_dark(page).tobytes() == page.tobytes()  # its text is darker than it: not inverted
    lit = pages.evenly_lit(page)

    assert ImageStat.Stat(lit.crop(shadowed)).median[0] == 255
    values = (420, 280, 900, 360)  # お客さま番号's value, under the shadow's edge
    assert lit.crop(values).getextrema()[0] < 60  # its text as dark as before


def test_a_tables_rules_are_whitened_and_its_text_kept():
    page = ocr_bills.draw(BILL).convert("L")

    made = pages.without_rules(page)

    def longest_run(picture) -> int:
        longest = 0
        for y in range(picture.height):
            run = 0
            for level in picture.crop((0, y, picture.width, y + 1)).tobytes():
                run = run + 1 if level < pages.RULE_INK else 0
                longest = max(longest, run)
        return longest

    assert longest_run(page) > 1000 and longest_run(made) < 100  # the rules across the page are gone
    text = (90, 320, 380, 360)  # the first row's label
    assert made.crop(text).tobytes() == page.crop(text).tobytes()


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


@pytest.mark.parametrize(
    ("bill", "look", "issuer"),
    [
        (BANDED, "on_desk", "東京電力エナジーパートナー"),
        (BANDED, "slanted", "東京電力エナジーパートナー"),
        (PALE, "on_desk", "九州電力"),
    ],
    ids=["dark_band_on_a_desk", "dark_band_slanted", "pale_band_on_a_desk"],
)
def test_a_header_printed_white_on_a_band_names_the_power_company(tesseract, bill, look, issuer):
    source = reading.Source(photo(look, bill), "image/jpeg", COMPANIES, LABELS)
    read = reading.read(source, now=utcnow()).result
    assert issuer in read["text"].replace(" ", "")
    assert read["fields"]["power_supplier_type"]["value"] == bill.style.area


def test_a_bill_under_a_phones_shadow_is_read(tesseract):
    source = reading.Source(photo("shadow"), "image/jpeg", COMPANIES, LABELS)
    found = reading.read(source, now=utcnow()).result["fields"]
    for field in (LOCATION, "power_customer_number", "latest_power_usage", "latest_charges"):
        assert found[field]["value"] == BILL.truth[field]


@pytest.mark.parametrize("look", ["sideways", "upside_down", "on_desk"])
def test_a_bill_photographed_sideways_upside_down_or_at_an_angle_is_read(tesseract, look):
    source = reading.Source(photo(look), "image/jpeg", COMPANIES, LABELS)
    found = reading.read(source, now=utcnow()).result["fields"]
    assert found[LOCATION]["value"] == BILL.truth[LOCATION]
    assert found["latest_charges"]["value"] == BILL.truth["latest_charges"]
