"""Fleet jobs through a real Celery worker: the CSV import started by the API, the offline sweep, history pruning."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from jobs.fleet import mark_offline_terminals, prune_history, send_alert_digest
from service.database import session_scope, utcnow
from service.fleet.models import Alert, Customer, MetricSample, Terminal, TerminalImport
from service.outbox.models import OutboxMessage
from tests.factories import auth_headers, make_user
from tests.support.waiting import wait_until

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
    wait_until(
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
    wait_until(
        lambda: scalar(select(Terminal.status)) == "offline", timeout=30, message="the sweep to mark the terminal"
    )
    assert scalar(select(Alert.alert_type)) == "offline"
    with session_scope() as session:  # older than the digest's group wait
        session.execute(update(Alert).values(created_at=utcnow() - timedelta(minutes=1)))
    send_alert_digest.delay()
    wait_until(lambda: scalar(select(OutboxMessage.recipient)), timeout=30, message="the digest email")
    prune_history.delay()
    wait_until(lambda: scalar(select(func.count()).select_from(MetricSample)) == 0, timeout=30, message="pruning")
