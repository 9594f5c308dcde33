"""Values found by where they stand, whatever the layout (service/crm/ocr/extraction.py), on lines built as an engine
returns them, each character with its box: a value right of its label (next to it or set against the margin, on the
label's line or read as another), under its label in the same box, or under its label in a header row (its column
matched by the overlap of the boxes, whether the engine read the header row as one line or each cell apart). Then the
rules taken from real bills: a new-power company's bill proposes 電力会社 その他 and names its issuer, 従量電灯A has no
契約容量, 低圧電力 is contracted in kW, a period's month is its last day's, and a value the page contradicts is withheld
with its reason. The label words are the choice master's: a word an admin adds there is found."""

from service.crm.masters import POWER_COMPANIES
from service.crm.ocr import extraction, reading
from service.crm.ocr.engine import Glyph, Line, PpOcrV6
from service.crm.ocr.proposals import Extraction
from tests.service.crm.conftest import made

COMPANIES = {code: name for code, name in POWER_COMPANIES if code != "99"}
WIDTH, HEIGHT = 20, 30  # each character's box


def at(x: int, y: int, text: str) -> list[Glyph]:
    return [Glyph(char, 0.95, (x + n * WIDTH, y, x + n * WIDTH + WIDTH - 2, y + HEIGHT)) for n, char in enumerate(text)]


def cell(x: int, y: int, text: str) -> Line:
    """A text the engine read as a line of its own."""
    return Line(tuple(at(x, y, text)))


def one_line(y: int, *parts: tuple[int, str]) -> Line:
    """Texts on one row the engine read as one line, a space between them."""
    glyphs: list[Glyph] = []
    for x, text in parts:
        if glyphs:
            glyphs.append(Glyph(" ", 1.0, (glyphs[-1].box[2], y, x, y + HEIGHT)))
        glyphs += at(x, y, text)
    return Line(tuple(glyphs))


def read(*lines: Line, labels: dict[str, tuple[str, ...]] | None = None) -> Extraction:
    return extraction.extract(list(lines), companies=COMPANIES, labels=labels, sure_name=PpOcrV6.sure_name)


def values(found: Extraction) -> dict:
    return {name: proposal.value for name, proposal in found.proposals.items()}


HEADER = ((0, "ご契約番号"), (300, "契約メニュー"), (600, "契約容量"), (820, "ご利用量"), (1040, "ご請求額（税込）"))
VALUES = ((0, "1234567890"), (300, "はなまるプランM"), (610, "40A"), (860, "1,595kWh"), (1160, "53,171 円"))
NEW_POWER = [cell(0, -300, "はなまるでんき株式会社"), cell(0, -200, "ご請求明細")]


def test_a_header_row_over_a_value_row_gives_each_column_its_value_whether_read_as_one_line_or_cell_by_cell():
    apart = read(*NEW_POWER, *(cell(x, 0, text) for x, text in HEADER), *(cell(x, 50, text) for x, text in VALUES))
    joined = read(*NEW_POWER, one_line(0, *HEADER), one_line(50, *VALUES))
    for found in (apart, joined):
        assert values(found) == {
            "power_supplier_type": "99",  # はなまるでんき is none of the area companies: その他
            "power_customer_number": "1234567890",
            "power_plan_name": "はなまるプランM",  # in no company's list: proposed as printed
            "contract_capacity": "40A",
            "latest_power_usage": 1595,
            "latest_charges": 53171,
        }
        assert found.issuer == "はなまるでんき株式会社"  # shown to the operator


def test_each_label_above_its_value_in_its_own_box():
    found = read(
        cell(0, 0, "東京電力エナジーパートナー株式会社"),
        one_line(200, (0, "ご使用年月"), (560, "お客さま番号")),
        one_line(250, (0, "令和8年2月分"), (560, "12-3456-7890")),
        one_line(350, (0, "ご契約種別"), (370, "ご契約"), (740, "ご使用量")),
        one_line(400, (0, "従量電灯B"), (370, "30A"), (740, "1,234kWh")),
        cell(0, 500, "ご契約名義"),
        cell(0, 550, "株式会社テスト商事 様"),
    )
    assert values(found) == {
        "power_supplier_type": "03",
        "power_customer_number": "12-3456-7890",
        "power_customer_name": "株式会社テスト商事",
        "power_plan_name": "従量電灯B",
        "contract_capacity": "30A",
        "latest_date": "2026-02",
        "latest_power_usage": 1234,
    }


def test_a_value_beside_its_label_next_to_it_or_set_against_the_right_margin():
    found = read(
        cell(0, 0, "北海道電力株式会社"),
        one_line(100, (0, "お客さま名"), (140, "株式会社テスト商事 様")),  # next to it, on its line
        one_line(150, (0, "ご使用量"), (900, "1,520kWh")),  # far right, on its line
        cell(0, 200, "今回お支払金額"),  # far right, read as a line of its own
        cell(960, 200, "48,210 円"),
        cell(0, 250, "契約電流"),
        cell(1000, 250, "40A"),
    )
    assert values(found) == {
        "power_supplier_type": "01",
        "power_customer_name": "株式会社テスト商事",
        "contract_capacity": "40A",
        "latest_power_usage": 1520,
        "latest_charges": 48210,
    }


def test_the_supplier_is_the_issuer_never_the_grid_operator_or_the_customer():
    found = read(
        cell(0, 0, "ソラノでんき株式会社"),
        cell(0, 100, "株式会社関西電力商事 御中"),  # the customer, not the issuer
        cell(0, 200, "供給地点特定番号 0300 1112 2233 3444 5556 66"),
        cell(0, 1500, "停電・電柱のお問い合わせ：東京電力パワーグリッド"),
    )
    assert values(found)["power_supplier_type"] == "99"
    assert values(found)["power_customer_location_number"] == "0300111222333444555666"  # no area to disagree with
    assert found.issuer == "ソラノでんき株式会社"
    area = read(cell(0, 0, "九州電力株式会社"), cell(0, 1500, "停電のお問い合わせ：九州電力送配電"))
    assert (values(area)["power_supplier_type"], area.issuer) == ("09", "九州電力株式会社")


def test_juryo_dento_a_has_no_contract_capacity_and_low_voltage_power_is_in_kw():
    kansai = read(
        cell(0, 0, "関西電力株式会社"),
        one_line(100, (0, "ご契約種別"), (300, "ご契約")),
        one_line(150, (0, "従量電灯A"), (300, "15A")),
    )
    assert values(kansai)["power_plan_name"] == "従量電灯A"
    assert "contract_capacity" not in values(kansai)
    assert not kansai.withheld
    power = read(cell(0, 0, "九州電力株式会社"), cell(0, 100, "契約種別 低圧電力"), cell(0, 150, "契約電力 8kW"))
    assert (values(power)["power_plan_name"], values(power)["contract_capacity"]) == ("低圧電力", "8kW")
    wrong = read(cell(0, 100, "契約種別 低圧電力"), cell(0, 150, "契約電力 8kVA"))
    assert {item.field: item.rule for item in wrong.withheld} == {
        "contract_capacity": "契約種別（低圧電力）の契約容量はkWで表します"
    }


def test_a_period_of_use_gives_the_month_it_ends_in():
    found = read(cell(0, 0, "ご利用期間"), cell(0, 50, "2026年1月6日～2026年2月5日"))
    assert values(found)["latest_date"] == "2026-02"


def test_a_value_the_page_contradicts_is_withheld_with_its_reason():
    found = read(
        *NEW_POWER,
        one_line(0, *HEADER[4:]),
        one_line(50, (1160, "53,171")),  # no 円: not an amount
        cell(0, 200, "供給地点特定番号 0600 1112 2233 3444 5556 66"),
        cell(0, 250, "ご利用場所 〒150-0001 東京都渋谷区神宮前1-2-3"),
    )
    assert {item.field: (item.read, item.rule) for item in found.withheld} == {
        "latest_charges": ("53,171", "金額（円）ではありません"),
        "power_prefecture": ("東京都", "東京都は供給地点特定番号・電力会社のエリア（06）にありません"),
    }
    assert values(found)["power_zip_code"] == "150-0001"


def test_a_prefecture_read_with_one_character_wrong_is_the_postal_codes():
    found = read(cell(0, 0, "ご使用場所 〒150-0001 東京者渋谷区神宮前1-2-3"))
    assert (values(found)["power_prefecture"], values(found)["power_city"]) == ("東京都", "渋谷区")


def test_a_label_word_an_admin_adds_to_the_master_is_found(client, world, db):
    printed = cell(0, 0, "お客様コード 98765432")
    assert "power_customer_number" not in values(read(printed, labels=reading.label_words(db)))
    db.commit()
    made(
        client.post(
            "/api/crm/masters/choices/ocr_customer_number",
            json={"code": "20", "label": "お客様コード"},
            headers=world.admin,
        )
    )
    assert values(read(printed, labels=reading.label_words(db)))["power_customer_number"] == "98765432"


def test_two_cells_values_read_together_are_cut_where_the_cells_part():
    found = read(
        one_line(0, (60, "ご利用量"), (340, "ご請求金額")),
        one_line(50, (108, "1,595kWh"), (300, "53,171 円")),  # a figure set right, the next cell's set left
    )
    assert (values(found)["latest_power_usage"], values(found)["latest_charges"]) == (1595, 53171)


def test_a_header_rows_label_centred_over_a_value_set_left_in_a_wide_column_takes_it():
    found = read(
        cell(0, 0, "中国電力株式会社"),
        one_line(100, (450, "お客さま番号"), (1010, "ご契約種別")),
        one_line(150, (200, "175-7374-99170"), (870, "従量電灯A")),  # the number far left of its centred label
    )
    assert (values(found)["power_customer_number"], values(found)["power_plan_name"]) == ("175-7374-99170", "従量電灯A")


def test_an_issuer_half_read_is_told_apart_by_the_area_or_not_proposed():
    chugoku_or_shikoku = cell(0, 0, "国電力株式会社")  # 中 or 四 lost
    shikoku = read(chugoku_or_shikoku, cell(0, 100, "供給地点特定番号 0859 4409 2098 4186 6867 06"))
    assert values(shikoku)["power_supplier_type"] == "08"
    assert "power_supplier_type" not in values(read(chugoku_or_shikoku))
    assert "power_supplier_type" not in values(read(cell(0, 0, "電力株式会社")))  # not その他: nothing of its own
    assert values(read(cell(0, 0, "エナジーパートナー株式会社")))["power_supplier_type"] == "03"  # 東京電力 lost
