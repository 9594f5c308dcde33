"""「カードを忘れた方」 at the station: staff set the nursery's PIN; at the door they unlock with it (locked after 5
failures, as a login), find a parent or today's 「本日のみ」 person by ふりがな or the phone's last 4 digits (at most
10), and record 入/出 as 手入力 with who and why, audited. Nothing of the roster answers without the unlock. The clock
is set to a morning: the unlock's few minutes are moved past, and the day never ends mid-test."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from service.audit.models import AuditEntry
from service.audit.service import SYSTEM
from service.database import utcnow
from service.entry_logs.attendance import service as attendance
from service.entry_logs.lookups import local_today
from service.entry_logs.models import EntryLog, Parent
from service.identity.security import bcrypt_cost, hash_password
from tests.conftest import TEST_BCRYPT_ROUNDS
from tests.service.entry_logs.world import World, make_world, scan, staff_headers
from tests.support.clock import clock_at, japan_time

MORNING = japan_time(2026, 6, 1, 9, 0)
PIN = "4321"
UNLOCK = "/api/entry-exit-logs/forgotten-card/unlock"
PEOPLE = "/api/entry-exit-logs/forgotten-card/people"
RECORD = "/api/entry-exit-logs/forgotten-card/logs"


def pin_url(world: World) -> str:
    return f"/api/entry-logs/nurseries/{world.nursery.id}/station-pin"


@pytest.fixture
def door(client, db):
    """At 09:00: さくら保育園 with its PIN set and readings (ふりがな) for its parents, and its staff's headers."""
    with clock_at(MORNING):
        yield opened_door(client, db)


def opened_door(client, db) -> tuple[World, dict[str, str]]:
    world = make_world(db, "sakura", name="さくら保育園")
    staff = staff_headers(db, world)
    assert client.put(pin_url(world), json={"pin": PIN}, headers=staff).status_code == 204
    for parent, reading in zip(world.parents, ("ヤマダ ハナコ", "ｻﾄｳ ﾀﾛｳ", "すずき じろう"), strict=True):
        changed = client.patch(f"/api/entry-logs/parents/{parent.id}", json={"nameKana": reading}, headers=staff)
        assert changed.status_code == 200, changed.text
    return world, staff


def unlock(client, world: World, pin: str = PIN, staff_name: str = "田中 先生") -> dict:
    response = client.post(UNLOCK, json={"pin": pin, "staffName": staff_name}, headers=world.station_headers)
    return {"status": response.status_code, **response.json()}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def found(client, token: str, q: str) -> list[str]:
    response = client.get(PEOPLE, params={"q": q}, headers=bearer(token))
    assert response.status_code == 200, response.text
    return [person["name"] for person in response.json()["people"]]


def audited(db, action: str) -> list[AuditEntry]:
    rows = list(db.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)))
    db.commit()
    return rows


def test_staff_set_and_clear_the_pin_audited_without_it(client, db, door):
    world, staff = door
    other = make_world(db, "himawari")
    db.commit()
    nursery = client.get(f"/api/entry-logs/nurseries/{world.nursery.id}", headers=staff).json()
    assert nursery["stationPinSet"] is True
    refused = client.put(pin_url(world), json={"pin": "12a4"}, headers=staff)
    assert refused.status_code == 422 and "数字4〜8桁" in refused.json()["error"]["details"][0]["message"]
    assert client.put(pin_url(other), json={"pin": "9999"}, headers=staff).status_code == 404
    assert client.put(pin_url(world), json={"pin": "56789012"}, headers=staff).status_code == 204
    assert client.delete(pin_url(world), headers=staff).status_code == 204
    assert client.get(f"/api/entry-logs/nurseries/{world.nursery.id}", headers=staff).json()["stationPinSet"] is False
    changes = [entry.changes for entry in audited(db, "set_station_pin") + audited(db, "clear_station_pin")]
    assert changes == [
        {"station_pin": {"before": None, "after": "set"}},
        {"station_pin": {"before": "set", "after": "changed"}},
        {"station_pin": {"before": "set", "after": None}},
    ]
    assert PIN not in str(changes) and "56789012" not in str(changes)
    cleared = unlock(client, world)
    assert (cleared["status"], cleared["error"]["code"]) == (409, "pin_not_set")


def test_a_pin_at_another_cost_is_rehashed_at_its_next_unlock(client, db, door):
    world, _ = door
    world.nursery.station_pin_hash = hash_password(PIN, rounds=TEST_BCRYPT_ROUNDS + 1)
    db.commit()
    with clock_at(MORNING):
        assert unlock(client, world)["status"] == 200
        db.expire_all()
        rehashed = world.nursery.station_pin_hash or ""
        db.commit()
        assert bcrypt_cost(rehashed) == TEST_BCRYPT_ROUNDS
        assert unlock(client, world)["status"] == 200
    db.expire_all()
    assert world.nursery.station_pin_hash == rehashed


@pytest.mark.dialect
def test_nothing_of_the_roster_answers_without_the_unlock(client, door):
    world, staff = door
    for headers in ({}, world.station_headers, staff, bearer("not-a-token")):
        response = client.get(PEOPLE, params={"q": "やまだ"}, headers=headers)
        assert response.status_code == 401, response.text
        assert "山田" not in response.text and "sakura保護者" not in response.text
        record = client.post(RECORD, json={"parentId": world.parents[0].id, "entryType": "Entry", "reason": "忘れ"})
        assert record.status_code == 401
    wrong = unlock(client, world, pin="0000")
    assert (wrong["status"], wrong["error"]["details"]["attempts_left"]) == (401, 4)
    assert "token" not in wrong


@pytest.mark.dialect
def test_staff_find_a_person_and_record_their_entry_by_hand_audited(client, db, door):
    world, staff = door
    token = unlock(client, world)["token"]
    assert found(client, token, "やまだ") == ["sakura保護者0"]
    assert found(client, token, "ハナコ") == ["sakura保護者0"]  # katakana is read as hiragana
    assert found(client, token, "さとう　たろう") == ["sakura保護者1"]  # full-width space
    assert found(client, token, "0002") == ["sakura保護者2"]  # the phone's last 4 digits: 090-0000-0002
    assert found(client, token, "sakura保護者1") == ["sakura保護者1"]
    assert found(client, token, "わたなべ") == []

    person = client.get(PEOPLE, params={"q": "すずき"}, headers=bearer(token)).json()["people"][0]
    assert person == {
        "parentId": world.parents[2].id,
        "name": "sakura保護者2",
        "nameKana": "すずき じろう",
        "kind": "parent",
        "kindLabel": "保護者",
        "relation": "",
        "phoneLast4": "0002",
        "childNames": ["sakura園児2"],
        "inside": False,
    }
    body = {"parentId": person["parentId"], "entryType": "Entry", "reason": "カードを忘れたため"}
    recorded = client.post(RECORD, json=body, headers=bearer(token))
    assert recorded.status_code == 201, recorded.text
    log = recorded.json()
    assert (log["entryType"], log["recordedBy"], log["manualReason"], log["childNames"]) == (
        "Entry",
        "田中 先生",
        "カードを忘れたため",
        ["sakura園児2"],
    )
    assert client.get(PEOPLE, params={"q": "すずき"}, headers=bearer(token)).json()["people"][0]["inside"] is True
    listed = client.get("/api/entry-exit-logs", headers=staff).json()
    assert listed["totalCount"] == 1 and listed["logs"][0]["recordedBy"] == "田中 先生"
    stored = db.get(EntryLog, log["id"])
    assert (stored.decided_by, stored.station_id) == ("staff", None)
    db.commit()

    [unlocked] = audited(db, "unlock_forgotten_card")
    assert (unlocked.actor_type, unlocked.actor_label, unlocked.changes) == (
        "station",
        "田中 先生",
        {"staff_name": "田中 先生"},
    )
    [entry] = audited(db, "record_forgotten_card")
    assert (entry.target_type, entry.target_id, entry.actor_label) == ("entry_exit_log", str(log["id"]), "田中 先生")
    assert entry.changes["manual_reason"]["after"] == "カードを忘れたため"
    assert entry.changes["entry_type"]["after"] == "Entry"


@pytest.mark.dialect
def test_a_child_absent_today_is_listed_but_not_greeted_by_the_hand_recorded_entry(client, db, door):
    """As a scan: the greeting names the children expected today; the list names every child, to find the person."""
    world, _ = door
    parent, absent = world.parents[0], world.children[3]  # two children: 園児0 and 園児3
    attendance.set_attendance(db, child=absent, day=local_today(utcnow()), status="absent", note="", actor=SYSTEM)
    db.commit()
    token = unlock(client, world)["token"]

    person = client.get(PEOPLE, params={"q": "やまだ"}, headers=bearer(token)).json()["people"][0]
    body = {"parentId": parent.id, "entryType": "Entry", "reason": "カードを忘れたため"}
    greeted = [
        client.post(RECORD, json={**body, "entryType": kind}, headers=bearer(token)) for kind in ("Entry", "Exit")
    ]

    assert person["childNames"] == ["sakura園児0", "sakura園児3"]
    assert [(r.status_code, r.json()["childNames"]) for r in greeted] == [(201, ["sakura園児0"])] * 2


def test_the_list_shows_at_most_ten_and_todays_passes_only(client, db, door):
    world, staff = door
    for number, reading in enumerate("あいうえおかきくけこさ"):
        body = {"nurseryId": world.nursery.id, "name": f"山田 {number}", "nameKana": f"やまだ {reading}"}
        assert client.post("/api/entry-logs/parents", json=body, headers=staff).status_code == 201
    today = local_today(utcnow())
    for name, reading, day in (
        ("山田 今日", "やまだ きょう", today),
        ("山田 明日", "やまだ あす", today + timedelta(days=1)),
    ):
        body = {"name": name, "nameKana": reading, "relation": "祖母", "date": day.isoformat()}
        passes = f"/api/entry-logs/nurseries/{world.nursery.id}/pickup-passes"
        assert client.post(passes, json=body | {"childIds": [world.children[1].id]}, headers=staff).status_code == 201
    token = unlock(client, world)["token"]

    answer = client.get(PEOPLE, params={"q": "やまだ"}, headers=bearer(token)).json()
    assert len(answer["people"]) == 10 and answer["more"] is True
    today_only = client.get(PEOPLE, params={"q": "ヤマダキョウ"}, headers=bearer(token)).json()
    assert [(p["name"], p["kind"], p["kindLabel"], p["childNames"]) for p in today_only["people"]] == [
        ("山田 今日", "pass", "本日のみ", ["sakura園児1"])
    ]
    assert found(client, token, "やまだ あす") == []
    tomorrows = db.scalar(select(Parent.id).where(Parent.name == "山田 明日"))
    db.commit()
    body = {"parentId": tomorrows, "entryType": "Entry", "reason": "カードを忘れたため"}
    refused = client.post(RECORD, json=body, headers=bearer(token))
    assert refused.status_code == 422 and refused.json()["error"]["details"]["rule"] == "pass_of_today"


def test_another_nurserys_person_and_station_see_nothing(client, db, door):
    world, _ = door
    other = make_world(db, "himawari")
    db.commit()
    token = unlock(client, world)["token"]
    assert found(client, token, "himawari保護者0") == []
    body = {"parentId": other.parents[0].id, "entryType": "Entry", "reason": "カードを忘れたため"}
    assert client.post(RECORD, json=body, headers=bearer(token)).status_code == 404
    assert db.scalar(select(func.count()).select_from(EntryLog)) == 0
    db.commit()
    assert unlock(client, other)["error"]["code"] == "pin_not_set"  # its own nursery's PIN, which it has not


@pytest.mark.dialect
def test_five_wrong_pins_lock_the_pin_as_a_login_and_are_audited(client, db, door):
    world, _ = door
    answers = [unlock(client, world, pin="1111") for _ in range(5)]
    assert [answer["status"] for answer in answers] == [401, 401, 401, 401, 423]
    assert unlock(client, world)["status"] == 423  # the right PIN too, while locked
    failures = audited(db, "unlock_forgotten_card_failed")
    assert [entry.changes.get("lock") for entry in failures] == [None, None, None, None, "account_locked"]
    assert {entry.changes["reason"] for entry in failures} == {"bad_pin"}


@pytest.mark.dialect
def test_the_unlock_ends_after_a_few_minutes_and_with_the_station(client, db, door):
    world, staff = door
    token = unlock(client, world)["token"]
    assert found(client, token, "やまだ") == ["sakura保護者0"]
    with clock_at(MORNING + timedelta(minutes=6)):
        expired = client.get(PEOPLE, params={"q": "やまだ"}, headers=bearer(token))
        assert expired.status_code == 401 and "もう一度暗証番号" in expired.json()["error"]["message"]
        token = unlock(client, world)["token"]
        sign_out = f"/api/entry-logs/nurseries/{world.nursery.id}/stations/sign-out"
        assert client.post(sign_out, headers=staff).status_code == 204
        assert client.get(PEOPLE, params={"q": "やまだ"}, headers=bearer(token)).status_code == 401


@pytest.mark.dialect
def test_a_scan_after_a_hand_recorded_entry_is_the_exit(client, db, door):
    """The record is the person's state: in 自動 mode their next scan (the card found) records them leaving."""
    world, _ = door
    token = unlock(client, world)["token"]
    body = {"parentId": world.parents[0].id, "entryType": "Entry", "reason": "カードを忘れたため"}
    assert client.post(RECORD, json=body, headers=bearer(token)).status_code == 201
    with clock_at(MORNING + timedelta(hours=6)):
        left = scan(client, world, world.parents[0].id, "Entry")
    assert (left.json()["entryType"], left.json()["decidedBy"]) == ("Exit", "presence")
