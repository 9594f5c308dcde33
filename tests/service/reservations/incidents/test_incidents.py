"""§5.1 incident levels: each level's target response time and escalation, overdue flags computed in SQL, the
executives told through the outbox (e-mail and #qrv-alerts), and executives reading the records."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from service.config import get_settings
from service.database import session_scope, utcnow
from service.outbox.delivery import deliver
from service.reservations import sweeper
from service.reservations.models import Incident, Notification
from tests.service.outbox.fake_api import serve
from tests.service.reservations.conftest import headers_for, messages
from tests.support.mail import copies_by_smtp
from tests.support.smtp import smtp_sink  # noqa: F401

ROOT = "/api/reservations/incidents"


def ago(**delta) -> str:
    return (utcnow() - timedelta(**delta)).isoformat()


def record(client, headers, level: str, occurred_at: str, **fields) -> dict:
    created = client.post(
        ROOT, json={"title": f"{level}の障害", "level": level, "occurred_at": occurred_at, **fields}, headers=headers
    )
    assert created.status_code == 201, created.text
    return created.json()


def executive_mail(incident_id: int) -> list[str]:
    return [m.recipient for m in messages("email") if m.ref_type == "incident" and m.ref_id == str(incident_id)]


def test_a_critical_incident_is_reported_to_the_executives_at_once(client, db, smtp_sink):
    support = headers_for(db, "support")
    headers_for(db, "executive", "resv-ceo")
    headers_for(db, "operator")  # not an executive: not mailed
    incident = record(client, support, "critical", ago(minutes=1), impact="決済不可")
    assert incident["escalated_at"] is not None and incident["escalated_by"] == "システム"
    assert incident["target_label"] == "30分以内" and incident["escalation_label"] == "即座に経営陣に報告"
    assert executive_mail(incident["id"]) == ["resv-ceo@example.jp"]
    mail = [m for m in messages("email") if m.ref_type == "incident"][0]
    assert "Critical" in mail.subject and "決済不可" in mail.body
    [shown] = copies_by_smtp(smtp_sink, mail)  # as the mail reader shows it
    assert "影響範囲: 決済不可" in shown.text and "<br>\n影響範囲: 決済不可<br>" in shown.html
    slack = [m.body for m in messages("slack")]
    assert slack == [f"【Critical】インシデント #{incident['id']}: criticalの障害（即座に経営陣に報告）"]
    with session_scope() as session:
        assert session.scalar(select(Notification.kind)) == "incident"


@pytest.mark.dialect
def test_an_incident_title_reaches_slack_as_written_never_as_a_mention_or_a_link(client, db):
    support = headers_for(db, "support")
    title = "<!channel> 決済停止 <https://evil.example/|復旧手順> & 対応中"
    incident = record(client, support, "critical", ago(minutes=1), title=title)
    [post] = messages("slack")
    assert title in post.body  # the console shows what was posted in the staff's words
    with serve() as slack:
        slack.answer(200, b"ok")
        webhook = {"slack_provider": "webhook", "slack_webhook_url": slack.url + "/services/T/B/X"}
        settings = get_settings().model_copy(update=webhook)
        assert deliver(session_scope, post.id, now=utcnow(), settings=settings).outcome == "sent"
    [request] = slack.requests
    assert json.loads(request.body)["text"] == (
        f"【Critical】インシデント #{incident['id']}: &lt;!channel&gt; 決済停止 "
        "&lt;https://evil.example/|復旧手順&gt; &amp; 対応中（即座に経営陣に報告）"
    )


def test_high_and_medium_are_reported_by_a_person_or_by_the_sweeper_at_their_deadline(client, db):
    support = headers_for(db, "support")
    headers_for(db, "executive", "resv-ceo")
    high = record(client, support, "high", ago(minutes=30))
    medium = record(client, support, "medium", ago(hours=23))
    low = record(client, support, "low", ago(days=30))
    assert [i["escalated_at"] for i in (high, medium, low)] == [None, None, None]
    assert high["escalation_due_at"] and low["escalation_due_at"] is None  # Low: the weekly report
    with session_scope() as session:
        assert sweeper.STEPS["escalated_incidents"](session, now=utcnow()) == 0
    assert executive_mail(high["id"]) == []
    with session_scope() as session:  # two hours after the High incident, a day after the Medium one
        assert sweeper.STEPS["escalated_incidents"](session, now=utcnow() + timedelta(hours=2)) == 2
    assert executive_mail(high["id"]) == executive_mail(medium["id"]) == ["resv-ceo@example.jp"]
    reported = client.get(f"{ROOT}/{high['id']}", headers=support).json()
    assert reported["escalated_by"] == "システム"
    again = client.post(f"{ROOT}/{high['id']}/escalate", headers=support)
    assert again.status_code == 409 and again.json()["error"]["code"] == "incident_escalated"
    by_hand = record(client, support, "high", ago(minutes=5))
    reported = client.post(f"{ROOT}/{by_hand['id']}/escalate", headers=support)
    assert reported.status_code == 200 and reported.json()["escalated_by"] == "resv-support"
    assert executive_mail(by_hand["id"]) == ["resv-ceo@example.jp"]


def test_raising_an_incident_to_critical_reports_it_at_once(client, db):
    support = headers_for(db, "support")
    headers_for(db, "executive", "resv-ceo")
    incident = record(client, support, "medium", ago(minutes=10))
    raised = client.patch(f"{ROOT}/{incident['id']}", json={"level": "critical"}, headers=support).json()
    assert raised["escalated_at"] is not None and executive_mail(incident["id"]) == ["resv-ceo@example.jp"]


def test_an_incident_not_responded_to_within_its_target_is_overdue(client, db):
    support = headers_for(db, "support")
    executive = headers_for(db, "executive")
    late = record(client, support, "high", ago(minutes=61))
    fresh = record(client, support, "high", ago(minutes=59))
    responded = record(client, support, "critical", ago(minutes=40), responded_at=ago(minutes=20))
    recovered = record(client, support, "medium", ago(hours=3), recovered_at=ago(hours=2))
    assert (late["overdue"], fresh["overdue"], responded["overdue"], recovered["overdue"]) == (
        True,
        False,
        False,
        False,
    )
    assert responded["responded_late"] is False and recovered["responded_late"] is False
    overdue = client.get(ROOT, params={"overdue": True}, headers=executive).json()
    assert [i["id"] for i in overdue["items"]] == [late["id"]] and overdue["total"] == 1
    on_time = client.get(ROOT, params={"overdue": False}, headers=executive).json()
    assert {i["id"] for i in on_time["items"]} == {fresh["id"], responded["id"], recovered["id"]}
    answered = client.patch(f"{ROOT}/{late['id']}", json={"responded_at": ago(minutes=1)}, headers=support).json()
    assert answered["overdue"] is False and answered["responded_late"] is True
    early = client.patch(f"{ROOT}/{late['id']}", json={"responded_at": ago(days=1)}, headers=support)
    assert early.status_code == 422 and early.json()["error"]["details"]["field"] == "responded_at"
    with session_scope() as session:
        assert session.get(Incident, late["id"]).responded_at is not None  # the refused change left nothing


def test_executives_read_incidents_but_do_not_write_them(client, db):
    support = headers_for(db, "support")
    executive = headers_for(db, "executive")
    incident = record(client, support, "low", ago(hours=1))
    assert client.get(f"{ROOT}/{incident['id']}", headers=executive).status_code == 200
    assert client.patch(f"{ROOT}/{incident['id']}", json={"title": "x"}, headers=executive).status_code == 403
    assert client.post(f"{ROOT}/{incident['id']}/escalate", headers=executive).status_code == 403
    vocabulary = client.get("/api/reservations/vocabulary", headers=executive).json()
    assert vocabulary["incident_policies"]["high"] == {
        "definition": "一部機能停止、外部API障害",
        "target": "1時間以内",
        "escalation": "2時間以内に経営陣に報告",
    }
