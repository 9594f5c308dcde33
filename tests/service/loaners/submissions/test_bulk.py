"""一括ステータス変更: the same answers for many devices, each its own submission, in one transaction or none."""

import pytest
from sqlalchemy import func, select

from service.audit.models import AuditEntry
from service.loaners.models import Device, Submission
from tests.service.loaners.conftest import LENT, add_location, answer, headers, make_device

pytestmark = pytest.mark.dialect

RETURNED = {
    "0-1.担当者": "山田太郎",
    "0-4.ステータス": "2.回収後社内保管",
    "2-1.回収日": "2024/08/01",
    "2-2.回収時の状態": "正常",
    "2-3.データ消去": "済み",  # on the terminal form only
}


def lent_devices(db, count: int, location_id: str = "osaka") -> list[int]:
    ids = []
    for n in range(count):
        device = make_device(db, location_id, serial=f"B{location_id[:2].upper()}{n}")
        answer(db, device, LENT)
        ids.append(device.id)
    return ids


def counts(db) -> tuple[int, int]:
    submissions = db.scalar(select(func.count()).select_from(Submission))
    audited = db.scalar(select(func.count()).where(AuditEntry.action == "bulk_submit_status"))
    db.commit()
    return submissions, audited


def bulk(client, staff, ids: list[int], answers: dict = RETURNED):
    return client.post("/api/loaners/submissions/bulk", json={"device_ids": ids, "answers": answers}, headers=staff)


def test_twenty_devices_each_get_their_own_submission_audited(client, db):
    ids = lent_devices(db, 20)
    staff = headers(db, "staff1", scope="関西")
    db.commit()
    response = bulk(client, staff, ids)
    assert response.status_code == 201
    stored = response.json()
    assert sorted(s["device_id"] for s in stored) == sorted(ids)
    assert {(s["status"], s["status_changed"]) for s in stored} == {("2.回収後社内保管", True)}
    assert counts(db) == (40, 20)
    statuses = db.scalars(select(Device.status).where(Device.id.in_(ids))).all()
    assert statuses == ["2.回収後社内保管"] * 20
    history = db.scalars(select(Submission.answers).where(Submission.device_id == ids[0])).all()
    assert len(history) == 2 and RETURNED in history


def test_one_device_whose_form_refuses_the_answers_writes_nothing_and_is_named(client, db):
    ids = lent_devices(db, 19)
    printer = make_device(db, "osaka", "MODEL_003", serial="PRN1")
    answer(db, printer, LENT)
    staff = headers(db, "staff1", scope="関西")
    db.commit()
    before = counts(db)
    response = bulk(client, staff, [*ids, printer.id])
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["message"].startswith(printer.management_number)
    assert error["details"]["rule"] == "unknown_question"
    assert [d["management_number"] for d in error["details"]["devices"]] == [printer.management_number]
    assert counts(db) == before
    assert set(db.scalars(select(Device.status).where(Device.id.in_(ids)))) == {"1.貸出中"}


def test_another_jurisdictions_or_an_unknown_device_is_a_422_and_nothing_is_written(client, db):
    add_location(db, "tokyo", "関東")
    ours = lent_devices(db, 2)
    theirs = lent_devices(db, 1, "tokyo")
    staff = headers(db, "staff1", scope="関西")
    db.commit()
    before = counts(db)
    for ids in ([*ours, *theirs], [*ours, 999_999]):
        response = bulk(client, staff, ids)
        assert response.status_code == 422
        assert response.json()["error"]["details"]["rule"] == "exists"
        assert response.json()["error"]["details"]["missing"] == ids[-1:]
    assert counts(db) == before
    assert bulk(client, staff, []).status_code == 422
    assert (
        bulk(client, staff, ours, {"0-4.ステータス": "2.回収後社内保管"}).json()["error"]["details"]["rule"]
        == "required"
    )
    assert counts(db) == before


def picks(client, staff) -> list[str]:
    response = client.get("/api/loaners/bulk-picks", headers=staff)
    assert response.status_code == 200
    return [device["management_number"] for device in response.json()]


def test_devices_chosen_one_page_at_a_time_add_up_and_a_bulk_change_takes_them_off(client, db):
    ids = lent_devices(db, 3)
    numbers = dict(db.execute(select(Device.id, Device.management_number).where(Device.id.in_(ids))).all())
    staff, other = headers(db, "staff1", scope="関西"), headers(db, "staff2", scope="関西")
    db.commit()
    for device_id in [*ids, ids[0]]:  # as each QR code's page adds its device; the same one twice stays one
        assert client.put(f"/api/loaners/bulk-picks/{device_id}", headers=staff).status_code == 204
    assert picks(client, staff) == [numbers[i] for i in ids]
    assert picks(client, other) == []  # each person's own list
    assert client.delete(f"/api/loaners/bulk-picks/{ids[2]}", headers=staff).status_code == 204
    assert picks(client, staff) == [numbers[ids[0]], numbers[ids[1]]]
    assert bulk(client, staff, [ids[0]]).status_code == 201
    assert picks(client, staff) == [numbers[ids[1]]]
    assert client.delete("/api/loaners/bulk-picks", headers=staff).status_code == 204
    assert picks(client, staff) == []


def test_another_jurisdictions_device_cannot_be_chosen(client, db):
    add_location(db, "tokyo", "関東")
    (theirs,) = lent_devices(db, 1, "tokyo")
    staff = headers(db, "staff1", scope="関西")
    db.commit()
    assert client.put(f"/api/loaners/bulk-picks/{theirs}", headers=staff).status_code == 404
    assert client.delete(f"/api/loaners/bulk-picks/{theirs}", headers=staff).status_code == 404
    assert picks(client, staff) == []
