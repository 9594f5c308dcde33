"""代替機 › 機器登録: a 製造番号 already registered is warned of, naming the device; 確認して登録 registers it."""

import httpx

from dashboards.labels import plain
from tests.dashboards.conftest import button, open_page, texts
from tests.dashboards.test_loaners_masters import REGISTER, fill_registration, kansai_staff  # noqa: F401
from tests.factories import auth_headers
from tests.service.loaners.conftest import initial_data, make_device  # noqa: F401


def test_a_repeated_serial_is_warned_of_and_registered_only_on_confirmation(db, kansai_staff, open_app, live_api):
    existing = make_device(db, "kobe", "MODEL_001", "SN-9").management_number
    db.commit()
    at = open_page(open_app, kansai_staff, REGISTER)

    at = fill_registration(at, "osaka", "MODEL_001", "SN-9")
    assert texts(at.success) == [] and len(texts(at.warning)) == 1
    assert (
        texts(at.warning)[0].startswith("同じ機種で製造番号「SN-9」の機器は既に登録されています")
        and existing in at.warning[0].value
    )
    assert [link.proto.help for link in at.main.get("page_link")] == [existing]
    devices = httpx.get(f"{live_api}/api/loaners/devices", params={"q": "SN-9"}, headers=auth_headers(kansai_staff))
    assert devices.json()["total"] == 1

    at = button(at, "確認して登録").click().run()
    assert texts(at.success) == ["機器を登録しました。"] and texts(at.warning) == []
    assert f"拠点管理番号: **{plain('OSAKA_Laptop_ThinkPad-X1-Carbon_SN-9_001')}**" in texts(at.markdown)


def test_a_cancelled_warning_registers_nothing(db, kansai_staff, open_app, live_api):
    make_device(db, "kobe", "MODEL_001", "SN-8")
    db.commit()
    at = fill_registration(open_page(open_app, kansai_staff, REGISTER), "osaka", "MODEL_001", "SN-8")
    at = button(at, "登録しない").click().run()
    assert texts(at.warning) == [] and texts(at.success) == []
    devices = httpx.get(f"{live_api}/api/loaners/devices", params={"q": "SN-8"}, headers=auth_headers(kansai_staff))
    assert devices.json()["total"] == 1
