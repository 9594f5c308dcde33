"""端末管理 › ファームウェア管理: uploads checked against the SHA-256, rollouts, progress, pause/resume/cancel."""

import hashlib

import httpx
import pytest
from sqlalchemy import update

from service.fleet.models import Rollout
from tests.dashboards.conftest import button, open_page, texts
from tests.factories import auth_headers, make_user
from tests.service.fleet.conftest import make_customer, make_terminal

FIRMWARE = "app_pages/fleet/firmware.py"
IMAGE = b"TC-200 firmware image 1.2.0" * 100


def upload(live_api: str, admin, version: str = "1.2.0") -> dict:
    answer = httpx.post(
        f"{live_api}/api/fleet/firmware/releases",
        headers=auth_headers(admin),
        data={"version": version, "sha256": hashlib.sha256(IMAGE).hexdigest(), "notes": "印字の不具合を修正"},
        files={"file": ("tc200.bin", IMAGE, "application/octet-stream")},
    )
    answer.raise_for_status()
    return answer.json()


def api_rollout(live_api: str, user, rollout_id: int) -> dict:
    return httpx.get(f"{live_api}/api/fleet/rollouts/{rollout_id}", headers=auth_headers(user)).json()


@pytest.fixture
def fleet(db):
    """ABC商事 with three enrolled terminals on 1.0.0, a fleet admin and an operator."""
    customer = make_customer(db, "ABC商事")
    for n in range(3):
        make_terminal(db, customer, f"TC-{n}", status="online")
    admin = make_user(db, "fleetadmin", grants={"fleet": "admin"})
    operator = make_user(db, "op1", grants={"fleet": "operator"})
    db.commit()
    return customer, admin, operator


@pytest.fixture
def rollout(fleet, live_api):
    customer, admin, _ = fleet
    release = upload(live_api, admin)
    answer = httpx.post(
        f"{live_api}/api/fleet/rollouts",
        headers=auth_headers(admin),
        json={"release_id": release["id"], "target": {"customer_id": customer.id}, "waves": [50, 100]},
    )
    answer.raise_for_status()
    return answer.json()


def test_the_upload_form_checks_the_sha256_against_the_file(fleet, open_app, live_api):
    _, admin, _ = fleet
    at = open_page(open_app, admin, FIRMWARE)
    at.file_uploader(key="fleet_firmware_upload_0_file").set_value(("tc200.bin", IMAGE, "application/octet-stream"))
    at.text_input(key="fleet_firmware_upload_0_version").input("1.2.0")
    at.text_input(key="fleet_firmware_upload_0_sha256").input("0" * 64)
    at = button(at, "登録").click().run()

    assert texts(at.error) == ["SHA-256がファイルと一致しません。配布元の値とファイルを確認してください。"]
    assert at.text_input(key="fleet_firmware_upload_0_version").value == "1.2.0"  # a refused save keeps the input

    at.text_input(key="fleet_firmware_upload_0_sha256").input(hashlib.sha256(IMAGE).hexdigest().upper())
    at.text_area(key="fleet_firmware_upload_0_notes").input("印字の不具合を修正")
    at = button(at, "登録").click().run()

    assert "ファームウェア 1\\.2\\.0 を登録しました。" in texts(at.success)
    assert (
        at.text_input(key="fleet_firmware_upload_1_version").value,
        at.text_area(key="fleet_firmware_upload_1_notes").value,
    ) == ("", "")
    releases = httpx.get(f"{live_api}/api/fleet/firmware/releases", headers=auth_headers(admin)).json()["items"]
    assert [(r["version"], r["size"], r["notes"]) for r in releases] == [("1.2.0", len(IMAGE), "印字の不具合を修正")]


def test_admin_creates_a_rollout_for_a_customer(fleet, open_app, live_api):
    customer, admin, _ = fleet
    upload(live_api, admin)
    at = open_page(open_app, admin, FIRMWARE)
    at.selectbox(key="fleet_firmware_new_rollout_0_target_customer").select(customer.id)
    at.text_input(key="fleet_firmware_new_rollout_0_waves").input("50, 20")
    at = button(at, "ロールアウトを作成").click().run()
    assert texts(at.error) == ["波は0より大きく増えていく累積パーセントで、最後を100にしてください（例: 1, 10, 100）。"]

    at.text_input(key="fleet_firmware_new_rollout_0_waves").input("50, 100")
    at.number_input(key="fleet_firmware_new_rollout_0_threshold").set_value(20)
    at = button(at, "ロールアウトを作成").click().run()

    assert "バージョン 1.2.0 のロールアウトを開始しました。" in texts(at.success)
    [created] = httpx.get(f"{live_api}/api/fleet/rollouts", headers=auth_headers(admin)).json()["items"]
    assert (created["status"], created["failure_threshold_pct"], [w["total"] for w in created["waves"]]) == (
        "running",
        20.0,
        [2, 1],
    )
    assert at.get("progress")[0].proto.text == "成功 0 / 3台（失敗 0台）"
    assert len(at.get("plotly_chart")) == 1
    assert at.selectbox(key="fleet_firmware_rollout").value == created["id"], "the new rollout is the one shown"


def test_a_release_whose_rollout_paused_on_failures_is_warned_of(rollout, fleet, db, open_app, live_api):
    _, admin, _ = fleet
    db.execute(
        update(Rollout).where(Rollout.id == rollout["id"]).values(status="paused", paused_reason="failure_threshold")
    )
    db.commit()
    at = open_page(open_app, admin, FIRMWARE)
    at.selectbox(key="fleet_firmware_new_rollout_0_release").select(rollout["release_id"]).run()

    assert (
        f"このファームウェアの以前のロールアウト #{rollout['id']}（一時停止）は失敗率がしきい値を超えたため自動で"
        "一時停止しました。原因を確かめてから配信してください。"
    ) in texts(at.warning)


def test_an_operator_pauses_and_resumes_a_rollout(rollout, fleet, open_app, live_api):
    *_, operator = fleet
    at = open_page(open_app, operator, FIRMWARE)
    assert at.dataframe[0].value[["バージョン", "状態", "現在の波", "対象台数"]].to_dict("records") == [
        {"バージョン": "1.2.0", "状態": "実行中", "現在の波": "1 / 2", "対象台数": 3}
    ]
    assert "ロールアウトを作成" not in [b.label for b in at.button]

    at = button(at, "一時停止").click().run()

    assert f"ロールアウト #{rollout['id']} を一時停止しました。" in texts(at.success)
    assert api_rollout(live_api, operator, rollout["id"])["status"] == "paused"
    assert texts(at.warning) == ["手動で一時停止"]

    at = button(at, "再開").click().run()

    assert api_rollout(live_api, operator, rollout["id"])["status"] == "running"
    assert "一時停止" in [b.label for b in at.button]


def test_cancel_waits_for_the_confirmation(rollout, fleet, open_app, live_api):
    *_, operator = fleet
    at = open_page(open_app, operator, FIRMWARE)
    assert button(at, "中止").disabled

    at.checkbox(key=f"fleet_firmware_cancel_ok_{rollout['id']}").check().run()
    at = button(at, "中止").click().run()

    assert api_rollout(live_api, operator, rollout["id"])["status"] == "cancelled"
    assert not [b for b in at.button if b.label in ("一時停止", "再開", "中止")]


def test_support_sees_progress_without_the_controls(rollout, db, open_app):
    support = make_user(db, "support1", grants={"fleet": "support"})
    db.commit()

    at = open_page(open_app, support, FIRMWARE)

    assert len(at.get("plotly_chart")) == 1
    rollouts = next(table.value for table in at.dataframe if "対象" in table.value.columns)
    assert rollouts[["顧客企業", "対象"]].to_dict("records") == [{"顧客企業": "ABC商事", "対象": "顧客企業 ABC商事"}]
    assert any(caption.startswith("顧客企業: ABC商事 ／ ") for caption in texts(at.caption))
    assert not [b for b in at.button if b.label in ("一時停止", "中止", "登録", "ロールアウトを作成")]
