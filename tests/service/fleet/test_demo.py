"""The fleet demo: the promised volumes, loaded once, and a state the service's own rules agree with."""

import hashlib

import pytest
from sqlalchemy import func, select

from service.audit.models import AuditEntry
from service.audit.service import verify_chain
from service.database import utcnow
from service.demo.fleet import load_demo_sized, load_fleet
from service.demo.fleet.plan import CUSTOMERS
from service.demo.platform import DEMO_PASSWORD, load_accounts
from service.fleet import retention
from service.fleet.alerting import monitoring
from service.fleet.models import (
    Alert,
    AlertNote,
    Customer,
    FirmwareRelease,
    Incident,
    MetricHourly,
    MetricSample,
    Rollout,
    Terminal,
    TerminalEvent,
)
from service.fleet.rollouts import firmware
from service.outbox.models import OutboxMessage
from tests.support.small_demo import PROGRESS, SMALL, load_small_fleet

pytestmark = [pytest.mark.dialect, pytest.mark.walk]  # the full demo: its volumes and a month of history

COUNTED = (
    Customer,
    Terminal,
    FirmwareRelease,
    Rollout,
    Alert,
    AlertNote,
    Incident,
    MetricHourly,
    MetricSample,
    TerminalEvent,
    OutboxMessage,
    AuditEntry,
)


def counts(db) -> dict[str, int]:
    return {model.__name__: db.scalar(select(func.count()).select_from(model)) for model in COUNTED}


def grouped(db, column) -> dict[str, int]:
    return dict(db.execute(select(column, func.count()).group_by(column)).all())


def test_the_full_demo_holds_a_few_thousand_terminals_with_a_month_of_history_and_loads_once(db):
    load_accounts(db, PROGRESS)
    load_fleet(db, PROGRESS)
    db.commit()  # the audit entries are chained and stored at commit
    first = counts(db)
    assert first["Customer"] == len(CUSTOMERS)
    assert set(db.scalars(select(Customer.contract_type))) == {"basic", "standard", "premium"}
    assert first["Terminal"] >= 2500
    statuses = grouped(db, Terminal.status)
    assert statuses["online"] / first["Terminal"] > 0.9
    assert min(statuses["offline"], statuses["error"], statuses["maintenance"]) > 0
    history = db.scalar(select(func.count(func.distinct(MetricHourly.terminal_id))))
    assert history >= 100 and first["MetricHourly"] >= history * 29 * 24
    assert first["MetricSample"] >= history * 2 * 24 * 12 and first["TerminalEvent"] >= first["Terminal"]
    assert grouped(db, Rollout.status) == {"completed": 1, "paused": 1} and first["FirmwareRelease"] == 3
    assert set(grouped(db, Alert.status)) == {"open", "acknowledged", "resolved"}
    assert first["AlertNote"] > 50 and db.scalar(select(func.count()).where(Alert.assignee_id.is_not(None))) > 50
    assert db.scalar(select(Incident.status)) == "open"
    assert verify_chain(db).ok

    load_fleet(db, PROGRESS)
    db.commit()
    assert counts(db) == first


def test_the_demo_is_a_state_the_service_itself_would_leave(db):
    loading = utcnow()
    load_small_fleet(db)
    now = utcnow()
    assert monitoring.sweep_offline(db, now=now).marked_offline == 0
    # the roll-up as of the load: an hour that completes (xx:05) while the demo loads is the job's next run's work
    assert retention.rollup_hours(db, now=loading) == 0
    assert firmware.advance_all(db, now=now) == 0
    open_by_terminal = {
        (terminal_id, kind)
        for terminal_id, kind in db.execute(
            select(Alert.terminal_id, Alert.alert_type).where(Alert.status != "resolved")
        )
    }
    for terminal in db.scalars(select(Terminal)):
        if terminal.status in ("offline", "error") and terminal.last_heartbeat_at is not None:
            assert (terminal.id, terminal.status) in open_by_terminal, terminal.serial_number
        if terminal.status == "maintenance":
            assert not any(t == terminal.id for t, _ in open_by_terminal), terminal.serial_number
    assert db.scalar(select(func.count()).where(Terminal.token_hash.is_(None))) > 0  # for the simulated agents
    for release in db.scalars(select(FirmwareRelease)):
        assert hashlib.sha256(firmware.firmware_path(release).read_bytes()).hexdigest() == release.sha256
    assert db.scalar(select(func.count()).select_from(OutboxMessage)) > 0  # the digest went out


def test_support_sees_the_demo_through_the_api(client, db):
    load_small_fleet(db)
    history = db.scalar(
        select(MetricSample.terminal_id).group_by(MetricSample.terminal_id).order_by(func.count().desc()).limit(1)
    )
    db.commit()
    login = client.post("/api/auth/login", json={"login_id": "fleet-support", "password": DEMO_PASSWORD})
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    dashboard = client.get("/api/fleet/dashboard", headers=headers).json()
    assert dashboard["total"] == sum(dashboard[s] for s in ("online", "offline", "error", "maintenance"))
    assert dashboard["critical_alerts"] and dashboard["open_incidents"] == 1
    shown = [(row["kind"], row["alert_type"]) for row in dashboard["critical_alerts"]]
    assert shown.count(("incident", "offline")) == 1, "the outage is one row, whatever its size"
    assert ("alert", "error") in shown, "the terminals in error beside it"
    overdue = client.get("/api/fleet/alerts", headers=headers, params={"overdue": True}).json()
    assert overdue["total"] > 0
    day = client.get(f"/api/fleet/terminals/{history}/metrics", headers=headers, params={"range": "24h"}).json()
    month = client.get(f"/api/fleet/terminals/{history}/metrics", headers=headers, params={"range": "30d"}).json()
    assert len(day["points"]) > 200 and len(month["points"]) > 29 * 24
    events = client.get(f"/api/fleet/terminals/{history}/events", headers=headers).json()
    assert events["total"] > 0


def test_demo_load_with_more_terminals_tops_up_a_loaded_fleet_and_says_so(db):
    load_small_fleet(db)
    db.commit()
    demo = select(func.count()).select_from(Terminal)
    have = db.scalar(demo)
    stores_before = set(db.execute(select(Terminal.customer_id, Terminal.store)).all())

    said = load_demo_sized(db, actor=PROGRESS.actor, size=SMALL, only=["fleet"], top_up_to=have + 120)
    db.commit()

    assert said == [f"fleet (120 terminals added: {have:,} → {have + 120:,})"]
    assert db.scalar(demo) == have + 120
    added = db.execute(select(Terminal.customer_id, Terminal.store, Terminal.status).order_by(Terminal.id.desc()))
    new = added.all()[:120]
    assert {status for *_, status in new} == {"online"}
    assert not {(customer, store) for customer, store, _ in new} & stores_before, "new stores, not bigger old ones"
    assert len({customer for customer, *_ in new}) == len(CUSTOMERS)
    # asked again for no more than it has: nothing, and it says why
    again = load_demo_sized(db, actor=PROGRESS.actor, size=SMALL, only=["fleet"], top_up_to=have + 120)
    total = f"{have + 120:,}"
    assert again == [f"fleet (no terminals added: the demo's customers have {total} already (asked for {total}))"]
    assert db.scalar(demo) == have + 120
