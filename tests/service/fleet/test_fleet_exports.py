"""The fleet lists' CSV downloads: every row the list's filters select, in the caller's customer, across batches."""

from datetime import UTC, date, datetime, time

import pytest

from service.config import get_settings
from service.database import utcnow
from service.fleet.alerting.alerts import NewAlert, open_alerts
from tests.service.fleet.conftest import make_customer, make_terminal, user_headers
from tests.support.downloads import csv_download

TERMINAL_HEADER = [
    *("ID", "シリアル番号", "顧客企業", "設置店舗名", "店舗", "状態", "ファームウェア", "最終通信"),
    *("店舗PC CPU", "店舗PCメモリ", "店舗PCディスク", "未解決アラート", "設置日"),
]


@pytest.fixture
def fleet(db, monkeypatch):
    """ABC商事 with 5 online and 2 offline terminals, XYZ商店 with 3 online ones; exports read 2 rows per batch."""
    abc, xyz = make_customer(db, "ABC商事"), make_customer(db, "XYZ商店")
    online = [make_terminal(db, abc, serial=f"ABC-{i}", status="online", enrolled=False)[0] for i in range(5)]
    online[1].store_name = '=HYPERLINK("http://x")'
    online[2].last_heartbeat_at = datetime(2026, 1, 5, 0, 30, tzinfo=UTC)
    for i in range(2):
        make_terminal(db, abc, serial=f"ABC-OFF-{i}", status="offline", enrolled=False)
    theirs = [make_terminal(db, xyz, serial=f"XYZ-{i}", status="online", enrolled=False)[0] for i in range(3)]
    open_alerts(db, [NewAlert(t.id, t.customer_id, "error", "故障") for t in [*online[:3], theirs[0]]], now=utcnow())
    db.flush()
    monkeypatch.setattr(get_settings(), "export_batch", 2)
    return {"abc": abc.id, "xyz": xyz.id, "online": [t.id for t in online]}


def test_the_terminal_export_is_every_terminal_the_filters_select(client, db, fleet):
    admin = user_headers(db, "fleet-admin", role="admin")
    db.commit()
    filters = {"status": "online", "customer_id": fleet["abc"]}
    listed = client.get("/api/fleet/terminals", params=filters | {"page_size": 100}, headers=admin).json()
    rows = csv_download(client.get("/api/fleet/terminals/export", params=filters, headers=admin))
    assert rows[0] == TERMINAL_HEADER
    assert len(rows) - 1 == listed["total"] == 5
    assert sorted(int(row[0]) for row in rows[1:]) == sorted(t["id"] for t in listed["items"]) == fleet["online"]
    by_id = {int(row[0]): row for row in rows[1:]}
    assert by_id[fleet["online"][1]][3] == '\'=HYPERLINK("http://x")'
    assert by_id[fleet["online"][2]][4:8] == ["新宿店", "オンライン", "1.0.0", "2026-01-05 09:30:00"]
    assert by_id[fleet["online"][0]][8:] == ["0.0%", "0.0%", "0.0%", "1", ""]


def test_a_customers_user_downloads_only_its_customers_rows(client, db, fleet):
    scoped = user_headers(db, "abc-admin", role="admin", scope=str(fleet["abc"]))
    db.commit()
    terminals = csv_download(client.get("/api/fleet/terminals/export", headers=scoped))
    assert len(terminals) - 1 == 7 and {row[2] for row in terminals[1:]} == {"ABC商事"}
    alerts = csv_download(client.get("/api/fleet/alerts/export", headers=scoped))
    assert len(alerts) - 1 == 3 and {row[2] for row in alerts[1:]} == {"ABC商事"}
    assert csv_download(client.get("/api/fleet/customers/export", headers=scoped))[1:] == [
        [str(fleet["abc"]), "ABC商事", "田中", "tanaka@example.jp", "03-1234-5678", "ベーシック保守", "", "", ""]
    ]
    for export in ("terminals", "alerts", "incidents"):
        another = client.get(f"/api/fleet/{export}/export", params={"customer_id": fleet["xyz"]}, headers=scoped)
        assert another.status_code == 404 and another.json()["error"]["details"]["resource"] == "fleet_customer"


def test_the_alert_export_follows_the_lists_filters_newest_first(client, db, fleet):
    operator = user_headers(db)
    db.commit()
    listed = client.get("/api/fleet/alerts", params={"open_only": True}, headers=operator).json()
    rows = csv_download(client.get("/api/fleet/alerts/export", params={"open_only": True}, headers=operator))
    assert rows[0][:9] == ["ID", "発生日時", "顧客企業", "設置店舗名", "店舗", "シリアル番号", "種別", "状態", "SLA"]
    assert [int(row[0]) for row in rows[1:]] == [alert["id"] for alert in listed["items"]]
    assert listed["total"] == 4 and {row[7] for row in rows[1:]} == {"未対応"}


def test_the_customer_and_terminal_csvs_hold_business_hours_and_installed_date(client, db):
    """営業時間 in Japan time and days in words; 設置日 as the terminal import takes it."""
    hours = {"opens_at": time(9), "closes_at": time(18, 30), "closed_weekdays": [5, 6]}
    customer = make_customer(db, "田中ストア", **hours)
    make_terminal(db, customer, "TC-HOURS", enrolled=False, installed_date=date(2025, 4, 1))
    admin = user_headers(db, "fleet-admin", role="admin")
    db.commit()
    customers = csv_download(client.get("/api/fleet/customers/export", headers=admin))
    assert customers[0][-3:] == ["開店時刻", "閉店時刻", "定休日"]
    assert customers[1][-3:] == ["09:00", "18:30", "土・日"]
    terminals = csv_download(client.get("/api/fleet/terminals/export", headers=admin))
    assert terminals[1][-1] == "2025-04-01"
