"""The OCR field rules (service/crm/ocr/extraction.py) on lines as an engine reads them: labels whose characters come
apart or are misread, full-width digits and dashes, a value beside its label, on the line below it, or under it in a
box or a column; a value that breaks its rule is withheld, never proposed. Then the checks between the fields
(checks.py): the area the 供給地点特定番号, the 電力会社 and the prefecture name, the company's お客様番号 and plans,
the plan's unit of 契約容量, the postal code's prefecture, 使用量 against the tiers and the meter, 請求金額 against
its tax; and the address split as the sales form and the carrier CSV keep it (addresses.py)."""

import pytest

from service.crm.masters import POWER_COMPANIES
from service.crm.ocr import addresses, extraction
from service.crm.ocr.engine import Glyph, Line, PpOcrV6, Tesseract, hocr_lines
from service.crm.ocr.proposals import Extraction

COMPANIES = {code: name for code, name in POWER_COMPANIES if code != "99"}
WIDTH = 20  # each character's width on the page


def glyphs(text: str, *, x: int = 0, y: int = 0, confidence: float = 0.99) -> list[Glyph]:
    """Each character 20 px wide from `x`; `_` is a character read with 0.3."""
    made = []
    for n, char in enumerate(text):
        low = char == "_"
        left = x + n * WIDTH
        made.append(Glyph("8" if low else char, 0.3 if low else confidence, (left, y, left + WIDTH - 2, y + 30)))
    return made


def line(text: str, confidence: float = 0.99, y: int = 0) -> Line:
    return Line(tuple(glyphs(text, y=y, confidence=confidence)))


def row(y: int, *parts: tuple[int, str]) -> Line:
    """Texts standing at their x on one line, a word space between them."""
    made: list[Glyph] = []
    for x, text in parts:
        if made:
            made.append(Glyph(" ", 1.0, (made[-1].box[2], y, x, y + 30)))
        made += glyphs(text, x=x, y=y)
    return Line(tuple(made))


def extract(*texts: str | Line) -> Extraction:
    lines = [line(t, y=n * 40) if isinstance(t, str) else t for n, t in enumerate(texts)]
    return extraction.extract(lines, companies=COMPANIES, sure_name=PpOcrV6.sure_name)


def proposed(*texts: str | Line) -> dict:
    return {name: p.value for name, p in extract(*texts).proposals.items()}


def withheld(*texts: str | Line) -> dict[str, str]:
    return {item.field: item.rule for item in extract(*texts).withheld}


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
        "ご契約 ３０Ａ",
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
        "contract_capacity": "30A",
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
        ("ご使用場所 〒150-0001 渋谷区神宮前1-2-3", "power_prefecture", "都道府県名"),
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


def test_labels_above_their_values_in_boxes_or_columns_are_read_by_where_they_stand():
    values = proposed(
        "東京電力エナジーパートナー株式会社",
        row(40, (0, "ご使用年月"), (400, "お客さま番号")),
        row(80, (0, "2026年5月分"), (400, "71-6112-5348")),
        row(120, (0, "ご契約種別"), (300, "ご契約"), (600, "ご使用量")),
        row(160, (0, "従量電灯B"), (300, "40A"), (600, "412kWh")),
        row(200, (0, "お客さま名"), (600, "請求予定金額")),
        row(240, (0, "株式会社テスト商事 様"), (600, "13,.586 円")),
    )
    assert values == {
        "power_supplier_type": "03",
        "power_customer_number": "71-6112-5348",
        "power_customer_name": "株式会社テスト商事",
        "power_plan_name": "従量電灯B",
        "contract_capacity": "40A",
        "latest_date": "2026-05",
        "latest_power_usage": 412,
        "latest_charges": 13586,  # a stray point after the comma
    }


def test_a_line_the_engine_read_across_a_boxs_label_and_its_value_is_taken_as_two_rows():
    labels_then_values = Line(
        tuple(glyphs("ご使用年月", y=0) + glyphs("ご使用量", x=400, y=0))
        + tuple(glyphs("2026年5月", y=50) + glyphs("412kWh", x=400, y=50))
    )
    assert proposed(labels_then_values) == {"latest_date": "2026-05", "latest_power_usage": 412}


def test_a_label_read_with_one_character_wrong_or_its_trailing_power_lost_is_still_found():
    values = proposed(
        "関西電力株式会社",
        "ご使用年朋 2026年7月分",  # 月 read as 朋
        "今月のご請求客 74,931 円",  # 額 read as 客
        "ご契約種別 低圧電",  # 低圧電力's 力 lost at the line's end
        "契約電 22kW",  # 契約電力's too
    )
    assert values == {
        "power_supplier_type": "06",
        "latest_date": "2026-07",
        "latest_charges": 74931,
        "power_plan_name": "低圧電力",
        "contract_capacity": "22kW",
    }


def test_the_usage_is_the_total_not_a_tier_and_must_be_what_the_tiers_and_the_meter_make_it():
    lines = ("ご使用量 412kWh", "1段料金: 120kWh 29.80円 3,576円", "2段料金: 180kWh", "3段料金: 112kWh")
    assert proposed(*lines)["latest_power_usage"] == 412
    assert proposed("今回指示数 5678", "前回指示数 5266", "ご使用量 412kWh")["latest_power_usage"] == 412
    misread = ("ご使用量 413kWh", "1段料金: 120kWh", "2段料金: 180kWh", "3段料金: 112kWh")
    assert "latest_power_usage" not in proposed(*misread)
    assert withheld(*misread)["latest_power_usage"] == "使用量（413kWh）が段料金の使用量の合計（412kWh）と合いません"
    two_read = ("1段料金: 120kWh", "2段料金: 180kWh")  # the third tier's line unread
    assert proposed("ご使用量 552kWh", *two_read)["latest_power_usage"] == 552
    assert "latest_power_usage" not in proposed("ご使用量 120kWh", *two_read)  # a tier taken for the total
    meter = withheld("今回指示数 5678", "前回指示数 5266", "差引 412", "ご使用量 421kWh")
    assert meter["latest_power_usage"] == "使用量（421kWh）が今回と前回の指示数の差（412kWh）と合いません"


def test_the_amount_must_carry_its_consumption_tax():
    assert proposed("ご請求金額 13,586円", "うち消費税等相当額 1,235円")["latest_charges"] == 13586
    rule = withheld("ご請求金額 18,586円", "うち消費税等相当額 1,235円")["latest_charges"]
    assert rule == "請求金額（18,586円）とその消費税等相当額（1,235円）が合いません"


AREA_LINES = ("ご使用場所 〒150-0001 東京都渋谷区神宮前1-2-3",)


@pytest.mark.parametrize(
    ("lines", "kept", "rule"),
    [
        (  # the 供給地点特定番号 names 中部; 電力会社 and the prefecture 東京: the number is withheld
            ("東京電力エナジーパートナー株式会社", "供給地点特定番号 0400 1112 2233 3444 5556 66", *AREA_LINES),
            {"power_supplier_type": "03", "power_prefecture": "東京都"},
            (
                "power_customer_location_number",
                "供給地点特定番号の先頭2桁（04）と電力会社（東京電力）のエリアが合いません",
            ),
        ),
        (  # the header names 関西; the number and the prefecture 東京: the 電力会社 is withheld
            ("関西電力株式会社", "供給地点特定番号 0300 1112 2233 3444 5556 66", *AREA_LINES),
            {"power_customer_location_number": "0300111222333444555666", "power_prefecture": "東京都"},
            ("power_supplier_type", "供給地点特定番号の先頭2桁（03）と電力会社（関西電力）のエリアが合いません"),
        ),
        (  # no area 13
            ("供給地点特定番号 1300 1112 2233 3444 5556 66",),
            {},
            ("power_customer_location_number", "先頭2桁（13）がエリアの番号（01〜10）ではありません"),
        ),
        (  # the number and the 電力会社 say 関西, the address 東京: the prefecture is withheld
            ("関西電力株式会社", "供給地点特定番号 0600 1112 2233 3444 5556 66", *AREA_LINES),
            {"power_supplier_type": "06", "power_customer_location_number": "0600111222333444555666"},
            ("power_prefecture", "東京都は供給地点特定番号・電力会社のエリア（06）にありません"),
        ),
    ],
)
def test_the_area_of_the_location_number_the_company_and_the_prefecture_agree(lines, kept, rule):
    found = extract(*lines)
    values = {name: p.value for name, p in found.proposals.items()}
    assert values.items() >= kept.items()
    assert rule[0] not in values
    assert (rule[0], rule[1]) in [(item.field, item.rule) for item in found.withheld]


def test_a_number_or_plan_a_company_prints_otherwise_is_proposed_as_printed_never_withheld():
    values = proposed("九州電力株式会社", "お客さま番号 328 1839 6571", "ご契約種別 従量 電灯 B", "契約電流 40A")
    assert values["power_customer_number"] == "328-1839-6571"  # printed without groups: in 九州電力's
    assert (values["power_plan_name"], values["contract_capacity"]) == ("従量電灯B", "40A")
    other = extract("九州電力株式会社", "お客さま番号 328-1839-657", "ご契約種別 スタンダードS", "契約電流 40A")
    assert not other.withheld
    assert (other.proposals["power_customer_number"].value, other.proposals["power_plan_name"].value) == (
        "328-1839-657",
        "スタンダードS",
    )
    assert proposed("関西電力株式会社", "ご契約種別 従量電灯B", "ご契約容量 30A")["contract_capacity"] == "30A"
    assert "契約容量は10・15・20" in withheld("ご契約 35A")["contract_capacity"]
    assert proposed("契約容量 17kKVA")["contract_capacity"] == "17kVA"  # kVA's k read twice


def test_a_ward_with_no_city_is_only_tokyos():
    """札幌市 lost: 北海道中央区 is no municipality, so the city is withheld; the town and the street stand."""
    found = addresses.split("〒060-0001 北海道中央区北一条西2丁目20番3号")
    parts = {part.field: part.value for part in found.parts}
    assert "power_city" not in parts and (parts["power_town"], parts["power_street"]) == ("北一条西", "2-20-3")
    assert found.problems == [
        ("power_city", "中央区", "東京都のほかに市のない区はありません（市の名前が読み取れません）")
    ]
    assert {part.field: part.value for part in addresses.split("〒150-0001 東京都渋谷区神宮前1-2-3").parts}[
        "power_city"
    ] == "渋谷区"


def test_the_postal_code_is_the_prefectures():
    assert "power_zip_code" in proposed("ご使用場所 〒530-0001 大阪府大阪市北区梅田4-18-9")
    rule = withheld("ご使用場所 〒150-0001 大阪府大阪市北区梅田4-18-9")["power_zip_code"]
    assert rule == "郵便番号（150-0001）は大阪府の番号ではありません"


@pytest.mark.parametrize(
    ("printed", "town", "street"),
    [
        ("神宮前1丁目2番3号", "神宮前", "1-2-3"),
        ("神宮前一丁目2-3", "神宮前", "1-2-3"),
        ("神宮前1-2-3 サクラビル3F", "神宮前", "1-2-3"),
        ("一番町二十三丁目12番地", "一番町", "23-12"),  # a town's own kanji numeral stays the town's
        ("北一条西2丁目20番3号", "北一条西", "2-20-3"),
    ],
)
def test_the_town_and_the_street_split_as_the_sales_form_and_the_carrier_csv_keep_them(printed, town, street):
    """町域 without its 丁目; 番地 is 丁目-番地-号, the carrier CSV's power_street_1〜3."""
    parts = {part.field: part.value for part in addresses.split(f"宮城県仙台市青葉区{printed}").parts}
    assert (parts["power_city"], parts["power_town"], parts["power_street"]) == ("仙台市青葉区", town, street)


def test_figures_split_by_a_space_or_with_stray_points_and_a_unit_unsure_are_read():
    assert proposed("ご使用量 1.51 1kWh")["latest_power_usage"] == 1511  # a group split by a space
    assert proposed("ご請求金額 74,..052円")["latest_charges"] == 74052
    unsure_unit = Line(tuple(glyphs("ご請求金額 48880") + [Glyph("円", 0.0, (240, 0, 258, 30))]))
    assert proposed(unsure_unit)["latest_charges"] == 48880  # 円 is not the value: only its digits count


def test_a_speck_before_a_value_or_the_postal_code_is_skipped_and_a_speck_inside_a_name_withholds_it():
    values = proposed(row(0, (0, "ご契約名義"), (110, "。"), (400, "有限会社大和食品 様")))
    assert values["power_customer_name"] == "有限会社大和食品"
    assert proposed("ご使用場所 〒エ760-0017香川県高松市番町1-5-10")["power_zip_code"] == "760-0017"
    assert "途中までしか" in withheld("ご契約名義 有限会社大和!食品 様")["power_customer_name"]
    assert proposed("料金プラン みなと動カプラン")["power_plan_name"] == "みなと動力プラン"  # 動カ: katakana カ


def name_read_with(confidence: float) -> Line:
    """ご契約名義 合同会社且食品, its 且 read with `confidence`."""
    unsure = Glyph("且", confidence, (220, 0, 238, 30))
    return Line(tuple(glyphs("ご契約名義 合同会社") + [unsure] + glyphs("食品", x=240)))


def test_a_name_with_a_character_the_engine_could_not_make_out_is_withheld_with_its_reason():
    assert withheld(name_read_with(0.05))["power_customer_name"] == "読み取れない文字があります（「且」、信頼度5%）"


def test_a_doubtful_name_is_withheld_with_its_reason_and_one_read_surely_enough_is_proposed():
    """PP-OCRv6's bar, chosen on bench/ocr.py's development bills; Tesseract has its own."""
    below = round(PpOcrV6.sure_name - 0.01, 2)
    reason = f"読み取りの確かでない文字があります（「且」、信頼度{below:.0%}）"
    assert withheld(name_read_with(below))["power_customer_name"] == reason
    assert proposed(name_read_with(PpOcrV6.sure_name))["power_customer_name"] == "合同会社且食品"
    by_tesseract = extraction.extract([name_read_with(0.5)], companies=COMPANIES, sure_name=Tesseract.sure_name)
    assert by_tesseract.proposals["power_customer_name"].value == "合同会社且食品"


@pytest.mark.parametrize(
    ("address", "field", "rule"),
    [
        ("〒650-0021兵庫県神戸市中央区王泊町丁目11-15", "power_town", "丁目の数字が読み取れません"),
        ("〒650-0021兵庫県神戸市中央区王泊町丁目11-15", "power_street", "丁目の数字が読み取れません"),
        ("〒812-0011福岡県福岡市博多区博多駅前5", "power_street", "番地が途中までしか読み取れません"),
        ("〒812-0011福岡県福岡市博多区博多駅前5丁目", "power_street", "番地が途中までしか読み取れません"),
        ("〒150-0009東京都渋谷区神宮前1-2-3", "power_zip_code", "郵便番号（150-0009）はありません"),
        ("〒150-0001東京都渋谷区代々木1-2-3", "power_town", "郵便番号（150-0001）の町域（神宮前）と合いません"),
        ("〒150-0001東京都渋谷区代々木1-2-3", "power_zip_code", "郵便番号（150-0001）の町域（神宮前）と合いません"),
    ],
)
def test_an_address_cut_short_or_that_its_postal_code_contradicts_is_withheld(address, field, rule):
    found = addresses.split(address)
    assert field not in {part.field for part in found.parts}
    assert (field, rule) in [(problem[0], problem[2]) for problem in found.problems]


def test_the_city_and_town_are_the_postal_codes_read_with_one_character_wrong_or_split_by_it():
    parts = {part.field: part.value for part in addresses.split("〒730-0011広島県広鳥市中区基町4丁目25番地").parts}
    assert (parts["power_city"], parts["power_town"], parts["power_street"]) == ("広島市中区", "基町", "4-25")
    parts = {part.field: part.value for part in addresses.split("〒510-0001三重県四日市市八田1丁目2-3").parts}
    assert (parts["power_city"], parts["power_town"]) == ("四日市市", "八田")  # not 四日市 and 市八田
    parts = {part.field: part.value for part in addresses.split("〒123-4567 北海道札幌市中央区北一条西1-2").parts}
    assert "power_zip_code" not in parts  # no such postal code: nothing to hold the city to
    assert parts["power_city"] == "札幌市中央区"
    unsure = Line(tuple(glyphs("ご使用場所 〒650-0021兵庫県神戸市中央区三") + [Glyph("宮", 0.04, (500, 0, 518, 30))]
                        + glyphs("町4丁目21番地", x=520)))  # fmt: skip
    assert proposed(unsure)["power_town"] == "三宮町"  # the postal code's: a character unsure does not withhold it


@pytest.mark.parametrize("chome", ["丁目", "丁日", "丁上日", "本日"])
def test_a_chome_misread_between_two_numbers_is_still_the_streets(chome):
    parts = {
        part.field: part.value for part in addresses.split(f"〒812-0011福岡県福岡市博多区博多駅前5{chome}21番2号").parts
    }
    assert (parts["power_town"], parts["power_street"]) == ("博多駅前", "5-21-2")


def test_a_plan_of_a_companys_list_read_with_a_character_unsure_is_its_plan_and_a_yen_read_pf_is_a_yen():
    unsure = Line(tuple([*glyphs("契約種別 "), Glyph("走", 0.0, (100, 0, 118, 30)), *glyphs("量電灯B", x=120)]))
    assert proposed(unsure)["power_plan_name"] == "従量電灯B"
    assert proposed("ご請求金額 14,.028 PF")["latest_charges"] == 14028
