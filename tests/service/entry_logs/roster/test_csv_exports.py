"""The roster lists' CSV downloads: every parent and child of the nursery the list's filters select, across batches
(the log list's download: logs/test_logs.py)."""

import pytest

from service.config import get_settings
from tests.service.entry_logs.world import make_world, staff_headers
from tests.support.downloads import csv_download


@pytest.fixture
def sakura(db, monkeypatch):
    world = make_world(db, "sakura", parents=5)
    make_world(db, "himawari")
    world.parents[2].name = "=sakura保護者2"
    db.commit()
    monkeypatch.setattr(get_settings(), "export_batch", 2)
    return world


def test_the_parent_export_is_every_parent_the_search_finds(client, db, sakura):
    staff = staff_headers(db, sakura)
    params = {"nurseryId": sakura.nursery.id, "q": "sakura"}
    listed = client.get("/api/entry-logs/parents", params=params, headers=staff).json()
    rows = csv_download(client.get("/api/entry-logs/parents/export", params=params, headers=staff))
    assert rows[0] == ["保護者ID", "保護者名", "ふりがな", "電話番号", "園児"]
    assert [int(row[0]) for row in rows[1:]] == [parent["id"] for parent in listed["items"]] and listed["total"] == 5
    assert rows[1][1:] == ["sakura保護者0", "", "090-0000-0000", "sakura園児0、sakura園児5"]
    assert rows[3][1] == "'=sakura保護者2"


def test_the_child_export_follows_the_class_filter(client, db, sakura):
    staff = staff_headers(db, sakura)
    params = {"nurseryId": sakura.nursery.id, "className": "ひよこ組"}
    listed = client.get("/api/entry-logs/children", params=params, headers=staff).json()
    rows = csv_download(client.get("/api/entry-logs/children/export", params=params, headers=staff))
    assert rows[0] == ["園児ID", "園児名", "ふりがな", "クラス", "保護者"]
    assert [int(row[0]) for row in rows[1:]] == [child["id"] for child in listed["items"]] and listed["total"] == 4
    assert {row[3] for row in rows[1:]} == {"ひよこ組"} and not any("himawari" in row[1] for row in rows)
