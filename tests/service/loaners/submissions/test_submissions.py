"""Status submissions: checked against the form's data, appended, the latest is the current state, held status rules."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from service.database import utcnow
from service.loaners.models import Submission
from service.loaners.submissions import submissions
from service.outbox.models import OutboxMessage
from tests.service.loaners.conftest import IN_HOUSE, LENT, answer, headers, make_device
from tests.support.mail import sent_by_smtp
from tests.support.smtp import smtp_sink  # noqa: F401

pytestmark = pytest.mark.dialect

HELD = "1.返却可能"


def post(client, device_id, answers, staff):
    return client.post(f"/api/loaners/devices/{device_id}/submissions", json={"answers": answers}, headers=staff)


def test_every_answer_is_appended_and_the_latest_is_the_current_state(client, db):
    device = make_device(db)
    staff = headers(db, "staff1")
    db.commit()
    first = post(client, device.id, LENT | {"預かり機のステータス": HELD}, staff)
    assert first.status_code == 201
    assert (first.json()["status"], first.json()["held_status"]) == ("1.貸出中", HELD)
    second = post(client, device.id, IN_HOUSE, staff)
    assert second.status_code == 201
    detail = client.get(f"/api/loaners/devices/{device.id}", headers=staff).json()
    assert (detail["status"], detail["held_status"], detail["held_since"]) == ("3.社内にて保管中", None, None)
    assert detail["current"]["answers"] == IN_HOUSE
    assert detail["current"]["submitter_email"] == "staff1@example.jp"
    timeline = client.get(f"/api/loaners/devices/{device.id}/submissions", headers=staff).json()
    assert [(s["status"], s["status_changed"]) for s in timeline["items"]] == [
        ("3.社内にて保管中", True),
        ("1.貸出中", True),
    ]
    assert timeline["items"][1]["answers"]["預かり機のステータス"] == HELD
    assert db.scalar(select(func.count()).select_from(Submission)) == 2


def test_answers_hidden_by_the_status_are_dropped_and_dates_normalised(db):
    device = make_device(db)
    submission = answer(
        db, device, LENT | {"1-2.貸出日": "2024/7/1", "3-0.社内ステータス": "1.貸出可能", "2-1.回収日": ""}
    )
    assert submission.answers == LENT | {"1-2.貸出日": "2024/07/01"}  # §7: stored as yyyy/MM/dd


def test_bad_answers_are_422_naming_the_rule_and_nothing_is_stored(client, db):
    device = make_device(db)
    staff = headers(db, "staff1")
    db.commit()
    cases = (
        (LENT | {"0-4.ステータス": "9.行方不明"}, "not_a_choice", "0-4.ステータス"),
        (LENT | {"預かり機のステータス": "5.紛失"}, "not_a_choice", "預かり機のステータス"),
        ({k: v for k, v in LENT.items() if k != "1-1.貸出先"}, "required", "1-1.貸出先"),
        (LENT | {"1-2.貸出日": "7月1日"}, "date_format", "1-2.貸出日"),
        (LENT | {"9-9.謎の質問": "x"}, "unknown_question", "9-9.謎の質問"),
        (IN_HOUSE | {"3-0.社内ステータス": "3.修理中"}, "required", "3-3-1.修理依頼先"),
    )
    for answers, rule, field in cases:
        response = post(client, device.id, answers, staff)
        assert response.status_code == 422, rule
        assert (response.json()["error"]["details"]["rule"], response.json()["error"]["details"]["field"]) == (
            rule,
            field,
        )
    assert db.scalar(select(func.count()).select_from(Submission)) == 0
    db.refresh(device)
    assert (device.status, device.current_submission_id) == (None, None)


def test_held_status_is_cleared_when_the_status_or_the_custody_answer_changes(db):
    device = make_device(db)
    start = utcnow() - timedelta(days=10)
    answer(db, device, LENT | {"預かり機のステータス": HELD}, at=start)
    answer(db, device, LENT | {"預かり機のステータス": "3.お客様による返却拒否"}, at=start + timedelta(days=1))
    assert (device.held_status, device.held_since) == ("3.お客様による返却拒否", start)
    answer(db, device, LENT | {"1-4.ユーザー機の預り有無": "無し"}, at=start + timedelta(days=2))
    assert (device.held_status, device.held_since) == (None, None)
    answer(db, device, LENT | {"預かり機のステータス": HELD}, at=start + timedelta(days=3))
    assert device.held_since == start + timedelta(days=3)
    answer(db, device, IN_HOUSE, at=start + timedelta(days=4))
    assert (device.status, device.held_status, device.held_since) == ("3.社内にて保管中", None, None)


def test_switching_custody_to_none_clears_the_held_status_and_status_changed_follows_0_4(client, db):
    """§2.6.2: the form sends its prefilled 預かり機のステータス with 1-4 = 無し (or 0-4 off 1.貸出中): cleared."""
    device = make_device(db)
    staff = headers(db, "staff1")
    db.commit()
    first = post(client, device.id, LENT | {"預かり機のステータス": HELD}, staff)
    assert (first.status_code, first.json()["status_changed"]) == (201, True)
    released = post(client, device.id, LENT | {"1-4.ユーザー機の預り有無": "無し", "預かり機のステータス": HELD}, staff)
    assert released.status_code == 201, released.text
    assert (released.json()["held_status"], released.json()["status_changed"]) == (None, False)
    assert "預かり機のステータス" not in released.json()["answers"]
    stored = post(client, device.id, IN_HOUSE | {"預かり機のステータス": HELD}, staff)
    assert stored.status_code == 201, stored.text
    assert (stored.json()["held_status"], stored.json()["status_changed"]) == (None, True)
    detail = client.get(f"/api/loaners/devices/{device.id}", headers=staff).json()
    assert (detail["status"], detail["held_status"], detail["held_since"]) == ("3.社内にて保管中", None, None)


def test_a_late_answer_reports_status_changed_against_the_one_before_it(db):
    device = make_device(db)
    now = utcnow()
    answer(db, device, LENT, at=now - timedelta(hours=2))
    answer(db, device, IN_HOUSE, at=now)
    late = answer(db, device, LENT, at=now - timedelta(hours=1))
    assert submissions.status_changed(db, late) is False


def test_a_status_change_mails_the_location_group_only_when_it_opted_in(client, db, smtp_sink):
    device = make_device(db, "osaka")
    quiet = make_device(db, "kobe", serial="QUIET1")
    staff, admin = headers(db, "staff1"), headers(db, "admin1", "admin")
    db.commit()
    opt_in = {"notify_status_change": True, "group_email": "osaka-group@example.com"}
    assert client.patch("/api/loaners/locations/osaka", json=opt_in, headers=admin).status_code == 200
    assert post(client, device.id, LENT, staff).status_code == 201
    assert post(client, device.id, LENT | {"1-3.ユーザー情報": "田中花子"}, staff).status_code == 201  # same status
    assert post(client, device.id, IN_HOUSE, staff).status_code == 201
    assert post(client, quiet.id, LENT, staff).status_code == 201
    mails = db.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [(m.recipient, m.domain, m.ref_type) for m in mails] == [
        ("osaka-group@example.com", "loaners", "submission")
    ] * 2
    assert (
        "「3.社内にて保管中」" in mails[1].subject and "OSAKA_Laptop_ThinkPad-X1-Carbon_ABC123_001" in mails[1].subject
    )
    assert "変更前: 1.貸出中" in mails[1].body
    db.commit()
    for mail in sent_by_smtp(smtp_sink, *(m.id for m in mails)):  # each, as the mail reader shows it
        assert "ご担当者様\n\n" in mail.text and "ご担当者様</p>" in mail.html
        assert "変更後: " in mail.text and "<br>\n変更後: " in mail.html


def test_an_answer_timed_before_the_current_one_only_joins_the_history(db):
    device = make_device(db)
    now = utcnow()
    late = answer(db, device, IN_HOUSE, at=now)
    answer(db, device, LENT, at=now - timedelta(hours=1))  # arrives late with an earlier time: history only
    assert (device.current_submission_id, device.status) == (late.id, "3.社内にて保管中")
