import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from service.audit.models import AuditEntry
from service.entry_logs.models import EntryLog
from tests.factories import auth_headers, make_user
from tests.service.entry_logs.world import add_log

# 2026-01-14 09:15:32 in Tokyo is 00:15:32 UTC.
MORNING = datetime(2026, 1, 14, 0, 15, 32, tzinfo=UTC)


@pytest.fixture
def history(db, sakura):
    """Six logs over three days: parent 0 and parent 1 enter and leave; parent 2 enters on the last day."""
    p0, p1, p2 = sakura.parents
    logs = []
    for day in range(2):
        at = MORNING + timedelta(days=day)
        logs += [add_log(db, sakura, p0, "Entry", at), add_log(db, sakura, p1, "Exit", at + timedelta(hours=8))]
    logs += [
        add_log(db, sakura, p2, "Entry", MORNING + timedelta(days=2)),
        add_log(db, sakura, p0, "Exit", MORNING + timedelta(days=2, hours=1)),
    ]
    db.commit()
    return logs


def get_logs(client, headers, **params):
    response = client.get("/api/entry-exit-logs", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_list_is_newest_first_with_names_and_total(client, staff, history, sakura):
    body = get_logs(client, staff)
    assert body["totalCount"] == 6 and body["page"] == 1 and body["pageSize"] == 50
    stamps = [log["timestamp"] for log in body["logs"]]
    assert stamps == sorted(stamps, reverse=True)
    newest = body["logs"][0]
    assert newest == {
        "id": history[-1].id,
        "parentId": sakura.parents[0].id,
        "parentName": "sakura保護者0",
        "nurseryId": sakura.nursery.id,
        "nurseryName": "さくら保育園",
        "entryType": "Exit",
        "timestamp": "2026-01-16T01:15:32Z",
        "childNames": ["sakura園児0", "sakura園児3"],
        "stationId": None,
        "stationName": None,
        "receivedAt": "2026-01-16T01:15:32Z",
        "stationTime": None,
        "recordedBy": None,
        "manualReason": None,
        "late": False,
    }


def test_list_sorts_oldest_first_on_request_and_pages_in_that_order(client, staff, history):
    stamps = [log["timestamp"] for log in get_logs(client, staff, sort="timestamp", pageSize=4)["logs"]]
    second = [log["timestamp"] for log in get_logs(client, staff, sort="timestamp", pageSize=4, page=2)["logs"]]
    assert stamps + second == sorted(stamps + second) and len(set(stamps + second)) == 6
    assert client.get("/api/entry-exit-logs", params={"sort": "parentName"}, headers=staff).status_code == 422


def test_list_pages(client, staff, history):
    second = get_logs(client, staff, page=2, pageSize=4)
    assert second["totalCount"] == 6 and len(second["logs"]) == 2
    assert client.get("/api/entry-exit-logs", params={"pageSize": 101}, headers=staff).status_code == 422


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"parentName": "護者1"}, 2),
        ({"parentName": "%"}, 0),
        ({"entryType": "Exit"}, 3),
        ({"childName": "園児3"}, 3),
        ({"from": "2026-01-15", "to": "2026-01-15"}, 2),
        ({"from": "2026-01-15"}, 4),
        ({"to": "2026-01-14T12:00:00"}, 1),
        ({"entryType": "Entry", "parentName": "保護者0", "to": "2026-01-15"}, 2),
    ],
)
def test_list_filters(client, staff, history, params, expected):
    assert get_logs(client, staff, **params)["totalCount"] == expected


@pytest.mark.parametrize(
    "params", [{"from": "yesterday"}, {"entryType": "In"}, {"from": "2026-01-16", "to": "2026-01-15"}, {"page": 0}]
)
def test_bad_list_parameters_are_422(client, staff, params):
    response = client.get("/api/entry-exit-logs", params=params, headers=staff)
    assert response.status_code == 422
    assert response.json()["error"]["message"]


@pytest.mark.dialect
def test_soft_delete_keeps_the_row_with_who_when_why(client, db, staff, history):
    target = history[0]
    response = client.delete(f"/api/entry-exit-logs/{target.id}", params={"reason": "誤スキャン"}, headers=staff)
    assert response.status_code == 204
    assert get_logs(client, staff)["totalCount"] == 5
    row = db.get(EntryLog, target.id)
    db.refresh(row)
    assert (row.deleted_by, row.delete_reason, row.deleted_at is not None) == ("staff-a", "誤スキャン", True)
    audit = db.scalar(select(AuditEntry).where(AuditEntry.action == "soft_delete"))
    db.commit()
    assert audit.target_id == str(target.id) and audit.changes["delete_reason"]["after"] == "誤スキャン"
    assert (
        client.delete(f"/api/entry-exit-logs/{target.id}", params={"reason": "again"}, headers=staff).status_code == 404
    )


@pytest.mark.dialect
def test_delete_needs_a_reason_and_physical_delete_needs_an_entry_logs_admin(client, db, staff, history):
    target = history[0].id
    assert client.delete(f"/api/entry-exit-logs/{target}", headers=staff).status_code == 422
    assert (
        client.delete(
            f"/api/entry-exit-logs/{target}", params={"reason": "x", "physical": True}, headers=staff
        ).status_code
        == 403
    )
    admin = auth_headers(make_user(db, "nursery-admin", grants={"entry_logs": "admin"}))
    db.commit()
    assert (
        client.delete(
            f"/api/entry-exit-logs/{target}", params={"reason": "重複", "physical": True}, headers=admin
        ).status_code
        == 204
    )
    assert db.scalar(select(EntryLog.id).where(EntryLog.id == target)) is None
    db.commit()


def test_csv_export_streams_the_filtered_logs_in_local_time(client, staff, history):
    response = client.get("/api/entry-exit-logs/export", params={"entryType": "Entry"}, headers=staff)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == [
        *("日時", "保護者ID", "保護者名", "入/出", "園児名", "保育園", "端末"),
        *("端末の時刻", "手入力者", "手入力の理由", "登録日時", "遅延登録"),
    ]
    # One row per child: parent 0's entries are two rows each (園児0 and 園児3), parent 2's one.
    assert [r[0] for r in rows[1:]] == [
        "2026-01-16 09:15:32",
        *("2026-01-15 09:15:32", "2026-01-15 09:15:32"),
        *("2026-01-14 09:15:32", "2026-01-14 09:15:32"),
    ]
    assert [r[2:6] for r in rows[2:4]] == [
        ["sakura保護者0", "入", "sakura園児0", "さくら保育園"],
        ["sakura保護者0", "入", "sakura園児3", "さくら保育園"],
    ]
    assert rows[2][7:] == ["", "", "", "2026-01-15 09:15:32", ""]


@pytest.mark.dialect
def test_csv_export_crosses_batches(client, db, staff, sakura, monkeypatch):
    from service.config import get_settings

    for i in range(7):
        add_log(db, sakura, sakura.parents[i % 3], "Entry", MORNING + timedelta(minutes=i))
    db.commit()
    monkeypatch.setattr(get_settings(), "export_batch", 3)
    response = client.get("/api/entry-exit-logs/export", headers=staff)
    rows = list(csv.reader(io.StringIO(response.content.decode().lstrip("\ufeff"))))
    # 7 logs, parent 0's three with two children each: 10 rows, none lost or repeated at a batch's edge
    assert len(rows) == 11 and len({r[0] for r in rows[1:]}) == 7
    assert sorted((r[0], r[4]) for r in rows[1:]) == sorted({(r[0], r[4]) for r in rows[1:]})


def test_csv_export_follows_the_sort_across_batches(client, db, staff, history, monkeypatch):
    from service.config import get_settings

    monkeypatch.setattr(get_settings(), "export_batch", 4)
    response = client.get("/api/entry-exit-logs/export", params={"sort": "timestamp"}, headers=staff)
    times = [r[0] for r in csv.reader(io.StringIO(response.content.decode().lstrip("\ufeff")))][1:]
    assert times == sorted(times) and len(times) == 9  # parent 0's three logs are two rows each


def test_staff_without_grant_and_anonymous_callers_are_refused(client, db, history):
    outsider = auth_headers(make_user(db, "fleet-op", grants={"fleet": "operator"}))
    db.commit()
    assert client.get("/api/entry-exit-logs", headers=outsider).status_code == 403
    assert client.get("/api/entry-exit-logs").status_code == 401


@pytest.mark.dialect
def test_csv_export_never_writes_a_formula(client, db, staff, sakura):
    parent = sakura.parents[0]
    parent.name = '=HYPERLINK("http://x")'
    db.merge(parent)
    add_log(db, sakura, parent, "Entry", MORNING)
    db.commit()
    rows = list(
        csv.reader(
            io.StringIO(client.get("/api/entry-exit-logs/export", headers=staff).content.decode().lstrip("\ufeff"))
        )
    )
    assert rows[1][2] == '\'=HYPERLINK("http://x")'


@pytest.mark.dialect
def test_the_download_has_a_row_per_child_and_the_station_by_its_name(client, db, staff, sakura, himawari):
    """A parent of two children scanned once is two rows; the station is shown by the name staff gave it (before
    that, as unnamed), never by its id; another nursery's station name is not this nursery's."""
    p0, p1, _ = sakura.parents
    gate = add_log(db, sakura, p0, "Entry", MORNING)
    gate.station_id = "demo-gate"
    side = add_log(db, sakura, p1, "Entry", MORNING + timedelta(minutes=1))
    side.station_id = "browser-1a2b3c4d"
    db.commit()
    named = client.put(
        f"/api/entry-logs/nurseries/{sakura.nursery.id}/station-names/demo-gate", json={"name": "正門"}, headers=staff
    )
    assert named.status_code == 204, named.text
    other = client.put(
        f"/api/entry-logs/nurseries/{himawari.nursery.id}/station-names/browser-1a2b3c4d",
        json={"name": "裏口"},
        headers=staff,
    )
    assert other.status_code == 404

    for _ in range(2):  # the same file each time
        rows = list(
            csv.reader(
                io.StringIO(
                    client.get("/api/entry-exit-logs/export", params={"sort": "timestamp"}, headers=staff)
                    .content.decode()
                    .lstrip("\ufeff")
                )
            )
        )
        assert [(r[2], r[4], r[6]) for r in rows[1:]] == [
            ("sakura保護者0", "sakura園児0", "正門"),
            ("sakura保護者0", "sakura園児3", "正門"),
            ("sakura保護者1", "sakura園児1", "名前未設定の端末"),
        ]
        assert not any("demo-gate" in cell or "browser-" in cell for row in rows for cell in row)
    listed = client.get("/api/entry-exit-logs", params={"sort": "timestamp"}, headers=staff).json()["logs"]
    assert [log["stationName"] for log in listed] == ["正門", None]

    renamed = client.put(
        f"/api/entry-logs/nurseries/{sakura.nursery.id}/station-names/demo-gate", json={"name": "玄関"}, headers=staff
    )
    assert renamed.status_code == 204
    refused = client.put(
        f"/api/entry-logs/nurseries/{sakura.nursery.id}/station-names/demo-gate", json={"name": ""}, headers=staff
    )
    assert refused.status_code == 422
    changes = [
        e.changes["name"]
        for e in db.scalars(select(AuditEntry).where(AuditEntry.action == "name_station").order_by(AuditEntry.seq))
    ]
    db.commit()
    assert changes == [{"before": None, "after": "正門"}, {"before": "正門", "after": "玄関"}]
