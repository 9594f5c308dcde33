"""代替機 › マスタ管理 (機種 edit and delete, form questions) and 機器登録, against the live API."""

import httpx
import pytest

from dashboards.labels import plain
from service.loaners import labels as loaner_labels
from tests.dashboards import test_loaners_admin
from tests.dashboards.conftest import button, open_page, texts
from tests.factories import auth_headers, make_user
from tests.service.loaners.conftest import add_location, initial_data, make_device  # noqa: F401

MASTERS = "app_pages/loaners/masters.py"
REGISTER = "app_pages/loaners/device_register.py"
EDIT = "loaners_masters_model_edit_{}"
admin = test_loaners_admin.admin


def edit_model(at, model_id: str, **values: str):
    """Choose the model, type the values into its edit form and save."""
    at.selectbox(key="loaners_masters_model_chosen").set_value(model_id).run()
    for field, value in values.items():
        at.text_input(key=f"{EDIT.format(model_id)}_{field}").input(value)
    return button(at, "保存").click().run()


def test_admin_edits_a_model_but_not_the_name_of_one_in_management_numbers(db, admin, open_app, live_api):
    make_device(db, model_id="MODEL_001", serial="SN1")
    db.commit()
    at = open_page(open_app, admin, MASTERS)

    at = edit_model(at, "MODEL_002", name="OptiPlex 7090")
    assert texts(at.error) == [
        "機種名: 形式が正しくありません（空白と「_」を含まない1〜100文字（語は「-」でつなぎます）で入力してください）"
    ]

    at = edit_model(at, "MODEL_002", name="OptiPlex-7090-Plus", maker="Dell Technologies")
    assert texts(at.success) == [f"機種「{plain('OptiPlex-7090-Plus')}」を保存しました。"]
    model = httpx.get(f"{live_api}/api/loaners/models/MODEL_002", headers=auth_headers(admin)).json()
    assert (model["name"], model["maker"], model["number_section"]) == (
        "OptiPlex-7090-Plus",
        "Dell Technologies",
        "OptiPlex-7090-Plus",
    )

    at = edit_model(at, "MODEL_001", name="ThinkPad-X1-Carbon-Gen9")
    assert texts(at.error) == [loaner_labels.MODEL_FIXED]
    model = httpx.get(f"{live_api}/api/loaners/models/MODEL_001", headers=auth_headers(admin)).json()
    assert model["name"] == "ThinkPad-X1-Carbon"


def test_admin_deletes_a_model_after_ticking_the_confirmation(admin, open_app, live_api):
    at = open_page(open_app, admin, MASTERS)
    at.selectbox(key="loaners_masters_model_chosen").set_value("MODEL_002").run()
    assert button(at, "機種を削除").disabled

    at.checkbox(key="loaners_masters_model_delete_MODEL_002_ok").check().run()
    at = button(at, "機種を削除").click().run()

    assert texts(at.success) == [f"機種「{plain('OptiPlex-7090')}」を削除しました。"]
    answer = httpx.get(f"{live_api}/api/loaners/models/MODEL_002", headers=auth_headers(admin))
    assert answer.status_code == 404
    assert "OptiPlex-7090" not in at.dataframe[1].value["機種名"].tolist()


def test_admin_adds_a_question_to_a_status_form(admin, open_app, live_api):
    at = open_page(open_app, admin, MASTERS)
    at.text_input(key="loaners_masters_question_new_0_key").input("1-9.確認方法")
    at.selectbox(key="loaners_masters_question_new_0_type").set_value("choice")
    at = button(at, "質問を追加").click().run()
    assert texts(at.error) == ["選択式の質問には選択肢を1つ以上入力してください。"]

    at.text_area(key="loaners_masters_question_new_0_choices").input("電話\nメール\n")
    at = button(at, "質問を追加").click().run()

    title = loaners_form_title(admin, live_api)
    assert texts(at.success) == [f"「{title}」に質問「{plain('1-9.確認方法')}」を追加しました。"]
    form = httpx.get(f"{live_api}/api/loaners/forms/terminal", headers=auth_headers(admin)).json()
    added = next(q for q in form["questions"] if q["key"] == "1-9.確認方法")
    assert (added["type"], added["choices"], added["status_prefix"]) == ("choice", ["電話", "メール"], "1")


def loaners_form_title(user, live_api: str) -> str:
    return httpx.get(f"{live_api}/api/loaners/forms/terminal", headers=auth_headers(user)).json()["title"]


@pytest.fixture
def kansai_staff(db):
    add_location(db, "tokyo", "関東")
    user = make_user(db, "kansaistaff", grants={"loaners": ("staff", "関西")})
    db.commit()
    return user


def fill_registration(at, location_id: str, model_id: str, serial: str, number: str = ""):
    at.selectbox(key="loaners_device_register_new_0_location").set_value(location_id)
    at.selectbox(key="loaners_device_register_new_0_model").set_value(model_id)
    at.text_input(key="loaners_device_register_new_0_serial").input(serial)
    at.text_input(key="loaners_device_register_new_0_asset").input(f"ASSET-{serial}")
    at.text_input(key="loaners_device_register_new_0_number").input(number)
    return button(at, "機器を登録").click().run()


def test_staff_registers_a_device_in_their_jurisdiction_and_sees_its_number(kansai_staff, open_app, live_api):
    at = open_page(open_app, kansai_staff, REGISTER)

    at = fill_registration(at, "osaka", "MODEL_001", "SN 1")
    assert texts(at.error) == ["製造番号: 形式が正しくありません（英数字と「-」の1〜20文字で入力してください）"]
    at = fill_registration(at, "osaka", "MODEL_001", "SN-1", number="OSAKA_Laptop_SN-1_001")
    assert texts(at.error) == [
        "拠点管理番号: 形式が正しくありません（英数字とハイフンの5つのセクションを「_」でつないだ形"
        "（拠点コード_カテゴリ_モデル_製造番号_連番）で入力してください）"
    ]

    at = fill_registration(at, "osaka", "MODEL_001", "SN-1")

    assert texts(at.success) == ["機器を登録しました。"]
    assert f"拠点管理番号: **{plain('OSAKA_Laptop_ThinkPad-X1-Carbon_SN-1_001')}**" in texts(at.markdown)
    found = httpx.get(
        f"{live_api}/api/loaners/devices", params={"q": "SN-1"}, headers=auth_headers(kansai_staff)
    ).json()["items"]
    assert [d["management_number"] for d in found] == ["OSAKA_Laptop_ThinkPad-X1-Carbon_SN-1_001"]
    links = {link.proto.label: link.proto for link in at.main.get("page_link")}
    assert links["ステータスを送信する"].query_string == f"device={found[0]['id']}"
    assert links["ステータスを送信する"].page.endswith("loaners_status_form")


def test_staff_cannot_register_in_another_jurisdiction(kansai_staff, open_app, live_api):
    at = open_page(open_app, kansai_staff, REGISTER)
    options = at.selectbox(key="loaners_device_register_new_0_location").options
    assert any("osaka" in option for option in options)
    assert not any("tokyo" in option for option in options)

    at = fill_registration(at, "osaka", "MODEL_001", "SN2", number="TOKYO_Laptop_ThinkPad-X1-Carbon_SN2_001")
    assert len(texts(at.error)) == 1 and texts(at.error)[0].startswith("拠点管理番号が規則に合いません")

    refused = httpx.post(
        f"{live_api}/api/loaners/devices",
        headers=auth_headers(kansai_staff),
        json={"location_id": "tokyo", "model_id": "MODEL_001", "serial_number": "SN2"},
    )
    assert (refused.status_code, refused.json()["error"]["details"]["rule"]) == (422, "unknown_location")
    assert httpx.get(f"{live_api}/api/loaners/devices", headers=auth_headers(kansai_staff)).json()["total"] == 0
