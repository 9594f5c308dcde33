"""Fleet jobs through a real Celery worker: the CSV import started by the API, the offline sweep, history pruning."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update

from jobs.fleet import escalate_overdue, mark_offline_terminals, prune_history, send_alert_digest
from service.database import session_scope, utcnow
from service.fleet.alerting import monitoring
from service.fleet.models import Alert, Customer, Escalation, MetricSample, Terminal, TerminalImport
from service.outbox.models import OutboxMessage
from tests.factories import auth_headers, make_user
from tests.service.fleet.alerting.test_escalations import add_alert
from tests.service.fleet.conftest import make_customer, make_terminal
from tests.support.waiting import wait_for_job

pytestmark = pytest.mark.slow


def scalar(stmt):
    with session_scope() as db:
        return db.scalar(stmt)


def test_import_started_by_the_api_is_run_by_the_worker(client, db, start_worker):
    db.add(Customer(company_name="ABC商事"))
    admin = make_user(db, "admin1", grants={"fleet": "admin"})
    db.commit()
    start_worker()
    rows = "\n".join(f"TC-{i:04d},ABC商事,店舗{i}" for i in range(1200))
    csv = f"serial_number,customer,store_name\n{rows}\nTC-0001,ABC商事,重複\n"
    job = client.post(
        "/api/fleet/imports", files={"file": ("t.csv", csv.encode(), "text/csv")}, headers=auth_headers(admin)
    ).json()
    wait_for_job(
        lambda: scalar(select(TerminalImport.status).where(TerminalImport.id == job["id"])) == "done",
        timeout=60,
        message="the import job to finish",
    )
    done = client.get(f"/api/fleet/imports/{job['id']}", headers=auth_headers(admin)).json()
    assert (done["accepted_rows"], len(done["rejected"])) == (1200, 1)
    assert scalar(select(func.count()).select_from(Terminal)) == 1200


def test_sweep_digest_and_prune_run_in_the_worker(db, start_worker):
    customer = Customer(company_name="ABC商事")
    db.add(customer)
    db.flush()
    make_user(db, "support1", grants={"fleet": "support"}, email="support1@example.jp")
    last = utcnow() - timedelta(minutes=20)
    terminal = Terminal(
        serial_number="TC-1",
        customer_id=customer.id,
        store_name="新宿店",
        status="online",
        last_heartbeat_at=last,
        offline_deadline_at=last + timedelta(minutes=15),
        token_hash="x" * 64,
    )
    db.add(terminal)
    db.flush()
    db.add(MetricSample(terminal_id=terminal.id, recorded_at=utcnow() - timedelta(days=400), cpu=1, memory=1, disk=1))
    db.commit()
    start_worker()
    mark_offline_terminals.delay()
    wait_for_job(
        lambda: scalar(select(Terminal.status)) == "offline",
        timeout=30,
        message="the sweep to mark the terminal",
    )
    assert scalar(select(Alert.alert_type)) == "offline"
    with session_scope() as session:  # older than the digest's group wait
        session.execute(update(Alert).values(created_at=utcnow() - timedelta(minutes=1)))
    send_alert_digest.delay()
    wait_for_job(
        lambda: scalar(select(OutboxMessage.recipient)),
        timeout=30,
        message="the digest email",
    )
    prune_history.delay()
    wait_for_job(
        lambda: scalar(select(func.count()).select_from(MetricSample)) == 0,
        timeout=30,
        message="pruning",
    )


def test_an_escalation_run_in_the_worker_mails_each_recipient_once_none_for_a_closed_store(db, start_worker):
    local = utcnow().astimezone(ZoneInfo("Asia/Tokyo"))
    open_all_day = make_customer(db, "ABC商事")
    closed_now = make_customer(
        db, "夜間休業", opens_at=(local + timedelta(hours=1)).time(), closes_at=(local + timedelta(hours=2)).time()
    )
    sato = make_user(db, "support1", name="佐藤", grants={"fleet": "support"}, email="support1@example.jp")
    make_user(db, "op1", name="田中", grants={"fleet": "operator"}, email="op1@example.jp")
    make_user(db, "lead", name="鈴木", grants={"fleet": "admin"}, email="lead@example.jp")
    shinjuku, shibuya, night = (
        make_terminal(db, customer, serial, store_name=store)[0]
        for customer, serial, store in (
            (open_all_day, "TC-1", "新宿店"),
            (open_all_day, "TC-2", "渋谷店"),
            (closed_now, "TC-3", "夜の店"),
        )
    )
    assigned = add_alert(db, shinjuku, minutes=20, assignee_id=sato.id)  # 初動確認 and リモート診断 late
    unassigned = add_alert(db, shibuya, minutes=10, alert_type="high_cpu")  # 初動確認 late
    add_alert(db, night, minutes=20, alert_type="high_cpu")  # late, but the store is closed
    db.commit()
    start_worker()
    escalate_overdue.delay()
    wait_for_job(
        lambda: scalar(select(func.count()).select_from(Escalation)) == 3,
        timeout=30,
        message="escalations",
    )
    with session_scope() as session:
        mails = session.execute(
            select(OutboxMessage.recipient, OutboxMessage.body).where(OutboxMessage.channel == "email")
        ).all()
        escalated = set(session.scalars(select(Escalation.alert_id)))
    assert sorted(recipient for recipient, _ in mails) == ["lead@example.jp", "op1@example.jp", "support1@example.jp"]
    bodies = dict(mails)
    assert " / 初動確認 / " in bodies["support1@example.jp"] and " / 佐藤\n" in bodies["support1@example.jp"]
    assert " / リモート診断 / " in bodies["lead@example.jp"] and " / 佐藤\n" in bodies["lead@example.jp"]
    assert "渋谷店（TC-2）" in bodies["op1@example.jp"]
    assert all("夜間休業" not in body for body in bodies.values())
    assert escalated == {assigned.id, unassigned.id}


def test_the_sweep_in_the_worker_reopens_a_flapping_terminals_alert(db, start_worker):
    customer = make_customer(db)
    flapping, stable = (make_terminal(db, customer, serial, store_name=serial)[0] for serial in ("TC-F", "TC-S"))
    last = utcnow() - timedelta(minutes=30)
    for terminal, back_since in ((flapping, last - timedelta(minutes=2)), (stable, last - timedelta(hours=2))):
        terminal.status, terminal.last_heartbeat_at = "online", last
        terminal.offline_deadline_at = last + monitoring.terminal_offline_threshold(terminal.interval_seconds)
        add_alert(db, terminal, minutes=200, status="resolved", resolved_at=back_since, resolved_by="システム")
    db.commit()
    first = {flapping.id: alert_of(flapping), stable.id: alert_of(stable)}
    start_worker()
    mark_offline_terminals.delay()
    wait_for_job(
        lambda: scalar(select(func.count()).select_from(Alert).where(Alert.status == "open")) == 2,
        timeout=30,
        message="the sweep to alert both terminals",
    )
    with session_scope() as session:
        found = session.execute(select(Alert.terminal_id, Alert.id, Alert.status).order_by(Alert.id)).all()
    assert [(t, i == first[t], s) for t, i, s in found] == [
        (flapping.id, True, "open"),  # back for 2 minutes, less than 3 of its 5-minute intervals: the same alert
        (stable.id, True, "resolved"),
        (stable.id, False, "open"),  # back for 2 hours: a new one
    ]


def alert_of(terminal) -> int:
    return scalar(select(Alert.id).where(Alert.terminal_id == terminal.id))
