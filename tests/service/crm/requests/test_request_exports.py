"""The request lists' CSV downloads: every request the list's filters select among the caller's cases, across
batches."""

import pytest

from service.config import get_settings
from tests.service.crm.conftest import made, submit
from tests.support.downloads import csv_download

QUEUE_HEADER = [
    "ステータス",
    "依頼ID",
    "法人名",
    "地点数",
    "申告地点数",
    "営業担当者",
    "代理店",
    "投入依頼日",
    "未読通知",
    "担当者",
    "ステータス経過（日）",
    "合計（日）",
    "代理店待ち（日）",
    "投入担当（日）",
    "初回完了",
    "投入済までの日数",
]
MINE_HEADER = ["依頼ID", "法人名", "地点数", "申告地点数", "ステータス", "不備通知", "投入依頼日"]


@pytest.fixture
def filed(client, world, monkeypatch) -> dict[str, list[int]]:
    """Three requests of sales A, one of sales A2 and two of sales B; exports read 2 rows a batch."""
    ids = {
        who: [made(submit(client, getattr(world, who)))["request"]["id"] for _ in range(count)]
        for who, count in (("sales_a", 3), ("sales_a2", 1), ("sales_b", 2))
    }
    monkeypatch.setattr(get_settings(), "export_batch", 2)
    return ids


def test_the_queue_export_is_every_request_the_filters_select(client, world, filed):
    agency_a = {"agency_id": world.agency_a}
    listed = client.get("/api/crm/requests", params=agency_a, headers=world.operator).json()
    rows = csv_download(client.get("/api/crm/requests/export", params=agency_a, headers=world.operator))
    assert rows[0] == QUEUE_HEADER
    assert [int(row[1]) for row in rows[1:]] == [item["id"] for item in listed["items"]] and listed["total"] == 4
    assert sorted(int(row[1]) for row in rows[1:]) == sorted(filed["sales_a"] + filed["sales_a2"])
    assert {row[6] for row in rows[1:]} == {"株式会社AAA代理店"}


def test_a_sales_person_downloads_only_their_own_requests(client, world, filed):
    rows = csv_download(client.get("/api/crm/requests/export", params={"mine": True}, headers=world.sales_a))
    assert rows[0] == MINE_HEADER
    assert sorted(int(row[0]) for row in rows[1:]) == filed["sales_a"]
    theirs = csv_download(client.get("/api/crm/requests/export", headers=world.sales_b))
    assert sorted(int(row[0]) for row in theirs[1:]) == filed["sales_b"]
