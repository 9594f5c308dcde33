"""Firmware: verified uploads, rollouts in waves, heartbeat verification, pausing, timeouts, controls."""

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select

from service.audit.service import SYSTEM
from service.database import utcnow
from service.fleet.models import Alert, Rollout, UpdateTask
from service.fleet.rollouts import firmware
from tests.service.fleet.conftest import agent_headers, make_customer, make_terminal, send, user_headers
from tests.support.downloads import csv_download

BLOB = b"TC-200 firmware 2.0.0" * 100
SHA = hashlib.sha256(BLOB).hexdigest()


def upload(client, headers, version="2.0.0", sha=SHA, data=BLOB):
    return client.post(
        "/api/fleet/firmware/releases",
        data={"version": version, "sha256": sha, "notes": "修正"},
        files={"file": ("fw.bin", data, "application/octet-stream")},
        headers=headers,
    )


def setup_fleet(db, count):
    customer = make_customer(db)
    terminals = [make_terminal(db, customer, serial=f"TC-{i:03d}") for i in range(count)]
    return customer, terminals


def rollout_of(client, headers, release_id, customer_id, **extra):
    body = {"release_id": release_id, "target": {"customer_id": customer_id}, "waves": [10, 50, 100]} | extra
    return client.post("/api/fleet/rollouts", json=body, headers=headers)


def advance(db, *, later=timedelta(0)):
    rollout = db.scalar(select(Rollout))
    firmware.advance(db, rollout=rollout, now=utcnow() + later)
    db.commit()
    return rollout


def test_upload_rejects_a_wrong_sha256_and_duplicate_versions(client, db):
    headers = user_headers(db, "admin1", "admin")
    operator = user_headers(db, "op1", "operator")
    db.commit()
    wrong = upload(client, headers, sha="0" * 64)
    assert wrong.status_code == 422 and wrong.json()["error"]["details"]["rule"] == "sha256_mismatch"
    assert upload(client, operator).status_code == 403
    assert upload(client, headers).status_code == 201
    assert upload(client, headers).status_code == 409
    assert client.get("/api/fleet/firmware/releases", headers=headers).json()["total"] == 1


@pytest.mark.dialect
def test_waves_advance_only_when_terminals_come_back_on_the_new_version(client, db):
    customer, terminals = setup_fleet(db, 10)
    headers = user_headers(db, "admin1", "admin")
    db.commit()
    release_id = upload(client, headers).json()["id"]
    created = rollout_of(client, headers, release_id, customer.id)
    assert created.status_code == 201
    assert [(w["total"], w["active"]) for w in created.json()["waves"]] == [(1, 1), (4, 0), (5, 0)]
    first_token = terminals[0][1]
    command = send(client, first_token).json()["commands"][0]
    assert command["type"] == "firmware_update"
    assert command["params"] == {
        "release_id": release_id,
        "version": "2.0.0",
        "sha256": SHA,
        "size": len(BLOB),
        "download_url": f"/api/fleet/agent/firmware/{release_id}",
    }
    download = client.get(command["params"]["download_url"], headers=agent_headers(first_token))
    assert download.status_code == 200 and hashlib.sha256(download.content).hexdigest() == SHA
    assert client.get(command["params"]["download_url"], headers=agent_headers(terminals[5][1])).status_code == 404
    progress = f"/api/fleet/agent/commands/{command['id']}/progress"
    assert (
        client.post(
            progress, json={"state": "installing", "progress": 60}, headers=agent_headers(first_token)
        ).status_code
        == 204
    )
    assert (
        client.post(
            progress, json={"state": "succeeded", "progress": 100}, headers=agent_headers(first_token)
        ).status_code
        == 204
    )
    assert advance(db).current_wave == 1
    send(client, first_token, firmware_version="2.0.0", cpu=20)
    rollout = advance(db)
    assert rollout.current_wave == 2
    waves = client.get(f"/api/fleet/rollouts/{rollout.id}", headers=headers).json()["waves"]
    assert [(w["succeeded"], w["active"]) for w in waves] == [(1, 0), (0, 4), (0, 0)]
    tasks = client.get(f"/api/fleet/terminals/{terminals[0][0].id}/update-tasks", headers=headers).json()
    assert tasks[0]["status"] == "succeeded"


@pytest.mark.dialect
def test_failures_past_the_threshold_pause_the_rollout_and_alert(client, db):
    customer, terminals = setup_fleet(db, 10)
    headers = user_headers(db, "admin1", "admin")
    db.commit()
    release_id = upload(client, headers).json()["id"]
    rollout_id = rollout_of(client, headers, release_id, customer.id, waves=[20, 100], failure_threshold_pct=10).json()[
        "id"
    ]
    command = send(client, terminals[0][1]).json()["commands"][0]
    client.post(
        f"/api/fleet/agent/commands/{command['id']}/progress",
        json={"state": "failed", "message": "sha256不一致"},
        headers=agent_headers(terminals[0][1]),
    )
    rollout = advance(db)
    assert (rollout.status, rollout.paused_reason) == ("paused", "failure_threshold")
    alert = db.scalar(select(Alert).where(Alert.alert_type == "update_failed"))
    assert alert.terminal_id == terminals[0][0].id and "sha256不一致" in alert.message
    db.commit()
    assert send(client, terminals[1][1]).json()["commands"] == []
    resumed = client.post(f"/api/fleet/rollouts/{rollout_id}/resume", headers=headers).json()
    assert resumed["status"] == "running"
    assert send(client, terminals[1][1]).json()["commands"][0]["type"] == "firmware_update"


@pytest.mark.dialect
def test_a_terminal_that_never_comes_back_times_out(client, db):
    customer, terminals = setup_fleet(db, 2)
    headers = user_headers(db, "admin1", "admin")
    db.commit()
    release_id = upload(client, headers).json()["id"]
    rollout_of(client, headers, release_id, customer.id, waves=[50, 100], timeout_minutes=30, failure_threshold_pct=100)
    send(client, terminals[0][1])
    rollout = advance(db, later=timedelta(minutes=31))
    assert db.scalar(select(UpdateTask.status).where(UpdateTask.terminal_id == terminals[0][0].id)) == "timed_out"
    assert rollout.current_wave == 2 and rollout.status == "running"
    assert db.scalar(select(Alert.alert_type)) == "update_failed"


def tasks_of(client, headers, terminal):
    return [
        (t["status_label"], t["message"])
        for t in client.get(f"/api/fleet/terminals/{terminal.id}/update-tasks", headers=headers).json()
    ]


@pytest.mark.dialect
def test_the_update_is_judged_by_the_terminal_not_by_the_store_pcs_load(client, db):
    """On the new version with the PC at 98 % succeeds; never on it times out; an error on it fails."""
    customer, [(busy, busy_token), (stuck, stuck_token), (broken, broken_token)] = setup_fleet(db, 3)
    headers = user_headers(db, "admin1", "admin")
    db.commit()
    release_id = upload(client, headers).json()["id"]
    rollout_of(client, headers, release_id, customer.id, waves=[100], failure_threshold_pct=100)
    for token in (busy_token, stuck_token, broken_token):
        assert send(client, token).json()["commands"][0]["type"] == "firmware_update"
    send(client, busy_token, firmware_version="2.0.0", cpu=98, memory=93)
    send(client, stuck_token, firmware_version="1.0.0", cpu=20)
    send(client, broken_token, firmware_version="2.0.0", status="error", error_message="プリンタ異常", cpu=98)
    assert advance(db).status == "running"
    assert tasks_of(client, headers, busy) == [("成功", "店舗PCの負荷が高い状態です（CPU 98.0%・メモリ 93.0%）")]
    assert tasks_of(client, headers, broken) == [("失敗", "更新後に端末がエラーを報告しました: プリンタ異常")]
    assert tasks_of(client, headers, stuck)[0][0] == "配信待ち"
    rollout = advance(db, later=timedelta(minutes=31))
    assert rollout.status == "completed"
    assert tasks_of(client, headers, stuck) == [
        ("タイムアウト", "制限時間内に新しいバージョンで正常に通信しませんでした")
    ]
    alerts = dict(db.execute(select(Alert.terminal_id, Alert.message).where(Alert.alert_type == "update_failed")).all())
    assert alerts == {
        broken.id: "ファームウェア 2.0.0 への更新に失敗しました: 更新後に端末がエラーを報告しました: プリンタ異常",
        stuck.id: "ファームウェア 2.0.0 への更新に失敗しました: タイムアウト",
    }


def test_a_busy_pc_is_noted_only_where_it_is_at_the_threshold():
    assert firmware.busy_pc_note(cpu=97.7, memory=40) == "店舗PCの負荷が高い状態です（CPU 97.7%）"
    assert firmware.busy_pc_note(cpu=10, memory=90) == "店舗PCの負荷が高い状態です（メモリ 90.0%）"
    assert firmware.busy_pc_note(cpu=89.9, memory=89.9) == ""


@pytest.mark.dialect
def test_operators_pause_resume_and_cancel(client, db):
    customer, terminals = setup_fleet(db, 3)
    admin = user_headers(db, "admin1", "admin")
    operator = user_headers(db, "op1", "operator")
    db.commit()
    release_id = upload(client, admin).json()["id"]
    assert rollout_of(client, operator, release_id, customer.id).status_code == 403
    rollout_id = rollout_of(client, admin, release_id, customer.id).json()["id"]
    base = f"/api/fleet/rollouts/{rollout_id}"
    assert client.post(f"{base}/pause", headers=operator).json()["status"] == "paused"
    assert client.post(f"{base}/pause", headers=operator).status_code == 409
    assert client.post(f"{base}/resume", headers=operator).json()["status"] == "running"
    cancelled = client.post(f"{base}/cancel", headers=operator).json()
    assert cancelled["status"] == "cancelled"
    assert sum(w["cancelled"] for w in cancelled["waves"]) == 3
    assert send(client, terminals[0][1]).json()["commands"] == []
    assert client.post(f"{base}/resume", headers=operator).status_code == 409


def test_a_rollout_needs_targets(client, db):
    customer, _ = setup_fleet(db, 1)
    headers = user_headers(db, "admin1", "admin")
    db.commit()
    release_id = upload(client, headers).json()["id"]
    assert (
        client.post("/api/fleet/rollouts", json={"release_id": release_id, "target": {}}, headers=headers).status_code
        == 422
    )
    bad_waves = rollout_of(client, headers, release_id, customer.id, waves=[50, 10])
    assert bad_waves.status_code == 422
    nobody = client.post(
        "/api/fleet/rollouts", json={"release_id": release_id, "target": {"terminal_ids": [999]}}, headers=headers
    )
    assert nobody.status_code == 422 and nobody.json()["error"]["details"]["rule"] == "no_terminals"
    vocabulary = client.get("/api/fleet/vocabulary", headers=headers).json()
    for column, (least, greatest) in {"failure_threshold_pct": (0.0, 100.0), "timeout_minutes": (1, 10_080)}.items():
        served = vocabulary["fields"]["fleet_rollout"][column]
        assert (served["minimum"], served["maximum"]) == (least, greatest)  # a fraction's bounds floats, a count's ints
        assert type(served["minimum"]) is type(least)
        over = rollout_of(client, headers, release_id, customer.id, **{column: greatest + 1})
        assert over.status_code == 422
    most = vocabulary["rollout_terminals_max"]  # the page's limit
    too_many = {"release_id": release_id, "target": {"terminal_ids": list(range(1, most + 2))}}
    refused = client.post("/api/fleet/rollouts", json=too_many, headers=headers)
    assert refused.status_code == 422
    assert refused.json()["error"]["details"][0]["message"] == f"対象の端末: {most}件以内で指定してください"
    unknown = rollout_of(client, headers, release_id + 1, customer.id)
    assert unknown.status_code == 422 and unknown.json()["error"]["details"] == {
        "field": "release_id",
        "rule": "exists",
    }
    by_filter = client.post(
        "/api/fleet/rollouts",
        json={"release_id": release_id, "target": {"filter": {"q": "TC-"}}, "waves": [100]},
        headers=headers,
    )
    assert by_filter.status_code == 201 and by_filter.json()["waves"][0]["total"] == 1


def test_wave_sizes():
    assert firmware._wave_sizes(1000, [1, 10, 100]) == [10, 90, 900]
    assert firmware._wave_sizes(3, [1, 10, 100]) == [1, 1, 1]
    assert firmware._wave_sizes(1, [1, 10, 100]) == [1, 0, 0]
    assert SYSTEM.type == "system"


def test_a_rollout_names_its_customer_unless_it_spans_several(client, db):
    customer, [(ours, _), _] = setup_fleet(db, 2)
    theirs, _ = make_terminal(db, make_customer(db, "XYZ商店"), serial="XYZ-001")
    headers = user_headers(db, "admin1", "admin")
    db.commit()
    release_id = upload(client, headers).json()["id"]
    both = client.post(
        "/api/fleet/rollouts",
        json={"release_id": release_id, "target": {"terminal_ids": [ours.id, theirs.id]}, "waves": [100]},
        headers=headers,
    ).json()
    assert (both["customer_id"], both["company_name"], both["waves"][0]["total"]) == (None, None, 2)
    one = rollout_of(client, headers, release_id, customer.id).json()  # the terminal left
    assert (one["customer_id"], one["company_name"]) == (customer.id, "ABC商事")
    assert client.get(f"/api/fleet/rollouts/{one['id']}", headers=headers).json()["company_name"] == "ABC商事"
    listed = client.get("/api/fleet/rollouts", headers=headers).json()["items"]
    assert [r["company_name"] for r in listed] == ["ABC商事", None]


def test_the_rollout_and_release_csvs_hold_what_the_admin_chose(client, db):
    """Each edited field under its declared label: the waves, the failure threshold and the time limit of a rollout;
    a release's version, SHA-256 and notes. A bad version or SHA-256 is refused in its rule's words."""
    customer, _ = setup_fleet(db, 3)
    headers = user_headers(db, "admin1", "admin")
    db.commit()
    bad = upload(client, headers, version="-bad", sha="xyz")
    assert bad.status_code == 422
    assert {detail["label"] for detail in bad.json()["error"]["details"]} == {"バージョン", "SHA-256"}
    release = upload(client, headers).json()
    body = {"failure_threshold_pct": 25, "timeout_minutes": 45}
    assert rollout_of(client, headers, release["id"], customer.id, **body).status_code == 201
    rollouts = csv_download(client.get("/api/fleet/rollouts/export", headers=headers))
    chosen = dict(zip(rollouts[0], rollouts[1], strict=True))
    settings = ("波（累積%）", "失敗率のしきい値（%）", "1台の制限時間（分）")
    assert [chosen[header] for header in settings] == ["10, 50, 100", "25.0", "45"]
    releases = csv_download(client.get("/api/fleet/firmware/releases/export", headers=headers))
    shown = dict(zip(releases[0], releases[1], strict=True))
    assert (shown["バージョン"], shown["SHA-256"], shown["リリースノート"]) == ("2.0.0", SHA, "修正")
