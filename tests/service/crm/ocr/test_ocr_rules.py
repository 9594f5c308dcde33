"""The OCR field rules (service/crm/ocr/extraction.py) on lines as an engine reads them: labels whose characters come
apart, full-width digits and dashes, a value on the line below its label; a value that breaks its rule is withheld,
never proposed."""

import pytest

from service.crm.ocr import extraction
from service.crm.ocr.engine import Glyph, Line, hocr_lines

COMPANIES = {"03": "東京電力", "06": "関西電力"}


def line(text: str, confidence: float = 0.99, y: int = 0) -> Line:
    """A line read with one confidence, each character 20 px wide; `_` is a character read with 0.3."""
    glyphs = []
    for n, char in enumerate(text):
        low = char == "_"
        glyphs.append(Glyph("8" if low else char, 0.3 if low else confidence, (n * 20, y, n * 20 + 18, y + 30)))
    return Line(tuple(glyphs))


def extract(*texts: str) -> extraction.Extraction:
    return extraction.extract([line(t, y=n * 40) for n, t in enumerate(texts)], companies=COMPANIES)


def proposed(*texts: str) -> dict:
    return {name: p.value for name, p in extract(*texts).proposals.items()}


def test_an_electricity_bill_in_full_width_and_spaced_words():
    values = proposed(
        "電気 ご 使用 量 の お 知ら せ",
        "東京 電カ エナジーパートナー 株式会社",
        "ご 使用 年 月 ： ２０２６年１月分",
        "お客様番号 ： １２－３４５６－７８９０",
        "ご契約名義 株式会社 テスト 商事 様",
        "ご使用場所：〒１５０－０００１ 東京都 渋谷区 神宮前 １－２－３",
        "ご契約種別 従量 電灯 B",
        "供給地点特定番号 0300 1112 2233 3444 5556 66",
        "ご契約容量 ３０ｋＶＡ",
        "ご使用量 1,520 ｋＷｈ",
        "ご請求金額 ４８，２１０円",
    )
    assert values == {
        "power_supplier_type": "03",  # 電カ (katakana) is matched as 電力
        "power_customer_number": "12-3456-7890",
        "power_customer_location_number": "0300111222333444555666",
        "power_customer_name": "株式会社テスト商事",
        "power_zip_code": "150-0001",
        "power_prefecture": "東京都",
        "power_city": "渋谷区",
        "power_town": "神宮前",
        "power_street": "1-2-3",
        "power_plan_name": "従量電灯B",
        "contract_capacity": "30kVA",
        "latest_date": "2026-01",
        "latest_power_usage": 1520,
        "latest_charges": 48210,
    }


def test_a_gas_bill_proposes_the_gas_equivalents():
    values = proposed(
        "ガスご使用量のお知らせ",
        "東京電力 ガス株式会社",  # a gas bill: 電力会社 is not proposed from its words
        "検針年月 令和8年3月",
        "ガスご使用量 310 m3",
        "ご契約容量 30kVA",
        "ご請求金額 ¥22,150",
    )
    assert values == {"latest_date": "2026-03", "latest_power_usage": 310, "latest_charges": 22150}


def test_a_value_on_the_line_below_its_label_and_a_grouped_number_split_by_dashes():
    values = proposed("供給地点特定番号", "0300－1112－2233－3444－5556－66", "ご使用量：3.557 kWh")
    assert values == {"power_customer_location_number": "0300111222333444555666", "latest_power_usage": 3557}


@pytest.mark.parametrize(
    ("text", "field", "rule"),
    [
        (
            "供給地点特定番号 0300 1112 2233 3444 5556 6",
            "power_customer_location_number",
            "22桁の数字ではありません（21桁）",
        ),
        ("供給地点特定番号 0300 1112 2233 3444 5556 666", "power_customer_location_number", "（23桁）"),
        ("供給地点特定番号 O300 1112 2233 3444 5556 66", "power_customer_location_number", "22桁"),
        ("お客様番号 12-3", "power_customer_number", "5桁以上"),
        ("ご使用量 1,520", "latest_power_usage", "kWh"),
        ("ご請求金額 48,210", "latest_charges", "金額（円）"),
        ("ご使用年月 2026年13月", "latest_date", "ありえない年月"),
        ("ご契約容量 大", "contract_capacity", "単位"),
        ("ご使用場所 〒150-0001 東亰都渋谷区1-2-3", "power_prefecture", "都道府県名"),
    ],
)
def test_a_value_that_breaks_its_rule_is_withheld_not_proposed(text, field, rule):
    found = extract(text)
    assert field not in found.proposals
    withheld = {w.field: w for w in found.withheld}
    assert rule in withheld[field].rule


def test_a_proposal_knows_its_box_and_each_characters_confidence():
    found = extract("請求金額 ¥1_,000")
    proposal = found.proposals["latest_charges"]
    assert proposal.value == 18000
    assert proposal.box == (5 * 20, 0, 11 * 20 + 18, 30)  # from ¥ to the last digit
    assert [char for char, confidence in proposal.chars if confidence < 0.8] == ["8"]
    assert proposal.confidence < 0.99


def test_the_engine_answer_is_read_with_a_box_and_the_lower_of_word_and_character_confidence():
    hocr = """<div><span class='ocr_line' title="bbox 0 0 90 30">
      <span class='ocrx_word' title='bbox 0 0 40 30; x_wconf 90'>
        <span class='ocrx_cinfo' title='x_bboxes 0 0 18 30; x_conf 99.1'>供</span>
        <span class='ocrx_cinfo' title='x_bboxes 20 0 40 30; x_conf 42.5'>給</span></span>
      <span class='ocrx_word' title='bbox 60 0 90 30; x_wconf 95'>
        <span class='ocrx_cinfo' title='x_bboxes 60 0 90 30; x_conf 97'>1</span></span></span></div>"""
    (read,) = hocr_lines(hocr)
    assert read.text == "供給 1"
    assert [(g.text, g.confidence, g.box) for g in read.glyphs] == [
        ("供", 0.9, (0, 0, 18, 30)),
        ("給", 0.425, (20, 0, 40, 30)),
        (" ", 1.0, (40, 0, 60, 30)),
        ("1", 0.95, (60, 0, 90, 30)),
    ]
