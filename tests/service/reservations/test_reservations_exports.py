"""The reservations lists' CSV downloads: every reservation and incident the list's filters select, across batches."""

from datetime import UTC, datetime

import pytest

from service.config import get_settings
from tests.service.reservations.conftest import book, headers_for
from tests.service.reservations.incidents.test_incidents import record
from tests.support.downloads import csv_download

ROOT = "/api/reservations"


@pytest.fixture(autouse=True)
def small_batches(monkeypatch):
    monkeypatch.setattr(get_settings(), "export_batch", 2)


@pytest.mark.dialect
def test_the_reservation_export_is_every_reservation_the_search_finds(client, db, catalog):
    support = headers_for(db, "support")
    for n in range(3):
        book(catalog["service_id"], name=f"山田{n}", phone=f"090-1234-000{n}")
    book(catalog["service_id"], name="=佐藤", phone="090-1234-0009")
    listed = client.get(f"{ROOT}/reservations", params={"q": "山田"}, headers=support).json()
    rows = csv_download(client.get(f"{ROOT}/reservations/export", params={"q": "山田"}, headers=support))
    assert rows[0] == [
        *("予約ID", "状態", "依頼者", "電話番号", "サービス", "提携店", "予約日時", "金額（円）", "受付日時"),
        *("メールアドレス", "無料キャンセル期限", "詳細"),
    ]
    assert [row[0] for row in rows[1:]] == [item["code"] for item in listed["items"]] and listed["total"] == 3
    assert [row[2] for row in rows[1:]] == ["山田2", "山田1", "山田0"]
    everyone = csv_download(client.get(f"{ROOT}/reservations/export", headers=support))
    assert len(everyone) - 1 == 4 and "'=佐藤" in [row[2] for row in everyone]


def test_the_incident_export_follows_the_level_filter_in_japan_time(client, db):
    support = headers_for(db, "support")
    for level in ("high", "low", "high", "medium", "high"):
        record(client, support, level, datetime(2026, 1, 5, 0, 30, tzinfo=UTC).isoformat())
    listed = client.get(f"{ROOT}/incidents", params={"level": "high"}, headers=support).json()
    rows = csv_download(client.get(f"{ROOT}/incidents/export", params={"level": "high"}, headers=support))
    assert rows[0][:5] == ["ID", "発生日時", "レベル", "件名", "対応時間目標"]
    assert [int(row[0]) for row in rows[1:]] == [item["id"] for item in listed["items"]] and listed["total"] == 3
    assert rows[1][1:3] == ["2026-01-05 09:30:00", "High"] and rows[1][7] == "期限超過"
