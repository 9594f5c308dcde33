"""代替機: SUMMARY counts per 管轄, AUDIT's 13 columns, and a staff user scoped to one 管轄 seeing only its devices."""

import re

import pytest

from service.database import session_scope
from service.loaners.models import DataType
from tests.dashboards.conftest import cell_colours, open_page
from tests.factories import make_user
from tests.service.loaners.conftest import LENT, add_location, answer, initial_data, make_device  # noqa: F401

SUMMARY = "app_pages/loaners/summary.py"
AUDIT = "app_pages/loaners/audit.py"
NORMAL = "app_pages/loaners/devices.py"
MASTERS = "app_pages/loaners/masters.py"
RETURNABLE = "1.返却可能"
REFUSED = "3.お客様による返却拒否"


@pytest.fixture
def held_devices():
    """関西: osaka a Laptop and a Printer returnable, kobe a Laptop refused; 関東: tokyo a Laptop returnable."""
    with session_scope() as db:
        add_location(db, "tokyo", "関東", name="東京")
        placed = [
            ("osaka", "MODEL_001", "A1", RETURNABLE),
            ("osaka", "MODEL_003", "P1", RETURNABLE),
            ("kobe", "MODEL_001", "K1", REFUSED),
            ("tokyo", "MODEL_001", "T1", RETURNABLE),
        ]
        for location_id, model_id, serial, held in placed:
            device = make_device(db, location_id=location_id, model_id=model_id, serial=serial)
            answer(db, device, {**LENT, "預かり機のステータス": held})


def user(db, login_id: str, scope: str | None = None):
    person = make_user(db, login_id, grants={"loaners": ("staff", scope)})
    db.commit()
    return person


def cards(at) -> dict[str, list[dict]]:
    """Each card's title -> its table's rows."""
    titles = [h.value for h in at.subheader]
    return {title: frame.value.to_dict("records") for title, frame in zip(titles, at.dataframe, strict=True)}


def by_location(rows: list[dict]) -> dict[str, dict]:
    return {row["拠点"]: row for row in rows}


def test_summary_counts_per_location_and_device_type_within_the_chosen_jurisdiction(db, open_app, held_devices):
    at = open_page(open_app, user(db, "kansaiboss"), SUMMARY)
    at.selectbox(key="loaners_summary_jurisdiction").select("関西").run()

    returnable = by_location(cards(at)["返却可能"])
    assert sorted(returnable) == sorted(["大阪", "神戸", "姫路", "合計"])
    osaka = returnable["大阪"]
    assert (osaka["CL"], osaka["プリンタ"], osaka["SV"], osaka["合計"], osaka["最長保有日数"]) == (1, 1, 0, 2, "0日")
    assert (returnable["神戸"]["合計"], returnable["合計"]["合計"]) == (0, 2)
    refused = by_location(cards(at)["お客様による返却拒否"])
    assert (refused["神戸"]["CL"], refused["合計"]["合計"]) == (1, 1)
    assert at.metric[0].value == "3台"
    assert list(cards(at))[-1] == "未分類"  # below the four categories, with why it is not counted
    assert "預かり機の合計には含めません" in at.info[-1].value

    at.selectbox(key="loaners_summary_jurisdiction").select("").run()
    assert at.metric[0].value == "4台"


def test_audit_shows_who_reported_what_when_under_the_thirteen_columns_within_the_jurisdiction(
    db, open_app, held_devices
):
    at = open_page(open_app, user(db, "auditor"), AUDIT)
    at.selectbox(key="loaners_audit_jurisdiction").select("関東").run()

    frame = at.dataframe[0].value
    assert list(frame.columns) == [
        "タイムスタンプ",
        "メールアドレス",
        "担当者",
        "資産管理番号",
        "拠点管理番号",
        "機種名",
        "製造番号",
        "ソフトウェア",
        "OS",
        "ステータス",
        "貸出先",
        "貸出日",
        "ユーザー預り機有",
        "お預かり証No.",
        "備考",
    ]
    assert frame["拠点管理番号"].tolist() == ["TOKYO_Laptop_ThinkPad-X1-Carbon_T1_001"]
    assert re.fullmatch(r"\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}", frame["タイムスタンプ"].iloc[0])
    assert frame["ユーザー預り機有"].tolist() == ["有り"]
    assert (frame["ステータス"].tolist(), cell_colours(at.dataframe[0], "ステータス")) == (["1.貸出中"], ["blue"])


def test_a_staff_user_scoped_to_one_jurisdiction_never_sees_another(db, open_app, held_devices):
    kanto = user(db, "kantostaff", scope="関東")

    normal = open_page(open_app, kanto, NORMAL)
    assert normal.dataframe[0].value["拠点管理番号"].tolist() == ["TOKYO_Laptop_ThinkPad-X1-Carbon_T1_001"]
    assert cell_colours(normal.dataframe[0], "預かり機のステータス") == ["green"]  # 1.返却可能
    assert [s.key for s in normal.selectbox if s.key == "loaners_devices_jurisdiction"] == []
    audit = open_page(open_app, kanto, AUDIT)
    assert audit.dataframe[0].value["拠点管理番号"].tolist() == ["TOKYO_Laptop_ThinkPad-X1-Carbon_T1_001"]
    summary = open_page(open_app, kanto, SUMMARY)
    assert list(by_location(cards(summary)["返却可能"])) == ["東京", "合計"]
    assert summary.metric[0].value == "1台"


def test_the_view_links_follow_the_display_order_and_an_admins_columns_show_at_once(db, open_app, held_devices):
    with session_scope() as session:
        session.get(DataType, "NORMAL").display_order = 9
    staff = user(db, "viewer")
    admin = make_user(db, "dtadmin", grants={"loaners": ("admin", None)})
    db.commit()
    audit = open_page(open_app, staff, AUDIT)
    assert [link.proto.label for link in audit.get("page_link")][:2] == [
        "サマリー",
        "通常データ",
    ]  # 監査データ: the page shown
    masters = open_page(open_app, admin, MASTERS)
    masters.text_area(key="loaners_masters_dtf_AUDIT_display_settings").set_value('{"columns": ["拠点管理番号", "OS"]}')
    masters.text_input(key="loaners_masters_dtf_AUDIT_filter").set_value("location_id=tokyo")
    next(b for b in masters.button if b.proto.form_id == "loaners_masters_dtf_AUDIT").click().run()
    assert not masters.exception and not masters.error
    frame = open_page(open_app, staff, AUDIT).dataframe[0].value
    assert (list(frame.columns)[2:], frame["拠点管理番号"].tolist()) == (
        ["拠点管理番号", "OS"],
        ["TOKYO_Laptop_ThinkPad-X1-Carbon_T1_001"],
    )
