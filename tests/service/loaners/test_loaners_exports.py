"""The loaners lists' downloads: NORMAL, AUDIT and a device's timeline, every row the filters select in the
caller's 管轄, across batches; every list's times written as times (a date cell in Excel, a bare time in the CSV)."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from service.config import get_settings
from tests.service.loaners.conftest import IN_HOUSE, LENT, add_location, answer, headers, make_device
from tests.support.downloads import csv_download, xlsx_download

NORMAL = "/api/loaners/views/normal"
AT = datetime(2026, 1, 5, 0, 30, tzinfo=UTC)


@pytest.fixture
def devices(db, monkeypatch):
    """Five devices in Osaka (関西), three of them lent, and one lent in Tokyo (関東); exports read 2 rows a batch."""
    add_location(db, "tokyo", "関東", name="東京")
    osaka = [make_device(db, "osaka", serial=f"OSK{n}") for n in range(5)]
    for n, device in enumerate(osaka):
        answer(db, device, LENT if n % 2 == 0 else IN_HOUSE, at=AT + timedelta(minutes=n))
    answer(db, make_device(db, "tokyo", serial="TKY1"), LENT | {"1-1.貸出先": "=cmd|' /C calc'!A0"}, at=AT)
    db.commit()
    monkeypatch.setattr(get_settings(), "export_batch", 2)
    return osaka


def test_the_normal_export_is_every_device_the_filters_select_under_every_column(client, db, devices):
    admin = headers(db, "loaners-admin", role="admin")
    db.commit()
    lent = {"status": "1.貸出中"}
    listed = client.get(NORMAL, params=lent | {"page_size": 100}, headers=admin).json()
    rows = csv_download(client.get(f"{NORMAL}/export", params=lent, headers=admin))
    assert rows[0] == listed["columns"]
    assert len(rows) - 1 == listed["total"] == 4
    number = rows[0].index("拠点管理番号")
    assert [row[number] for row in rows[1:]] == [item["values"]["拠点管理番号"] for item in listed["items"]]
    tokyo = next(row for row in rows[1:] if "TKY1" in row[number])
    assert tokyo[rows[0].index("1-1.貸出先")] == "'=cmd|' /C calc'!A0"
    assert tokyo[rows[0].index("タイムスタンプ")] == "2026-01-05 09:30:00"


def test_a_staff_member_downloads_only_the_devices_of_their_jurisdiction(client, db, devices):
    kansai = headers(db, "kansai-staff", scope="関西")
    db.commit()
    rows = csv_download(client.get(f"{NORMAL}/export", headers=kansai))
    assert len(rows) - 1 == 5 and not any("TKY1" in cell for row in rows for cell in row)
    another = client.get("/api/loaners/views/audit/export", params={"location_id": "tokyo"}, headers=kansai)
    assert another.status_code == 404 and another.json()["error"]["details"]["resource"] == "loaners_location"


@pytest.mark.dialect
def test_the_timeline_export_is_every_submission_newest_first(client, db, devices):
    staff = headers(db, "staff")
    device = devices[0]
    answer(db, device, IN_HOUSE, at=AT + timedelta(days=1))
    answer(db, device, LENT, at=AT + timedelta(days=2))
    db.commit()
    rows = csv_download(client.get(f"/api/loaners/devices/{device.id}/submissions/export", headers=staff))
    assert rows[0] == [
        "タイムスタンプ",
        "メールアドレス",
        "0-4.ステータス",
        "預かり機のステータス",
        "回答",
        "経路",
        "保存先",
    ]
    assert [row[0] for row in rows[1:]] == ["2026-01-07 09:30:00", "2026-01-06 09:30:00", "2026-01-05 09:30:00"]
    assert [row[2] for row in rows[1:]] == ["1.貸出中", "3.社内にて保管中", "1.貸出中"] and rows[1][5] == "フォーム"


TIMES = {  # a loaners list's download -> a column of times in it
    f"{NORMAL}/export": "タイムスタンプ",
    "/api/loaners/views/audit/export": "タイムスタンプ",
    "/api/loaners/views/summary/export": "保有開始",
    "/api/loaners/views/returns/export": "この状態になった日時",
}


def column(rows: list[list], header: str) -> list:
    at = rows[0].index(header)
    return [row[at] for row in rows[1:]]


@pytest.mark.dialect
def test_every_loaners_download_writes_times_as_times_in_excel_and_both_csvs(client, db, devices):
    device = devices[0]
    answer(db, device, LENT | {"預かり機のステータス": "1.返却可能"}, at=AT + timedelta(hours=1))
    admin = headers(db, "loaners-admin", role="admin")
    db.commit()
    timeline = f"/api/loaners/devices/{device.id}/submissions/export"
    for path, header in (TIMES | {timeline: "タイムスタンプ"}).items():
        times = column(xlsx_download(client.get(path, params={"format": "xlsx"}, headers=admin)), header)
        assert times and all(isinstance(time, datetime) for time in times), (path, times)
        written = [f"{time:%Y-%m-%d %H:%M:%S}" for time in times]
        utf8 = client.get(path, headers=admin)
        assert column(csv_download(utf8), header) == written
        assert f'"{written[0]}"'.encode() not in utf8.content  # bare, so a spreadsheet reads a time
        shift_jis = client.get(path, params={"encoding": "shift_jis"}, headers=admin)
        assert shift_jis.headers["content-type"] == "text/csv; charset=Shift_JIS"
        assert column(list(csv.reader(io.StringIO(shift_jis.content.decode("cp932")))), header) == written
    sheet = xlsx_download(client.get(timeline, params={"format": "xlsx"}, headers=admin))
    assert sheet[1][0] == datetime(2026, 1, 5, 10, 30)  # the newest answer, in Japan time
    normal = xlsx_download(client.get(f"{NORMAL}/export", params={"format": "xlsx"}, headers=admin))
    days = [days for days in column(normal, "預かり機のステータスの日数") if days is not None]
    assert days and all(isinstance(count, int) for count in days)  # a number of days, not its digits
