"""The one search box (a device by any identifying or free-text answer, within the caller's 管轄), AUDIT as the
history of submissions with its filters, and the downloads equal to what the lists count, their times those the
lists show (§7's text on the page, a time in the file)."""

from datetime import UTC, datetime, timedelta

import pytest
from alembic.migration import MigrationContext
from alembic.operations import Operations
from alembic.script import ScriptDirectory
from sqlalchemy import delete, select

from service.config import get_settings
from service.loaners import search_text
from service.loaners.models import DeviceSearch
from tests.service.loaners.conftest import IN_HOUSE, LENT, add_location, answer, headers, make_device
from tests.support.database import alembic_config
from tests.support.downloads import csv_download

NORMAL = "/api/loaners/views/normal"
AUDIT = "/api/loaners/views/audit"
AT = datetime(2026, 3, 9, 15, 30, tzinfo=UTC)  # 2026/03/10 00:30 in Japan
RETURNED = {
    "0-1.担当者": "鈴木一郎",
    "0-4.ステータス": "2.回収後社内保管",
    "2-1.回収日": "2026-03-10",
    "2-2.回収時の状態": "正常",
}


@pytest.fixture
def fleet(db, monkeypatch):
    """Osaka (関西): a laptop lent to 株式会社サンプル物流, a printer in house; Tokyo (関東): a laptop lent to the same
    customer. Every export reads 2 rows a batch."""
    add_location(db, "tokyo", "関東", name="東京")
    lent = make_device(db, serial="SN-7781", asset_number="ASSET-4411", software="Office", os="Windows 11")
    printer = make_device(db, model_id="MODEL_003", serial="PR-01")
    theirs = make_device(db, "tokyo", serial="TK-01", asset_number="ASSET-9001")
    answer(db, lent, IN_HOUSE, at=AT - timedelta(days=3))
    answer(db, lent, LENT | {"1-1.貸出先": "株式会社サンプル物流", "0-5.備考": "液晶に傷あり"}, at=AT)
    answer(db, printer, RETURNED, at=AT + timedelta(days=1), email="printer@example.jp")
    answer(db, theirs, LENT | {"1-1.貸出先": "株式会社サンプル物流"}, at=AT)
    db.commit()
    monkeypatch.setattr(get_settings(), "export_batch", 2)
    return {"lent": lent, "printer": printer, "theirs": theirs}


def found(client, auth, q: str, path: str = NORMAL) -> list[int]:
    return [row["device_id"] for row in client.get(path, params={"q": q}, headers=auth).json()["items"]]


def test_one_search_box_finds_a_device_by_any_identifying_or_free_text_answer(client, db, fleet):
    admin = headers(db, "admin1", "admin")
    db.commit()
    lent, printer = fleet["lent"].id, fleet["printer"].id
    for term in ("asset-4411", "SN-778", "液晶に傷", "osaka_laptop"):
        assert found(client, admin, term) == [lent], term
    assert found(client, admin, "鈴木一") == [printer]  # the 担当者 of the printer's current answer
    for term in ("株式会社サンプル", "サンプル物", "thinkpad-x1", "山田太"):  # 貸出先, 機種名, 担当者
        assert sorted(found(client, admin, term)) == sorted([lent, fleet["theirs"].id]), term
    assert found(client, admin, "SN_7781") == [] and found(client, admin, "%") == []  # typed text, no wildcards


def full_width(text: str) -> str:
    """ASCII as typed with the IME left on: ＯＰＴ２７０５６４."""
    return "".join(chr(ord(char) + 0xFEE0) if "!" <= char <= "~" else char for char in text)


@pytest.mark.parametrize("path", [NORMAL, AUDIT])
def test_full_width_letters_and_digits_find_what_they_mean(client, db, fleet, path):
    admin = headers(db, "admin1", "admin")
    db.commit()
    lent = fleet["lent"]
    for term in (lent.management_number, "SN-7781", "asset-4411"):
        assert full_width(term) != term and lent.id in found(client, admin, full_width(term), path), term


@pytest.mark.dialect
def test_an_answer_written_full_width_is_found_by_what_it_means(client, db, fleet):
    """貸出先 written with the IME on (ＡＢＣ商事１号店) is stored as written; the search text reads it NFKC."""
    admin = headers(db, "admin1", "admin")
    answer(db, fleet["printer"], LENT | {"1-1.貸出先": "ＡＢＣ商事１号店"}, at=AT + timedelta(days=2))
    db.commit()
    for term in ("ABC商事1", "ａｂｃ商事１", "abc商事"):
        assert found(client, admin, term) == [fleet["printer"].id], term


@pytest.mark.dialect
def test_the_search_follows_the_current_answers_and_the_register(client, db, fleet):
    staff = headers(db, "staff1")
    db.commit()
    device = fleet["lent"]
    answer(db, device, IN_HOUSE | {"3-1-1.保管場所": "第二倉庫"}, at=AT + timedelta(days=2))
    db.commit()
    assert found(client, staff, "第二倉庫") == [device.id]
    assert device.id not in found(client, staff, "サンプル物流")  # no longer its current 貸出先
    edited = client.patch(f"/api/loaners/devices/{device.id}", json={"asset_number": "ASSET-NEW5"}, headers=staff)
    assert edited.status_code == 200
    assert found(client, staff, "new5") == [device.id] and found(client, staff, "ASSET-4411") == []
    registered = client.post(
        "/api/loaners/devices",
        json={"location_id": "osaka", "model_id": "MODEL_003", "serial_number": "FRESH-1"},
        headers=staff,
    ).json()
    assert found(client, staff, "fresh-1") == [registered["id"]]


def test_a_scoped_user_finds_only_the_devices_of_their_jurisdiction(client, db, fleet):
    kansai = headers(db, "kansai-staff", scope="関西")
    db.commit()
    assert found(client, kansai, "サンプル物流") == [fleet["lent"].id]
    assert found(client, kansai, "TK-01") == [] and found(client, kansai, "ASSET-9001", AUDIT) == []
    assert found(client, kansai, "サンプル物流", AUDIT) == [fleet["lent"].id, fleet["lent"].id]


def test_audit_filters_the_history_by_period_status_location_and_search(client, db, fleet):
    admin = headers(db, "admin1", "admin")
    db.commit()

    def listed(**params) -> list[tuple[int, str]]:
        page = client.get(AUDIT, params=params, headers=admin).json()
        assert page["total"] == len(page["items"]) and not page["more"]
        return [(row["device_id"], row["values"]["タイムスタンプ"]) for row in page["items"]]

    lent, printer, theirs = fleet["lent"].id, fleet["printer"].id, fleet["theirs"].id
    assert listed() == [
        (printer, "2026/03/11 00:30:00"),
        (theirs, "2026/03/10 00:30:00"),
        (lent, "2026/03/10 00:30:00"),
        (lent, "2026/03/07 00:30:00"),
    ]
    assert listed(**{"from": "2026-03-10", "to": "2026-03-10"}) == [(theirs, "2026/03/10 00:30:00")] + [
        (lent, "2026/03/10 00:30:00")
    ]  # whole days in Japan time: 00:30 on the 10th is the 10th, though 2026-03-09 in UTC
    assert listed(**{"to": "2026-03-09"}) == [(lent, "2026/03/07 00:30:00")]
    assert listed(**{"from": "2026-03-11"}) == [(printer, "2026/03/11 00:30:00")]
    assert listed(status="3.社内にて保管中") == [(lent, "2026/03/07 00:30:00")]
    assert listed(location_id="tokyo") == [(theirs, "2026/03/10 00:30:00")]
    assert listed(jurisdiction="関西", status="1.貸出中") == [(lent, "2026/03/10 00:30:00")]
    assert listed(q="PR-01") == [(printer, "2026/03/11 00:30:00")]
    assert listed(q="サンプル物流", **{"from": "2026-03-10"}, location_id="osaka") == [(lent, "2026/03/10 00:30:00")]
    backwards = client.get(AUDIT, params={"from": "2026-03-11", "to": "2026-03-10"}, headers=admin)
    assert (backwards.status_code, backwards.json()["error"]["details"]["rule"]) == (422, "period_order")
    assert client.get(AUDIT, params={"from": "2026/13/01"}, headers=admin).status_code == 422


@pytest.mark.dialect
def test_every_export_is_the_lists_filtered_total_with_the_times_it_shows(client, db, fleet):
    answer(
        db, fleet["lent"], LENT | {"1-1.貸出先": "株式会社サンプル物流", "預かり機のステータス": "1.返却可能"}, at=AT
    )
    admin = headers(db, "admin1", "admin")
    db.commit()
    for path, params in (
        (AUDIT, {}),
        (AUDIT, {"q": "サンプル", "from": "2026-03-10"}),
        (AUDIT, {"status": "1.貸出中", "jurisdiction": "関西"}),
        (NORMAL, {"q": "サンプル"}),
    ):
        listed = client.get(path, params=params | {"page_size": 100}, headers=admin).json()
        rows = csv_download(client.get(f"{path}/export", params=params, headers=admin))
        assert rows[0] == listed["columns"] and len(rows) - 1 == listed["total"] > 0, (path, params)
        stamp = rows[0].index("タイムスタンプ")
        assert [row[stamp].replace("-", "/") for row in rows[1:]] == [
            item["values"]["タイムスタンプ"] for item in listed["items"]
        ]
    audit = csv_download(client.get(f"{AUDIT}/export", headers=admin))
    assert audit[1][:2] == ["2026-03-11 00:30:00", "printer@example.jp"]
    summary = client.get("/api/loaners/views/summary", headers=admin).json()
    held = csv_download(client.get("/api/loaners/views/summary/export", params={"classified": True}, headers=admin))
    assert len(held) - 1 == summary["total"] > 0
    number = held[0].index("拠点管理番号")
    row = dict(zip(held[0], next(r for r in held[1:] if r[number] == fleet["lent"].management_number), strict=True))
    assert (row["拠点管理番号"], row["預かり機のステータス"], row["保有開始"]) == (
        fleet["lent"].management_number,
        "1.返却可能",
        "2026-03-10 00:30:00",
    )
    kansai = headers(db, "kansai-staff", scope="関西")
    db.commit()
    another = client.get(f"{AUDIT}/export", params={"location_id": "tokyo"}, headers=kansai)
    assert another.status_code == 404  # another 管轄's location, as its own routes answer


# The search-text migrations, in order: a migration keeps its own copy of the rule as it stood (a frozen snapshot),
# so a change of search_text.py needs one more migration rewriting the stored texts, added here.
SEARCH_TEXT_MIGRATIONS = ("0031_loaners_search", "0050_loaners_search_nfkc")


def run_migration_step(db, revision: str, step: str) -> None:
    """One function of a migration (its backfill), run by Alembic on the test's connection."""
    connection = db.connection()
    script = ScriptDirectory.from_config(alembic_config(connection)).get_revision(revision)
    assert script is not None, revision
    with Operations.context(MigrationContext.configure(connection)):
        getattr(script.module, step)()


@pytest.mark.dialect
def test_the_migrations_backfill_writes_the_search_text_the_live_rule_writes(db, fleet):
    """Devices of a database migrated before the search text existed are found as the register's own: the backfill
    of 0031 then 0050's NFKC write, for every device, what search_text.py writes today."""
    answer(db, fleet["printer"], RETURNED | {"0-5.備考": full_width("ABC商事1") + "　２号"}, at=AT + timedelta(days=2))
    search_text.refresh(db, None)
    live = dict(db.execute(select(DeviceSearch.device_id, DeviceSearch.search_text)).tuples().all())
    db.execute(delete(DeviceSearch))
    first, *rewrites = SEARCH_TEXT_MIGRATIONS
    run_migration_step(db, first, "_fill")
    for revision in rewrites:
        run_migration_step(db, revision, "upgrade")
    migrated = dict(db.execute(select(DeviceSearch.device_id, DeviceSearch.search_text)).tuples().all())
    assert len(live) == 3 and "ABC商事1 2号" in live[fleet["printer"].id]
    assert migrated == live, "search_text.py changed: add a migration rewriting the stored texts (and name it here)"
