"""Escalation of §4.2 steps past due: each step of an open alert or incident escalated once, however often the job
runs, audited as the system's, one entry per escalation; each run one digest mail per person told (grouped by
customer) and one Slack post; the assignee (or the step's team) first, the lead (システム管理者 who can see the
customer) after; none for resolved or timely work, none while the store is closed or in a maintenance window. The
fleet's mails link to the record's page in the dashboards."""

import json
from collections.abc import Iterator
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from dashboards import sections
from jobs.fleet import escalate_overdue
from service.audit.models import AuditEntry
from service.config import get_settings
from service.database import session_scope, utcnow
from service.fleet import links, retention
from service.fleet.alerting import escalations, monitoring
from service.fleet.models import Alert, Escalation, Incident, MaintenanceWindow
from service.identity.models import User
from service.outbox.delivery import deliver
from service.outbox.models import OutboxMessage
from tests.factories import make_user
from tests.service.fleet.conftest import ago, make_customer, make_terminal
from tests.service.outbox.fake_api import FakeApi, serve
from tests.support.mail import bare_urls, received
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
    """Two customers; a fleet-wide admin (the lead), an admin of the other customer only, an operator and a support
    person."""
    abc, xyz = make_customer(db, "ABC商事"), make_customer(db, "XYZ商店")
    make_user(db, "lead", name="鈴木", grants={"fleet": "admin"}, email="lead@example.jp")
    make_user(db, "xyz-lead", name="高橋", grants={"fleet": ("admin", str(xyz.id))}, email="xyz-lead@example.jp")
    make_user(db, "op1", name="田中", grants={"fleet": "operator"}, email="op1@example.jp")
    make_user(db, "support1", name="佐藤", grants={"fleet": "support"}, email="support1@example.jp")
    return abc, xyz


def outbox(db, channel: str) -> list:
    """The channel's outbox rows (id, recipient, subject, body); the read ends, so SQLite lets a delivery write."""
    columns = (OutboxMessage.id, OutboxMessage.recipient, OutboxMessage.subject, OutboxMessage.body)
    rows = db.execute(select(*columns).where(OutboxMessage.channel == channel).order_by(OutboxMessage.id)).all()
    db.commit()
    return rows


def mails(db) -> dict[str, tuple[str, str]]:
    """Each recipient's one escalation mail (subject, body); fails if anyone got two."""
    rows = outbox(db, "email")
    found = {row.recipient: (row.subject, row.body) for row in rows}
    assert len(found) == len(rows), "one mail per recipient"
    return found


@pytest.mark.dialect
def test_an_overdue_first_check_is_escalated_once_by_mail_and_slack_however_often_the_job_runs(
    db, people, smtp_sink, slack
):
    sink, port = smtp_sink
    abc, _ = people
    shinjuku, _ = make_terminal(db, abc, "TC-0001", store_name="新宿店")
    shibuya, _ = make_terminal(db, abc, "TC-0002", store_name="渋谷店")
    late = add_alert(db, shinjuku, minutes=10)  # 初動確認 (5 minutes) missed; リモート診断 (15) not yet due
    add_alert(db, shibuya, minutes=10, status="resolved", resolved_at=ago(minutes=1), resolved_by="システム")
    db.commit()

    assert escalate_overdue() == 1
    assert escalate_overdue() == 0

    [mail], [post] = outbox(db, "email"), outbox(db, "slack")
    assert mail.recipient == "op1@example.jp"  # unassigned: 初動確認's team (運用チーム), not yet the lead
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
    assert escalations.escalate_due(db, now=utcnow() + timedelta(minutes=6)) == 1  # リモート診断: the lead's
    db.commit()
    for message in (*outbox(db, "email")[1:], *outbox(db, "slack")[1:]):
        assert deliver(session_scope, message.id, now=utcnow(), settings=settings).outcome == "sent"

    first, second = received(sink)
    assert first.message["Subject"] == second.message["Subject"] == "【TMS】エスカレーション: 期限超過1件"
    assert second.message["To"] == "lead@example.jp"
    page = links.alert_url(late.id)
    for mail, step, assignee in (
        (first, "初動確認", "未割り当て（担当者を割り当ててください）"),
        (second, "リモート診断", "未割り当て（担当者を割り当ててください）"),
    ):
        [[header, row]] = mail.tables  # ABC商事's table
        assert header == ["対象", "期限を過ぎた対応", "期限", "内容", "検知", "担当者"]
        assert row[:2] == [f"アラート #{late.id}", step] and "新宿店（TC-0001）" in row[3] and row[5] == assignee
        assert mail.links == [(page, f"アラート #{late.id}")] and "<h3>ABC商事</h3>" in mail.html
        assert f"・アラート #{late.id} / {step} / " in mail.text and mail.text.rstrip().endswith(f"\n  {page}")
    posts = [json.loads(request.body)["text"] for request in slack.requests]
    assert [bare_urls(text) for text in posts] == [[], []]
    assert all(f"<{page}>（通知: " in text for text in posts) and "田中" in posts[0] and "鈴木" in posts[1]

    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "escalate").order_by(AuditEntry.seq))
    assert (entry.actor_type, entry.target_type, entry.target_id) == ("system", "escalation", str(escalation_id))
    assert entry.changes["step"]["after"] == "acknowledged" and entry.changes["alert_id"]["after"] == late.id


@pytest.mark.dialect
def test_a_run_mails_each_recipient_one_digest_the_assignee_first_and_the_lead_after(db, people):
    abc, xyz = people
    sato = db.scalar(select(User.id).where(User.login_id == "support1"))
    terminals = [make_terminal(db, abc, f"TC-{n}", store_name=f"店舗{n}")[0] for n in range(3)]
    assigned = add_alert(db, terminals[0], minutes=10, assignee_id=sato)
    unassigned = [add_alert(db, t, minutes=10, alert_type="high_cpu") for t in terminals[1:]]
    incident = Incident(customer_id=abc.id, status="open", created_at=ago(minutes=10), message="ABC商事: 5台")
    db.add(incident)
    other, _ = make_terminal(db, xyz, "TC-X")
    add_alert(db, other, minutes=10)
    db.commit()

    assert escalations.escalate_due(db, now=utcnow()) == 5  # each record's 初動確認
    db.commit()
    first = mails(db)
    assert sorted(first) == ["op1@example.jp", "support1@example.jp"]  # neither admin: the first rung
    subject, body = first["support1@example.jp"]
    assert subject == "【TMS】エスカレーション: 期限超過1件"
    assert f"・アラート #{assigned.id} / " in body and body.count(" / 佐藤\n") == 1 and "割り当ててください" not in body
    subject, body = first["op1@example.jp"]
    assert subject == "【TMS】エスカレーション: 期限超過4件"  # the unassigned ones of both customers, by customer
    assert body.index("■ ABC商事") < body.index(f"インシデント #{incident.id}") < body.index("■ XYZ商店")
    assert all(links.alert_url(a.id) in body for a in unassigned) and links.incident_url(incident.id) in body
    assert len(outbox(db, "slack")) == 1

    assert escalations.escalate_due(db, now=utcnow() + timedelta(minutes=6)) == 5  # リモート診断: the lead's
    db.commit()
    later = {r: m for r, m in mails(db).items() if r not in first}
    assert sorted(later) == ["lead@example.jp", "xyz-lead@example.jp"]  # each admin the customers they can see
    subject, body = later["lead@example.jp"]
    assert subject == "【TMS】エスカレーション: 期限超過5件" and " / リモート診断 / " in body and " / 佐藤\n" in body
    assert later["xyz-lead@example.jp"][0] == "【TMS】エスカレーション: 期限超過1件"
    assert db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "escalate")) == 10


@pytest.mark.dialect
def test_a_first_escalation_found_with_later_steps_goes_to_both_rungs_at_once(db, people):
    abc, _ = people
    terminal, _ = make_terminal(db, abc)
    alert = add_alert(db, terminal, minutes=20)  # 初動確認 and リモート診断 both past due when first seen
    db.commit()
    assert escalations.escalate_due(db, now=utcnow()) == 2
    db.commit()
    found = mails(db)
    assert sorted(found) == ["lead@example.jp", "op1@example.jp"]
    assert " / 初動確認 / " in found["op1@example.jp"][1] and " / リモート診断 / " in found["lead@example.jp"][1]
    assert f"#{alert.id}" in found["lead@example.jp"][1]


def in_japan(at):
    return at.astimezone(ZoneInfo("Asia/Tokyo"))


@pytest.mark.dialect
@pytest.mark.parametrize("quiet", ["business_hours", "maintenance_window"])
def test_nothing_is_escalated_while_the_store_is_closed_or_in_a_window_and_it_is_at_opening(db, people, quiet):
    abc, _ = people
    now = utcnow()
    opening = now + timedelta(minutes=30)
    local = in_japan(now)
    if quiet == "business_hours":
        abc.opens_at, abc.closes_at = in_japan(opening).time(), in_japan(opening + timedelta(hours=1)).time()
    else:
        db.add(
            MaintenanceWindow(
                customer_id=abc.id,
                store_name="新宿店",
                recurrence="daily",
                start_time=(local - timedelta(minutes=5)).time(),
                duration_minutes=35,
                until=local.date() + timedelta(days=2),
                reason="定期点検",
            )
        )
    closed, _ = make_terminal(db, abc, "TC-0001", store_name="新宿店")
    add_alert(db, closed, minutes=10, alert_type="high_cpu")
    incident = Incident(customer_id=abc.id, status="open", created_at=ago(minutes=10), message="ABC商事: 5台")
    db.add(incident)
    db.flush()
    add_alert(db, closed, minutes=10, incident_id=incident.id)
    db.commit()

    assert escalations.escalate_due(db, now=now) == 0
    assert outbox(db, "email") == []
    assert escalations.escalate_due(db, now=opening + timedelta(minutes=1)) > 0
    db.commit()
    assert "新宿店（TC-0001）" in mails(db)["lead@example.jp"][1]


@pytest.mark.dialect
def test_resolved_and_timely_work_is_not_escalated(db, people):
    abc, _ = people
    terminal, _ = make_terminal(db, abc)
    add_alert(db, terminal, minutes=90, status="resolved", resolved_at=ago(minutes=1), resolved_by="op1")
    add_alert(db, terminal, minutes=3, alert_type="error")  # 初動確認 still in time
    add_alert(db, terminal, minutes=10, alert_type="high_cpu", status="acknowledged", acknowledged_at=ago(minutes=8))
    db.commit()

    assert escalate_overdue() == 0
    assert outbox(db, "email") == [] and outbox(db, "slack") == []


@pytest.mark.dialect
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
    assert len(outbox(db, "slack")) == 2  # one post per run


@pytest.mark.dialect
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


@pytest.mark.dialect
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
    assert mail.subject == "【TMS】エスカレーション: 期限超過1件"
    assert f"・インシデント #{incident.id} / 初動確認 / " in mail.body
    assert links.incident_url(incident.id) in mail.body and "ABC商事: 端末3台がオフライン" in mail.body
    assert db.scalar(select(Escalation.incident_id)) == incident.id


@pytest.mark.dialect
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

    assert monitoring.send_digest(db, now=utcnow()) == 3  # the fleet-wide admin, operator and support; not xyz-lead
    body = db.scalar(select(OutboxMessage.body).where(OutboxMessage.recipient == "lead@example.jp"))
    assert f"アラート #{alert.id}\n  {links.alert_url(alert.id)}" in body
    assert f"インシデント #{incident.id}\n  {links.incident_url(incident.id)}" in body


def test_the_linked_pages_are_those_the_dashboards_register():
    known = sections.known_addresses()
    assert known[links.ALERT_PAGE][1].path == "app_pages/fleet/alerts.py"
    assert known[links.DASHBOARD_PAGE][1].path == "app_pages/fleet/dashboard.py"
    assert known[links.INCIDENT_PAGE][1].path == "app_pages/fleet/incidents.py"
    assert links.alert_url(7) == f"{get_settings().dashboard_url.rstrip('/')}/fleet-alerts?id=7"


@pytest.mark.dialect
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
    [mail] = outbox(db, "email")
    assert f"・アラート #{alert.id} / 顧客連絡 / " in mail.body and mail.recipient == "lead@example.jp"


@pytest.mark.dialect
def test_a_store_alert_is_escalated_as_its_store_not_as_the_till_that_carries_it(db, people):
    abc, _ = people
    till, _ = make_terminal(db, abc, "TC-0101", store_name="新宿店 レジ1番")
    make_terminal(db, abc, "TC-0102", store_name="新宿店 レジ2番")
    add_alert(db, till, minutes=10, alert_type="store_offline")
    db.commit()

    assert escalate_overdue() == 1

    [mail] = outbox(db, "email")
    assert "新宿店: 店舗オフライン" in mail.body
    assert "TC-0101" not in mail.body and "レジ1番" not in mail.body
