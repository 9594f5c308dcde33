"""A device's history keeps what the rotation moved out: its archived submissions are listed after the stored ones
(marked アーカイブ, oldest last) for every user who may see the device, page by page and in its CSV; another 管轄's
staff get 404."""

from datetime import datetime, timedelta

import pytest

from jobs.loaners import rotate_submissions
from service.config import get_settings
from service.csvtools import csv_cell
from service.database import utcnow
from service.loaners.archives import rotation
from tests.service.loaners.archives.test_rotation import YEAR
from tests.service.loaners.conftest import IN_HOUSE, LENT, add_location, answer, headers, make_device
from tests.support.downloads import csv_download


@pytest.fixture
def rotated(db, tmp_path, monkeypatch):
    """Osaka's device A: three answers older than 3 years (archived by the rotation) and a recent one; another
    device's old rows archived beside them; every archived row a block of its own."""
    monkeypatch.setattr(get_settings(), "data_dir", tmp_path)
    monkeypatch.setattr(rotation, "BLOCK_BYTES", 1)
    now = utcnow()
    device, other = make_device(db, serial="A"), make_device(db, serial="B")
    for age, answers in ((5 * YEAR, IN_HOUSE), (4 * YEAR, LENT), (3 * YEAR + timedelta(days=30), LENT)):
        answer(db, device, answers, at=now - age)
        answer(db, other, answers, at=now - age - timedelta(hours=1))
    answer(db, device, IN_HOUSE, at=now - YEAR)
    answer(db, other, IN_HOUSE, at=now - YEAR)
    db.commit()
    assert rotate_submissions()["archived"] == 6
    return device


def history(client, device, staff, **params) -> dict:
    response = client.get(f"/api/loaners/devices/{device.id}/submissions", params=params, headers=staff)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_scoped_staff_member_sees_the_archived_rows_of_a_rotated_device(client, db, rotated):
    staff = headers(db, "kansai-staff", scope="関西")
    db.commit()
    page = history(client, rotated, staff)
    assert page["total"] == 4
    assert [row["archived"] for row in page["items"]] == [False, True, True, True]
    assert [row["status"] for row in page["items"]] == ["3.社内にて保管中", "1.貸出中", "1.貸出中", "3.社内にて保管中"]
    assert [row["status_changed"] for row in page["items"]] == [True, False, True, True]
    assert {row["device_id"] for row in page["items"]} == {rotated.id}
    times = [row["submitted_at"] for row in page["items"]]
    assert times == sorted(times, reverse=True)

    rows = csv_download(client.get(f"/api/loaners/devices/{rotated.id}/submissions/export", headers=staff))
    assert rows[0][-1] == "保存先" and [row[-1] for row in rows[1:]] == ["", "アーカイブ", "アーカイブ", "アーカイブ"]
    assert [row[0] for row in rows[1:]] == [
        csv_cell(datetime.fromisoformat(row["submitted_at"])) for row in page["items"]
    ]


@pytest.mark.dialect
def test_pages_run_across_the_archive_and_an_older_stored_row_comes_last(client, db, rotated):
    answer(db, rotated, IN_HOUSE | {"0-1.担当者": "取込"}, at=utcnow() - 6 * YEAR)  # an old sheet imported later
    staff = headers(db, "staff1")
    db.commit()
    pages = [history(client, rotated, staff, page=n, page_size=2) for n in (1, 2, 3)]
    assert [page["total"] for page in pages] == [5, 5, 5]
    assert [[row["archived"] for row in page["items"]] for page in pages] == [[False, True], [True, True], [False]]
    assert pages[2]["items"][0]["answers"]["0-1.担当者"] == "取込"
    whole = [row["id"] for row in history(client, rotated, staff, page_size=100)["items"]]
    assert whole == [row["id"] for page in pages for row in page["items"]]


def test_another_jurisdictions_staff_get_404_for_the_history_and_its_csv(client, db, rotated):
    add_location(db, "tokyo", "関東", name="東京")
    kanto = headers(db, "kanto-staff", scope="関東")
    db.commit()
    for path in ("", "/export"):
        response = client.get(f"/api/loaners/devices/{rotated.id}/submissions{path}", headers=kanto)
        assert response.status_code == 404, path
