"""The page found, flattened and turned upright (service/crm/ocr/pages.py), and read by PP-OCR on ONNX Runtime
(service/crm/ocr/engine.py; pip installs it, models and all: no outside program): a bill photographed turned 10° or 15°,
sideways, upside down or on a desk at an angle comes out upright and is read; a landscape statement stays landscape;
each page of a PDF is read, stacked into one page. Each case reads only what it needs (a whole page is about 3 s of
CPU; the page's top, under one)."""

import io

import pytest
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont

from bench import ocr_bills
from service.config import get_settings
from service.crm.masters import POWER_COMPANIES, choice_rows, ocr_labels
from service.crm.ocr import engine, pages, reading
from service.database import utcnow
from service.documents import japanese_font_path

BILL = ocr_bills.bills(1)[0]  # 北海道電力's ruled table
TITLE = BILL.style.title  # 電気ご使用量のお知らせ, under the issuer's name
COMPANIES = {code: name for code, name in POWER_COMPANIES if code != "99"}
LABELS = ocr_labels(choice_rows())  # the label words a fresh install seeds
LANDSCAPE = (
    ("ご契約番号", "契約メニュー", "契約容量", "ご利用量", "ご請求額（税込）"),
    ("A1234567", "スマートプランS", "40A", "312kWh", "9,876円"),
)


@pytest.fixture(scope="module")
def ppocr():
    return engine.PpOcrV6()


def jpeg(picture: Image.Image) -> bytes:
    out = io.BytesIO()
    picture.convert("RGB").save(out, "JPEG", quality=85)
    return out.getvalue()


def top_text(ocr, picture: Image.Image) -> str:
    """What the engine reads in the upper quarter of the page made from `picture`."""
    page = pages.normalised(picture, ocr.orientation)
    top = page.crop((0, 0, page.width, page.height // 4))
    return "".join(line.text for line in ocr.read(top)).replace(" ", "")


def font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(japanese_font_path()), size)


def landscape_statement() -> Image.Image:
    """A new-power company's web statement: a header row of labels over a row of values, wider than high."""
    page = Image.new("RGB", (1754, 1240), "white")
    pen = ImageDraw.Draw(page)
    pen.text((80, 60), "みらいでんき株式会社　ご請求明細", fill="black", font=font(44))
    for row, words in enumerate(LANDSCAPE):
        for column, word in enumerate(words):
            pen.rectangle((80 + column * 320, 240 + row * 80, 400 + column * 320, 320 + row * 80), outline="black")
            pen.text((96 + column * 320, 258 + row * 80), word, fill="black", font=font(32))
    return page


@pytest.mark.parametrize("angle", [10, -10, 15, -15])
def test_a_page_photographed_turned_up_to_15_degrees_is_straightened(angle):
    page = ocr_bills.draw(BILL).convert("L")
    turned = page.rotate(angle, Image.Resampling.BICUBIC, expand=True, fillcolor=255)

    found = pages.skew_angle(turned)

    assert abs(found + angle) < 0.5  # turned back the other way


@pytest.mark.parametrize("angle", [10, 15])
def test_a_bill_photographed_turned_10_or_15_degrees_is_read(ppocr, angle):
    photo = ocr_bills.draw(BILL).rotate(angle, Image.Resampling.BICUBIC, expand=True, fillcolor="white")
    picture = pages.first_page(jpeg(photo), "image/jpeg")
    assert TITLE in top_text(ppocr, picture)


@pytest.mark.parametrize("turn", [90, 180, 270])
def test_the_engine_tells_how_far_a_page_lies_turned(ppocr, turn):
    page = ocr_bills.draw(BILL).convert("L")
    lying = page.rotate(turn, expand=True)  # counter-clockwise: turning it back is `turn` clockwise
    assert ppocr.orientation(lying) == turn
    assert ppocr.orientation(page) == 0


@pytest.mark.parametrize("look", ["sideways", "upside_down", "on_desk"])
def test_a_bill_photographed_sideways_upside_down_or_on_a_desk_comes_out_upright_and_flat(ppocr, look):
    data, _ = ocr_bills.photographed(ocr_bills.looking(BILL, look), ocr_bills.draw(BILL))
    picture = pages.first_page(data, "image/jpeg")

    text = top_text(ppocr, picture)

    assert BILL.issuer in text and TITLE in text
    page = pages.normalised(picture, ppocr.orientation)
    assert page.height > page.width  # a portrait bill stands upright


def test_a_landscape_statement_is_read_lying_as_it_is(ppocr):
    picture = landscape_statement()
    page = pages.normalised(picture, ppocr.orientation)
    assert page.width > page.height

    rows = [line.text for line in ppocr.read(page)]

    values = next(row for row in rows if "A1234567" in row)
    assert values.split() == list(LANDSCAPE[1])  # the row's values in order, each its own piece
    assert any("ご請求額" in row for row in rows)


def test_a_landscape_statement_photographed_sideways_is_turned_back(ppocr):
    picture = landscape_statement().transpose(Image.Transpose.ROTATE_90)
    page = pages.normalised(picture, ppocr.orientation)
    assert page.width > page.height
    assert any("A1234567" in line.text for line in ppocr.read(page.crop((0, 0, page.width, page.height // 2))))


def two_page_pdf() -> bytes:
    """The bill on its first page; the amount's breakdown on its second, as longer statements print it."""
    pdf = FPDF(format="A4")
    pdf.add_font("ipaexg", fname=str(japanese_font_path()))
    pdf.add_page()
    pdf.image(ocr_bills.draw(BILL), x=0, y=0, w=210)
    pdf.add_page()
    pdf.set_font("ipaexg", size=16)
    pdf.cell(0, 12, "2ページ目　ご請求内訳", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 12, "今回お支払金額：12,345円", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


@pytest.fixture
def configured_ppocr(monkeypatch):
    monkeypatch.setenv("APP_OCR_ENGINE", "ppocrv6")
    get_settings.cache_clear()
    yield engine.configured()
    get_settings.cache_clear()


def test_each_page_of_a_pdf_is_read_into_one_page(configured_ppocr):
    data = two_page_pdf()
    assert len(pages.pictures(data, pages.PDF)) == 2

    made = reading.read(reading.Source(data, pages.PDF, COMPANIES, LABELS), now=utcnow())

    text = made.result["text"].replace(" ", "")
    assert TITLE in text and "今回お支払金額：12,345円" in text  # the first page's and the second's
    width, height = made.result["page_size"]
    assert height > 2 * width  # two A4 pages one under the other, stored as the one page shown
    assert Image.open(io.BytesIO(made.page)).size == (width, height)
    found = made.result["fields"]
    assert found["power_customer_location_number"]["value"] == BILL.truth["power_customer_location_number"]
    assert found["latest_charges"]["box"][1] < height / 2  # read on the first page


def render_line(text: str, size: int = 36) -> Image.Image:
    picture = Image.new("RGB", (60 + size * len(text), size * 2), "white")
    ImageDraw.Draw(picture).text((30, size // 2), text, fill="black", font=font(size))
    return picture


def test_ppocr_reads_a_line_with_a_box_for_each_character(ppocr):
    assert ppocr.version() is not None  # its model files are inside the installed wheels: nothing to download
    picture = render_line("ご契約種別 低圧電力 契約容量 13kW")

    (line,) = ppocr.read(picture)

    assert line.text.replace(" ", "") == "ご契約種別低圧電力契約容量13kW"
    marks = [glyph for glyph in line.glyphs if glyph.text != " "]
    lefts = [glyph.box[0] for glyph in marks]
    assert lefts == sorted(lefts) and len(set(lefts)) == len(lefts)  # left to right, one box each
    for glyph in marks:
        left, top, right, bottom = glyph.box
        assert 20 <= left < right <= picture.width - 20 and 0 <= top < bottom <= picture.height
        assert 10 <= right - left <= 60 and 25 <= bottom - top <= 72  # about a character of 36 px
    capacity = line.text.index("13kW")
    assert line.glyphs[capacity].box[0] > line.glyphs[line.text.index("契約容量")].box[2]


def test_ppocr_reads_the_same_line_again_alike(ppocr):
    picture = render_line("ご使用量 1,686kWh")
    first, again = ppocr.read(picture), ppocr.read(picture)
    assert first == again and first[0].text.replace(" ", "") == "ご使用量1,686kWh"


@pytest.mark.parametrize(
    ("read", "meant"),
    [
        ("低压電力", "低圧電力"),
        ("乙使用量", "ご使用量"),
        ("乙契約名義", "ご契約名義"),
        ("甲乙", "甲乙"),  # 乙 itself, where no ご is meant
        ("北海道電カネットワーク", "北海道電力ネットワーク"),
        ("再工ネ発電賦課金", "再エネ発電賦課金"),
        ("工事費", "工事費"),
        ("亍060-0001", "〒060-0001"),
        ("有限会社大和不動產", "有限会社大和不動産"),
        ("東京都千代田區", "東京都千代田区"),
        ("カード", "カード"),
    ],
)
def test_ppocr_lookalikes_are_put_right_one_character_for_one(read, meant):
    assert engine.ppocr_normalised(read) == meant
    assert len(engine.ppocr_normalised(read)) == len(read)  # each character keeps its box


@pytest.mark.parametrize(
    ("setting", "said"),
    [("ppocrv6", "ppocrv6, PP-OCRv6 small (rapidocr"), ("none", "off")],
)
def test_make_runs_banner_says_what_reads_the_bills(monkeypatch, setting, said):
    from tools import run

    monkeypatch.setenv("APP_OCR_ENGINE", setting)
    get_settings.cache_clear()
    try:
        assert run.ocr_line().startswith(said)
        assert f"  OCR          {run.ocr_line()}" in run.banner(9100, 9601, agents=True).splitlines()
    finally:
        get_settings.cache_clear()
