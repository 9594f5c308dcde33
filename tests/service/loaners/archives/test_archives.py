"""The rotation's archives stay readable: admins list them, search one (device, part of a 拠点管理番号, a text in the
answers) and download one; staff may not; a name the archive directory does not list is 404."""

import gzip
import json

import pytest

from jobs.loaners import rotate_submissions
from service.config import get_settings
from service.database import utcnow
from tests.service.loaners.archives.test_rotation import YEAR, history
from tests.service.loaners.conftest import IN_HOUSE, LENT, add_location, answer, headers, make_device

ARCHIVES = "/api/loaners/archives"


@pytest.fixture
def archive(db, tmp_path, monkeypatch) -> str:
    """A finished rotation of history()'s rows (plus a 関東 device's) into an archive directory of the test's own."""
    monkeypatch.setattr(get_settings(), "data_dir", tmp_path)
    history(db)
    add_location(db, "tokyo", "関東", name="東京")
    tokyo = make_device(db, "tokyo", serial="T1")
    answer(db, tokyo, IN_HOUSE | {"0-1.担当者": "東京担当"}, at=utcnow() - 5 * YEAR)
    answer(db, tokyo, LENT, at=utcnow() - YEAR)
    db.commit()
    assert rotate_submissions()["archived"] == 5
    (tmp_path / "archive" / "loaners" / "notes.txt").write_text("not an archive")
    return next(p.name for p in (tmp_path / "archive" / "loaners").iterdir() if p.is_dir())


def test_admins_list_search_and_download_an_archive(client, db, archive):
    admin = headers(db, "admin1", "admin")
    db.commit()
    listed = client.get(ARCHIVES, headers=admin).json()
    assert [(a["name"], a["files"]) for a in listed] == [(archive, 1)] and listed[0]["size_bytes"] > 0

    def search(**params) -> dict:
        response = client.get(f"{ARCHIVES}/{archive}/search", params=params, headers=admin)
        assert response.status_code == 200, response.text
        return response.json()

    everything = search()
    assert (len(everything["items"]), everything["scanned_rows"], everything["complete"]) == (5, 5, True)
    by_number = search(number="_a_001")  # part of the number, any case
    assert {r["management_number"][-5:] for r in by_number["items"]} == {"A_001"} and len(by_number["items"]) == 3
    device_a = by_number["items"][0]["device_id"]
    assert [r["device_id"] for r in search(device_id=device_a)["items"]] == [device_a] * 3
    by_text = search(q="東京担当")
    assert [r["answers"]["0-1.担当者"] for r in by_text["items"]] == ["東京担当"]
    first = search(limit=2)
    assert (len(first["items"]), first["complete"]) == (2, False)
    unknown = client.get(f"{ARCHIVES}/{archive}/search", params={"device_id": 999_999}, headers=admin)
    assert (unknown.status_code, unknown.json()["error"]["details"]["rule"]) == (422, "exists")

    download = client.get(f"{ARCHIVES}/{archive}/download", headers=admin)
    assert download.status_code == 200 and download.headers["content-type"] == "application/gzip"
    rows = [json.loads(line) for line in gzip.decompress(download.content).decode().splitlines()]
    assert len(rows) == 5 and archive in download.headers["content-disposition"]


def test_a_scoped_admin_reads_only_their_jurisdictions_rows(client, db, archive):
    kansai = headers(db, "admin-kansai", "admin", scope="関西")
    db.commit()
    found = client.get(f"{ARCHIVES}/{archive}/search", params={"q": "東京担当"}, headers=kansai).json()
    assert found["items"] == []
    assert len(client.get(f"{ARCHIVES}/{archive}/search", headers=kansai).json()["items"]) == 4
    download = client.get(f"{ARCHIVES}/{archive}/download", headers=kansai)
    rows = [json.loads(line) for line in gzip.decompress(download.content).decode().splitlines()]
    assert len(rows) == 4 and not any(r["management_number"].startswith("TOKYO_") for r in rows)


def test_staff_may_not_and_a_name_not_listed_is_404(client, db, archive):
    staff, admin = headers(db, "staff1"), headers(db, "admin1", "admin")
    db.commit()
    for path in ("", f"/{archive}/search", f"/{archive}/download"):
        refused = client.get(f"{ARCHIVES}{path}", headers=staff)
        assert refused.status_code == 403, path
    for name in ("rotation_99999_20200101T000000", "notes.txt", "..", "%2e%2e", "..%2F..%2Fetc", archive + "x"):
        for action in ("search", "download"):
            response = client.get(f"{ARCHIVES}/{name}/{action}", headers=admin)
            assert response.status_code == 404, (name, action)
