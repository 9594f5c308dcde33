"""On call and the team's hours (§2.3.1, §2.3.2, §5.2.1): who is on duty by the rotation (by week, by day; a night
belongs to the day before, a holiday and a weekend are on call), an override covering days, the rules refused in
Japanese, operations' targets counted in the team's hours (緊急 round the clock), and the pages: the person on duty
paged by SMS, a voice call and a Slack mention, the next of the chain when the target passes unacknowledged, nobody
twice, and the acknowledgement (the button, or 1 pressed in the call: Twilio's signed <Gather>); the shifts and the
overrides as CSV, Excel and Shift_JIS. The sweep and the paging task run in-process here; through the real worker in
tests/jobs/test_oncall_paging.py."""

from datetime import datetime, timedelta
from urllib.parse import urlencode, urlsplit
from xml.etree import ElementTree

import pytest
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from service.audit.models import AuditEntry
from service.config import get_settings
from service.database import session_scope, utcnow
from service.outbox import content
from service.reservations.models import PageStep
from service.reservations.oncall import paging
from tests.factories import auth_headers, make_user
from tests.service.reservations.conftest import book, headers_for, messages
from tests.support.clock import clock_at, japan_time
from tests.support.downloads import csv_download, xlsx_download

ROOT = "/api/reservations/on-call"
WEDNESDAY = japan_time(2026, 11, 18, 14, 0)  # the rotation's first week (from Monday the 16th)
FRIDAY_EVENING = japan_time(2026, 11, 20, 17, 30)  # Monday the 23rd is 勤労感謝の日
PHONES = {"a": "+819011110001", "b": "+819011110002", "c": "+819011110003"}


def operators(db) -> dict[str, int]:
    """Three reservations operators, committed: their user ids by letter."""
    people = {
        letter: make_user(db, f"oncall-{letter}", name=f"当番{letter.upper()}", grants={"reservations": "operator"})
        for letter in PHONES
    }
    db.commit()
    return {letter: user.id for letter, user in people.items()}


def rotation(client, headers, ids: dict[str, int], *, period="week", starts_on="2026-11-16", order="abc") -> dict:
    members = [
        {"user_id": ids[letter], "phone": PHONES[letter], "slack_user_id": f"U0{letter.upper()}00"} for letter in order
    ]
    answer = client.put(
        f"{ROOT}/rotation", json={"period": period, "starts_on": starts_on, "members": members}, headers=headers
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def on_duty(client, headers, at) -> dict:
    answer = client.get(f"{ROOT}/on-duty", params={"at": at.isoformat()}, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


def who(client, headers, at) -> tuple:
    duty = on_duty(client, headers, at)
    return duty["name"], duty["source"], duty["business_hours"]


def audit(action: str) -> list[dict]:
    with session_scope() as session:
        entries = select(AuditEntry.changes).where(AuditEntry.action == action).order_by(AuditEntry.id)
        return list(session.scalars(entries))


def test_the_rotation_by_week_and_by_day_names_who_is_on_duty_in_hours_at_night_weekends_and_holidays(client, db):
    ids = operators(db)
    with clock_at(WEDNESDAY):
        operator = headers_for(db, "operator")
        rotation(client, operator, ids)

        assert who(client, operator, WEDNESDAY) == ("当番A", "rotation", True)
        assert who(client, operator, japan_time(2026, 11, 18, 23, 0)) == ("当番A", "rotation", False)  # night
        assert who(client, operator, japan_time(2026, 11, 21, 14, 0)) == ("当番A", "rotation", False)  # Saturday
        assert who(client, operator, japan_time(2026, 11, 23, 8, 59)) == ("当番A", "rotation", False)  # Sunday's
        holiday = on_duty(client, operator, japan_time(2026, 11, 23, 14, 0))
        assert (holiday["name"], holiday["business_hours"]) == ("当番B", False)  # the second week, a holiday
        assert holiday["holiday_name"] == "勤労感謝の日" and holiday["hours_label"] == "営業時間外（オンコール）"
        assert who(client, operator, japan_time(2026, 12, 1, 10, 0)) == ("当番C", "rotation", True)
        assert who(client, operator, japan_time(2026, 12, 7, 10, 0)) == ("当番A", "rotation", True)  # round again

        rotation(client, operator, ids, period="day", starts_on="2026-11-20", order="ab")
        assert who(client, operator, japan_time(2026, 11, 21, 3, 0)) == ("当番A", "rotation", False)  # Friday's
        assert who(client, operator, japan_time(2026, 11, 21, 9, 0)) == ("当番B", "rotation", False)
        schedule = client.get(ROOT, headers=operator).json()

    assert schedule["now"]["name"] == "当番A" and schedule["business_hours"] == "平日 9:00〜18:00（土日祝を除く）"
    assert [shift["name"] for shift in schedule["upcoming"][:3]] == ["当番A", "当番B", "当番A"]
    [first, second] = audit("set_oncall_rotation")
    assert first["members"]["before"] is None and len(first["members"]["after"]) == 3
    assert second["period"] == {"before": "week", "after": "day"}
    assert second["members"]["after"] == ["当番A（+819011110001 @U0A00）", "当番B（+819011110002 @U0B00）"]


def test_an_override_covers_its_days_and_the_rules_are_refused_in_japanese(client, db):
    ids = operators(db)
    with clock_at(WEDNESDAY):
        operator = headers_for(db, "operator")
        rotation(client, operator, ids)
        body = {"user_id": ids["b"], "start_date": "2026-11-18", "end_date": "2026-11-19", "note": "Aの通院"}
        created = client.post(f"{ROOT}/overrides", json=body, headers=operator)
        assert created.status_code == 201, created.text
        assert who(client, operator, WEDNESDAY) == ("当番B", "override", True)
        assert who(client, operator, japan_time(2026, 11, 20, 8, 0)) == ("当番B", "override", False)
        assert who(client, operator, japan_time(2026, 11, 20, 9, 0)) == ("当番A", "rotation", True)

        overlap = client.post(f"{ROOT}/overrides", json=body | {"user_id": ids["c"]}, headers=operator)
        backwards = client.post(f"{ROOT}/overrides", json=body | {"end_date": "2026-11-17"}, headers=operator)
        kept = client.put(
            f"{ROOT}/rotation",
            json={
                "period": "week",
                "starts_on": "2026-11-16",
                "members": [{"user_id": ids["a"], "phone": PHONES["a"]}],
            },
            headers=operator,
        )
        support = client.post(f"{ROOT}/overrides", json=body, headers=headers_for(db, "support"))
        deleted = client.delete(f"{ROOT}/overrides/{created.json()['id']}", headers=operator)
        again = client.delete(f"{ROOT}/overrides/{created.json()['id']}", headers=operator)
        back = who(client, operator, WEDNESDAY)
        overrides = client.get(ROOT, headers=operator).json()["overrides"]

    assert overlap.status_code == 409 and overlap.json()["error"]["message"] == (
        "期間が当番Bさんの代番（11月18日〜11月19日）と重なっています"
    )
    assert backwards.status_code == 422
    assert backwards.json()["error"]["details"] == {"field": "end_date", "rule": "after_start_date"}
    assert backwards.json()["error"]["message"] == "代番の終了日は開始日以降にしてください"
    assert kept.status_code == 409 and kept.json()["error"]["message"].startswith("当番Bさんには今後の代番")
    assert support.status_code == 403
    assert deleted.status_code == 204 and again.status_code == 404 and back == ("当番A", "rotation", True)
    assert overrides == []
    [created_entry] = audit("create_oncall_override")
    assert created_entry["user_id"]["after"] == ids["b"] and created_entry["note"]["after"] == "Aの通院"
    [deleted_entry] = audit("delete_oncall_override")
    assert deleted_entry["start_date"] == {"before": "2026-11-18", "after": None}


def test_people_of_other_domains_and_tenants_are_never_on_call_and_nothing_is_written(client, db):
    ids = operators(db)
    fleet_user = make_user(db, "fleet-tenant-op", grants={"fleet": ("operator", "1")})
    support = make_user(db, "resv-support-2", grants={"reservations": "support"})
    gone = make_user(db, "resv-gone", grants={"reservations": "operator"}, is_active=False)
    db.commit()
    with clock_at(WEDNESDAY):
        operator = headers_for(db, "operator")
        refused = [
            client.put(
                f"{ROOT}/rotation",
                json={
                    "period": "week",
                    "starts_on": "2026-11-16",
                    "members": [{"user_id": user, "phone": PHONES["a"]}],
                },
                headers=operator,
            )
            for user in (fleet_user.id, support.id, gone.id, 999_999)
        ]
        twice = client.put(
            f"{ROOT}/rotation",
            json={
                "period": "week",
                "starts_on": "2026-11-16",
                "members": [{"user_id": ids["a"], "phone": PHONES["a"]}] * 2,
            },
            headers=operator,
        )
        empty = client.get(ROOT, headers=operator).json()
        rotation(client, operator, ids)
        override = client.post(
            f"{ROOT}/overrides",
            json={"user_id": fleet_user.id, "start_date": "2026-11-18", "end_date": "2026-11-18"},
            headers=operator,
        )
        fleet_reads = client.get(ROOT, headers=auth_headers(fleet_user))
        unknown = client.delete(f"{ROOT}/overrides/999999", headers=operator)

    for answer in refused:
        assert answer.status_code == 422, answer.text
        assert answer.json()["error"]["message"] == "当番は予約の運営担当者（有効なアカウント）から選んでください"
        assert answer.json()["error"]["details"]["rule"] == "reservations_operator"
    assert twice.status_code == 422 and twice.json()["error"]["details"]["rule"] == "unique_member"
    assert empty["rotation"] is None and empty["now"]["name"] is None
    assert (
        override.status_code == 422
        and override.json()["error"]["message"] == "代番は当番表のメンバーから選んでください"
    )
    assert fleet_reads.status_code == 403 and unknown.status_code == 404
    assert len(audit("set_oncall_rotation")) == 1 and audit("create_oncall_override") == []


def create_operation(client, headers, code: str, op_type: str) -> dict:
    answer = client.post(
        "/api/reservations/manual-operations",
        json={"reservation_code": code, "op_type": op_type, "reason": "テスト"},
        headers=headers,
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


@pytest.mark.dialect
def test_an_operations_target_counts_the_teams_hours_across_a_weekend_and_a_holiday_but_urgent_runs_always(
    client, db, catalog
):
    person = make_user(db, "resv-support", grants={"reservations": "support"})
    db.commit()
    with clock_at(FRIDAY_EVENING):
        support = auth_headers(person)
        code = book(catalog["service_id"], days=10)
        high = create_operation(client, support, code, "all_shops_declined")
        medium = create_operation(client, support, code, "change_request")
        urgent = create_operation(client, support, code, "sms_failed")
    with clock_at(japan_time(2026, 11, 23, 12, 0)):  # the holiday: nothing of the team's hour has passed
        queue = client.get("/api/reservations/manual-operations", headers=auth_headers(person)).json()["items"]
    listed = {op["id"]: op for op in queue}

    due = {
        name: minute(listed[op["id"]]["due_at"])
        for name, op in (("high", high), ("medium", medium), ("urgent", urgent))
    }
    assert due == {
        "high": japan_time(2026, 11, 24, 9, 30),  # 30 minutes on Friday, 30 on Tuesday
        "medium": japan_time(2026, 11, 24, 10, 30),
        "urgent": japan_time(2026, 11, 20, 18, 0),
    }
    assert [listed[op["id"]]["overdue"] for op in (high, medium, urgent)] == [False, False, True]


def minute(written: str) -> datetime:
    """A time the API wrote, to the minute (the test's clock ticks on from where it was set)."""
    return datetime.fromisoformat(written).replace(second=0, microsecond=0)


def sweep(at) -> int:
    with session_scope() as session:
        return paging.sweep(session, now=at)


def paged(letter: str) -> list[str]:
    """The channels that paged this person (SMS, voice), in order."""
    return [
        m.channel for m in messages("sms") + messages("voice") if m.recipient == PHONES[letter] and m.ref_type == "page"
    ]


@pytest.mark.dialect
def test_an_urgent_operation_pages_the_person_on_duty_then_the_next_until_acknowledged_and_nobody_twice(
    client, db, catalog
):
    ids = operators(db)
    person = make_user(db, "resv-operator", grants={"reservations": "operator"})
    db.commit()
    with clock_at(FRIDAY_EVENING):
        operator = auth_headers(person)
        rotation(client, operator, ids)
        code = book(catalog["service_id"], days=10)
        urgent = create_operation(client, operator, code, "sms_failed")
        medium = create_operation(client, operator, code, "change_request")
        opened = utcnow()
    assert paged("a") == []  # the request pages nobody itself: the worker does (its task at once, else the sweep)

    assert sweep(opened) == 1 and sweep(opened) == 0  # the same moment again: nobody paged twice
    assert paged("a") == ["sms", "voice"] and paged("b") == []
    [sms] = [m for m in messages("sms") if m.recipient == PHONES["a"]]
    assert sms.body.startswith(f"【QRV当番呼び出し】緊急: 予約ID: {code} のSMS送信が全て失敗。")
    [post] = [m for m in messages("slack") if "当番呼び出し" in m.body]
    assert content.slack(content.of_message(post.body, post.payload)).startswith("<@U0A00> 当番呼び出し（当番）")
    assert post.body.startswith("@当番A 当番呼び出し（当番）")
    assert sweep(opened + timedelta(minutes=29)) == 0
    assert sweep(opened + timedelta(minutes=31)) == 1 and paged("b") == ["sms", "voice"]  # 30 minutes unacknowledged
    with clock_at(FRIDAY_EVENING + timedelta(minutes=32)):
        operator = auth_headers(person)
        queue = client.get("/api/reservations/manual-operations", headers=operator).json()["items"]
        acknowledged = client.post(f"/api/reservations/manual-operations/{urgent['id']}/acknowledge", headers=operator)
        twice = client.post(f"/api/reservations/manual-operations/{urgent['id']}/acknowledge", headers=operator)
        not_paged = client.post(f"/api/reservations/manual-operations/{medium['id']}/acknowledge", headers=operator)
    assert sweep(opened + timedelta(hours=2)) == 0 and paged("c") == []

    shown = {op["id"]: op["paging"] for op in queue}
    assert shown[medium["id"]] is None
    assert shown[urgent["id"]]["paged_name"] == "当番B" and shown[urgent["id"]]["steps"] == 2
    assert acknowledged.status_code == 200 and acknowledged.json()["paging"]["acknowledged_by"] == "resv-operator"
    assert twice.status_code == 409 and twice.json()["error"]["message"] == "この呼び出しには応答済みです"
    assert not_paged.status_code == 409 and not_paged.json()["error"]["code"] == "not_paged"
    [entry] = audit("acknowledge_page")
    assert entry["acknowledged_by"]["after"] == "resv-operator"
    with session_scope() as session:
        second = session.scalar(select(PageStep).where(PageStep.step == 1))
        assert second.acknowledge_by == second.paged_at + timedelta(minutes=30)


@pytest.mark.dialect
def test_a_high_operation_at_night_pages_on_call_and_escalates_only_when_its_working_hour_has_passed(
    client, db, catalog
):
    ids = operators(db)
    with clock_at(FRIDAY_EVENING):
        operator = headers_for(db, "operator")
        rotation(client, operator, ids)
        code = book(catalog["service_id"], days=10)
        create_operation(client, operator, code, "all_shops_declined")
        opened = utcnow()
    sweep(opened)
    assert paged("a") == ["sms", "voice"]
    assert sweep(japan_time(2026, 11, 23, 23, 0)) == 0 and paged("b") == []  # the holiday's night: still in time
    assert sweep(japan_time(2026, 11, 24, 9, 31)) == 1 and paged("b") == ["sms", "voice"]


@pytest.mark.dialect
def test_a_critical_incident_pages_until_it_is_responded_to_and_without_a_rotation_slack_hears_once(client, db):
    operator = headers_for(db, "operator")
    occurred = utcnow() - timedelta(minutes=5)
    incident = client.post(
        "/api/reservations/incidents",
        json={"title": "決済停止", "level": "critical", "occurred_at": occurred.isoformat()},
        headers=operator,
    ).json()
    sweep(utcnow())
    sweep(utcnow())
    nobody = [m.body for m in messages("slack") if "当番表が設定されていない" in m.body]
    assert nobody == [
        f"当番表が設定されていないため、当番を呼び出せません: インシデント #{incident['id']}: 決済停止（Critical）"
    ]

    ids = operators(db)
    rotation(client, operator, ids, period="day", starts_on="2026-01-01", order="abc")
    second = client.post(
        "/api/reservations/incidents",
        json={"title": "SMS送信停止", "level": "high", "occurred_at": occurred.isoformat()},
        headers=operator,
    ).json()
    assert sweep(utcnow()) == 1
    responded = client.patch(
        f"/api/reservations/incidents/{second['id']}", json={"responded_at": utcnow().isoformat()}, headers=operator
    )
    assert responded.json()["paging"]["steps"] == 1 and responded.json()["paging"]["acknowledged_at"] is None
    assert sweep(utcnow() + timedelta(hours=2)) == 0  # responded to: nobody else is paged
    assert len([m for m in messages("sms") if m.ref_type == "page"]) == 1


TWILIO_TOKEN = "twilio-auth-token-for-tests"


def press(client, action: str, digits: str, *, token: str = TWILIO_TOKEN):
    """The key as Twilio's <Gather> posts it to its action: a form signed by the Twilio SDK's RequestValidator."""
    form = {"CallSid": "CA0123456789abcdef0123456789abcdef", "Digits": digits, "AccountSid": "AC0123"}
    signature = RequestValidator(token).compute_signature(action, form)
    headers = {"X-Twilio-Signature": signature, "Content-Type": "application/x-www-form-urlencoded"}
    return client.post(urlsplit(action).path, content=urlencode(form), headers=headers)


def said(answer) -> list[str]:
    """What the TwiML answer says, in order (inside a <Gather> or not)."""
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/xml", answer.text
    return [say.text for say in ElementTree.fromstring(answer.content).iter("Say")]


@pytest.mark.dialect
def test_the_person_paged_acknowledges_by_pressing_1_in_the_call_and_nobody_else_is_paged(
    client, db, catalog, monkeypatch
):
    monkeypatch.setattr(get_settings(), "twilio_auth_token", TWILIO_TOKEN)
    ids = operators(db)
    with clock_at(FRIDAY_EVENING):
        operator = headers_for(db, "operator")
        rotation(client, operator, ids)
        code = book(catalog["service_id"], days=10)
        urgent = create_operation(client, operator, code, "sms_failed")
        opened = utcnow()
    assert sweep(opened) == 1
    [call] = [m for m in messages("voice") if m.ref_type == "page"]
    action = call.payload["gather_action"]
    assert action == f"{get_settings().public_base_url}/api/reservations/pages/{call.ref_id}/steps/0/keypress"
    assert call.body.endswith("応答する場合は、今すぐ1を押してください。")

    other_key = press(client, action, "2")
    forged = press(client, action, "1", token="not-our-token")
    unknown = press(client, action.replace("/steps/0/", "/steps/5/"), "1")
    with clock_at(FRIDAY_EVENING + timedelta(minutes=5)):
        pressed = press(client, action, "1")
        again = press(client, action, "1")
        queue = client.get("/api/reservations/manual-operations", headers=operator).json()["items"]
    assert sweep(opened + timedelta(minutes=31)) == 0 and paged("b") == []  # acknowledged: the chain stops

    assert said(other_key) == ["応答する場合は1を押してください。"] * 2
    assert [g.get("action") for g in ElementTree.fromstring(other_key.content).iter("Gather")] == [action] * 2
    assert forged.status_code == 400 and forged.json()["error"]["code"] == "invalid_signature"
    assert unknown.status_code == 404
    assert said(pressed) == ["応答を受け付けました。ほかの担当者は呼び出されません。"]
    assert said(again) == ["この呼び出しには応答済みです。"]
    [shown] = [op["paging"] for op in queue if op["id"] == urgent["id"]]
    assert shown["acknowledged_by"] == "当番A" and minute(shown["acknowledged_at"]) == minute(
        (FRIDAY_EVENING + timedelta(minutes=5)).isoformat()
    )
    with session_scope() as session:
        [entry] = session.scalars(select(AuditEntry).where(AuditEntry.action == "acknowledge_page"))
        assert (entry.actor_type, entry.actor_id, entry.target_id) == ("user", str(ids["a"]), str(urgent["id"]))


@pytest.mark.dialect
def test_a_new_operation_is_paged_by_its_own_task_at_once_and_the_sweep_pages_nobody_twice(client, db, catalog):
    ids = operators(db)
    with clock_at(FRIDAY_EVENING):
        operator = headers_for(db, "operator")
        rotation(client, operator, ids)
        code = book(catalog["service_id"], days=10)
        urgent = create_operation(client, operator, code, "sms_failed")
        medium = create_operation(client, operator, code, "change_request")
        opened = utcnow()

    def page_subject(operation: dict) -> int:  # what the worker's reservations.page_on_call runs
        with session_scope() as session:
            return paging.page_subject(session, subject="operation_id", subject_id=operation["id"], now=opened)

    assert [page_subject(urgent), page_subject(urgent), page_subject(medium)] == [1, 0, 0]
    assert sweep(opened) == 0 and paged("a") == ["sms", "voice"]
    assert sweep(opened + timedelta(minutes=31)) == 1 and paged("b") == ["sms", "voice"]  # the chain goes on
    assert page_subject(urgent) == 0  # a task sent late pages nobody twice


def test_the_shifts_the_holidays_and_the_overrides_download_as_csv_excel_and_shift_jis(client, db):
    ids = operators(db)
    with clock_at(WEDNESDAY):
        operator = auth_headers(make_user(db, "resv-operator", name="運営 花子", grants={"reservations": "operator"}))
        db.commit()
        rotation(client, operator, ids)
        holiday = {"user_id": ids["c"], "start_date": "2026-11-23", "end_date": "2026-11-23", "note": "祝日の代番"}
        assert client.post(f"{ROOT}/overrides", json=holiday, headers=operator).status_code == 201
        schedule = client.get(ROOT, headers=operator).json()
        shifts = csv_download(client.get(f"{ROOT}/shifts/export", headers=operator))
        month = csv_download(client.get(f"{ROOT}/shifts/export", params={"days": 31}, headers=operator))
        excel = xlsx_download(client.get(f"{ROOT}/shifts/export", params={"format": "xlsx"}, headers=operator))
        support = headers_for(db, "support")
        overrides = csv_download(client.get(f"{ROOT}/overrides/export", headers=support))
        shift_jis = client.get(f"{ROOT}/overrides/export", params={"encoding": "shift_jis"}, headers=support)
        holidays = csv_download(client.get(f"{ROOT}/holidays/export", headers=support))
        holidays_xlsx = xlsx_download(client.get(f"{ROOT}/holidays/export", params={"format": "xlsx"}, headers=support))
        too_far = client.get(f"{ROOT}/shifts/export", params={"days": 93}, headers=operator)
        executive = client.get(f"{ROOT}/overrides/export", headers=headers_for(db, "executive"))

    assert shifts[0] == ["当番日", "曜日", "日中", "担当者", "呼び出し先の電話番号", "区分"]
    assert shifts[1:3] == [
        ["2026-11-18", "水", "営業日", "当番A", "090-1111-0001", "当番表"],
        ["2026-11-19", "木", "営業日", "当番A", "090-1111-0001", "当番表"],
    ]
    assert shifts[6] == ["2026-11-23", "月", "勤労感謝の日", "当番C", "090-1111-0003", "代番"]
    assert [row[3] for row in shifts[1:]] == [shift["name"] for shift in schedule["upcoming"]]  # as the page lists
    assert len(month) == 32 and month[-1][:4] == ["2026-12-18", "金", "営業日", "当番B"]
    assert excel[6][:5] == [datetime(2026, 11, 23), "月", "勤労感謝の日", "当番C", "090-1111-0003"]
    assert overrides[0] == ["ID", "代番の担当者", "代番の開始日", "代番の終了日", "メモ", "登録者", "登録日時"]
    operator_name = "運営 花子"  # who registered the override, by name
    assert overrides[1][1:6] == ["当番C", "2026-11-23", "2026-11-23", "祝日の代番", operator_name]
    assert shift_jis.headers["content-type"] == "text/csv; charset=Shift_JIS"
    assert shift_jis.content.decode("cp932").splitlines()[1].split(",")[1:5] == [
        '"当番C"',
        "2026-11-23",
        "2026-11-23",
        '"祝日の代番"',
    ]
    assert [day["holiday_name"] for day in schedule["holidays"][:2]] == ["勤労感謝の日", "元日"]
    assert holidays[0] == [*shifts[0], "メモ", "登録者"]
    assert holidays[1] == [*shifts[6], "祝日の代番", operator_name]
    assert holidays[2][2] == "元日" and holidays[2][-3:] == ["当番表", "", ""]
    assert [row[0] for row in holidays[1:]] == [day["shift_day"] for day in schedule["holidays"]]
    assert holidays_xlsx[1][:3] == [datetime(2026, 11, 23), "月", "勤労感謝の日"]
    assert len(holidays_xlsx) == len(holidays)
    assert (schedule["holidays"][0]["registered_by"], schedule["holidays"][1]["registered_by"]) == (operator_name, "")
    assert (schedule["holidays"][0]["name"], schedule["holidays"][0]["source_label"]) == ("当番C", "代番")
    assert too_far.status_code == 422 and executive.status_code == 403
