"""Escalation of §4.2 steps past due: one e-mail to each システム管理者 who can see the customer and one Slack post per
step of an open alert or incident, however often the job runs, audited as the system's; none for resolved or timely
work. The fleet's mails link to the record's page in the dashboards."""

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from dashboards import sections
from jobs.fleet import escalate_overdue
from service.audit.models import AuditEntry
from service.config import get_settings
from service.database import session_scope, utcnow
from service.fleet import escalations, links, monitoring, retention
from service.fleet.models import Alert, Escalation, Incident
from service.outbox.delivery import deliver
from service.outbox.models import OutboxMessage
from tests.factories import make_user
from tests.service.fleet.conftest import ago, make_customer, make_terminal
from tests.service.outbox.fake_api import FakeApi, serve
from tests.support.smtp import smtp_sink  # noqa: F401


@pytest.fixture
def slack() -> Iterator[FakeApi]:
    with serve() as api:
        api.answer(200, b"ok")
        yield api


def add_alert(db, terminal, *, minutes: int, **fields) -> Alert:
    alert = Alert(
        terminal_id=terminal.id,
        customer_id=terminal.customer_id,
        alert_type=fields.pop("alert_type", "offline"),
        message="端末からの通信が途絶えました",
        created_at=ago(minutes=minutes),
        **fields,
    )
    db.add(alert)
    db.flush()
    return alert


@pytest.fixture
def people(db):
    """Two customers; a fleet-wide admin, an admin of the other customer only, and a support person."""
    abc, xyz = make_customer(db, "ABC商事"), make_customer(db, "XYZ商店")
    make_user(db, "lead", name="鈴木", grants={"fleet": "admin"}, email="lead@example.jp")
    make_user(db, "xyz-lead", name="高橋", grants={"fleet": ("admin", str(xyz.id))}, email="xyz-lead@example.jp")
    make_user(db, "support1", grants={"fleet": "support"}, email="support1@example.jp")
    return abc, xyz


def outbox(db, channel: str) -> list:
    """The channel's outbox rows (id, recipient, subject, body); the read ends, so SQLite lets a delivery write."""
    columns = (OutboxMessage.id, OutboxMessage.recipient, OutboxMessage.subject, OutboxMessage.body)
    rows = db.execute(select(*columns).where(OutboxMessage.channel == channel).order_by(OutboxMessage.id)).all()
    db.commit()
    return rows


def test_an_overdue_first_check_is_escalated_once_by_mail_and_slack_however_often_the_job_runs(
    db, people, smtp_sink, slack
):
    sink, port = smtp_sink
    abc, _ = people
    shinjuku, _ = make_terminal(db, abc, "TC-0001", store_name="新宿店")
    shibuya, _ = make_terminal(db, abc, "TC-0002", store_name="渋谷店")
    late = add_alert(db, shinjuku, minutes=10)  # 初動確認 (5 minutes) missed; リモート診断 (15) not yet due
    add_alert(db, shibuya, minutes=10, status="resolved", resolved_at=ago(minutes=1), resolved_by="system")
    db.commit()

    assert escalate_overdue() == 1
    assert escalate_overdue() == 0

    [mail], [post] = outbox(db, "email"), outbox(db, "slack")
    assert mail.recipient == "lead@example.jp"  # not the other customer's admin, not support
    assert post.recipient == get_settings().fleet_escalation_slack_channel
    escalation = db.execute(select(Escalation.id, Escalation.alert_id, Escalation.step, Escalation.recipient_count))
    escalation_id, *recorded = escalation.one()
    assert recorded == [late.id, "acknowledged", 1]
    db.commit()
    settings = get_settings().model_copy(
        update={
            "email_provider": "smtp",
            "smtp_port": port,
            "slack_provider": "webhook",
            "slack_webhook_url": slack.url + "/services/T/B/X",
        }
    )
    for message in (mail, post):
        assert deliver(session_scope, message.id, now=utcnow(), settings=settings).outcome == "sent"

    [received] = sink.messages
    assert received["Subject"] == f"【TMS】エスカレーション: アラート #{late.id}の初動確認が期限超過"
    body = received.get_body(("plain",)).get_content()
    assert "ABC商事 - 新宿店（TC-0001）" in body and "未割り当て" in body
    assert links.alert_url(late.id) in body and body.rstrip().endswith(f"/fleet-alerts?id={late.id}")
    [request] = slack.requests
    text = json.loads(request.body)["text"]
    assert "初動確認" in text and links.alert_url(late.id) in text and "鈴木" in text

    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "escalate"))
    assert (entry.actor_type, entry.target_type, entry.target_id) == ("system", "escalation", str(escalation_id))
    assert entry.changes["step"]["after"] == "acknowledged" and entry.changes["alert_id"]["after"] == late.id


def test_resolved_and_timely_work_is_not_escalated(db, people):
    abc, _ = people
    terminal, _ = make_terminal(db, abc)
    add_alert(db, terminal, minutes=90, status="resolved", resolved_at=ago(minutes=1), resolved_by="op1")
    add_alert(db, terminal, minutes=3, alert_type="error")  # 初動確認 still in time
    add_alert(db, terminal, minutes=10, alert_type="high_cpu", status="acknowledged", acknowledged_at=ago(minutes=8))
    db.commit()

    assert escalate_overdue() == 0
    assert outbox(db, "email") == [] and outbox(db, "slack") == []


def test_each_step_is_escalated_as_it_goes_past_due(db, people):
    abc, _ = people
    terminal, _ = make_terminal(db, abc)
    alert = add_alert(db, terminal, minutes=10)
    db.commit()
    assert escalations.escalate_due(db, now=utcnow()) == 1
    later = utcnow() + timedelta(minutes=25)  # リモート診断 (15) and 顧客連絡 (30) past due too
    assert escalations.escalate_due(db, now=later) == 2
    assert escalations.escalate_due(db, now=later) == 0
    db.commit()
    steps = db.scalars(select(Escalation.step).where(Escalation.alert_id == alert.id).order_by(Escalation.id))
    assert sorted(steps) == ["acknowledged", "customer_contacted", "diagnosed"]
    assert len(outbox(db, "slack")) == 3


def test_a_step_escalated_by_another_run_meanwhile_is_not_sent_again(db, people):
    abc, _ = people
    terminal, _ = make_terminal(db, abc)
    add_alert(db, terminal, minutes=10)
    db.commit()
    seen_by_both = escalations.due_escalations(db, now=utcnow())
    assert escalations.escalate(db, seen_by_both, now=utcnow()) == 1
    db.commit()
    assert escalations.escalate(db, seen_by_both, now=utcnow()) == 0
    db.commit()
    assert db.scalar(select(func.count()).select_from(Escalation)) == 1
    assert len(outbox(db, "email")) == 1 and len(outbox(db, "slack")) == 1


def test_an_incident_is_escalated_once_for_all_its_alerts(db, people):
    abc, _ = people
    incident = Incident(
        customer_id=abc.id, status="open", created_at=ago(minutes=10), message="ABC商事: 端末3台がオフライン"
    )
    db.add(incident)
    db.flush()
    for number in range(3):
        terminal, _ = make_terminal(db, abc, f"TC-{number}")
        add_alert(db, terminal, minutes=10, incident_id=incident.id)
    db.commit()

    assert escalate_overdue() == 1
    [mail] = outbox(db, "email")
    assert mail.subject == f"【TMS】エスカレーション: インシデント #{incident.id}の初動確認が期限超過"
    assert links.incident_url(incident.id) in mail.body and "ABC商事: 端末3台がオフライン" in mail.body
    assert db.scalar(select(Escalation.incident_id)) == incident.id


def test_escalations_are_pruned_with_their_alert(db, people):
    abc, _ = people
    terminal, _ = make_terminal(db, abc)
    alert = add_alert(db, terminal, minutes=10)
    db.commit()
    escalations.escalate_due(db, now=utcnow())
    alert.status, alert.resolved_at, alert.resolved_by = "resolved", ago(days=400), "op1"
    alert.created_at = ago(days=401)
    db.commit()
    for kind, before in retention.cutoffs(db, now=utcnow()).items():
        while retention.prune_batch(db, kind=kind, before=before):
            db.commit()
    assert db.scalar(select(func.count()).select_from(Escalation)) == 0
    assert db.scalar(select(func.count()).select_from(Alert)) == 0


def test_the_digest_links_each_line_to_its_page(db, people):
    abc, _ = people
    terminal, _ = make_terminal(db, abc)
    alert = add_alert(db, terminal, minutes=10)
    incident = Incident(customer_id=abc.id, status="open", created_at=ago(minutes=10), message="ABC商事: 5台")
    db.add(incident)
    db.commit()

    assert monitoring.send_digest(db, now=utcnow()) == 2  # the fleet-wide admin and support; not the other customer's
    body = db.scalar(select(OutboxMessage.body).where(OutboxMessage.recipient == "lead@example.jp"))
    assert f"\n  {links.alert_url(alert.id)}" in body and f"\n  {links.incident_url(incident.id)}" in body


def test_the_linked_pages_are_those_the_dashboards_register():
    known = sections.known_addresses()
    assert known[links.ALERT_PAGE][1].path == "app_pages/fleet/alerts.py"
    assert known[links.DASHBOARD_PAGE][1].path == "app_pages/fleet/dashboard.py"
    assert known[links.INCIDENT_PAGE][1].path == "app_pages/fleet/incidents.py"
    assert links.alert_url(7) == f"{get_settings().dashboard_url.rstrip('/')}/fleet-alerts?id=7"


def test_history_loaded_as_escalated_sends_only_what_goes_past_due_later(db, people):
    abc, _ = people
    terminal, _ = make_terminal(db, abc)
    alert = add_alert(db, terminal, minutes=20)  # 初動確認 and リモート診断 past due when the history is loaded
    db.commit()
    escalations.record_as_escalated(db, at=utcnow())
    db.commit()
    assert escalations.escalate_due(db, now=utcnow()) == 0
    assert escalations.escalate_due(db, now=utcnow() + timedelta(minutes=11)) == 1  # 顧客連絡 (30 minutes)
    db.commit()
    assert [mail.subject for mail in outbox(db, "email")] == [
        f"【TMS】エスカレーション: アラート #{alert.id}の顧客連絡が期限超過"
    ]
