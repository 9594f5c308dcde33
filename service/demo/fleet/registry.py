"""The demo's customers and their terminals, inserted in bulk, and the terminals in maintenance."""

import itertools
import random
import secrets
from collections.abc import Iterator
from datetime import date, datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from service.demo.fleet.plan import (
    AGENT_VERSION,
    AREAS,
    BRANCHES,
    CUSTOMERS,
    FACTORY_FIRMWARE,
    MAINTENANCE_TERMINALS,
    NEW_STORE,
    ONLINE_DEADLINE,
    SEED,
    CustomerSpec,
    DemoTerminal,
    Fleet,
)
from service.demo.framework import DemoProgress
from service.fleet import auditing
from service.fleet.agent.credentials import hash_secret
from service.fleet.models import Terminal
from service.fleet.registry import customers
from service.fleet.registry.schemas import CustomerCreate
from service.fleet.registry.terminals import set_maintenance


def add_customers(db: Session, fleet: Fleet, progress: DemoProgress) -> None:
    for spec in CUSTOMERS:
        data = CustomerCreate(
            company_name=spec.name,
            contact_person=spec.person,
            contact_email=spec.email,
            contact_phone=spec.phone,
            contract_type=spec.contract,
        )
        fleet.customer_ids.append(customers.create_customer(db, data=data, actor=fleet.actor).id)
        progress.advance()


def _stores(spec: CustomerSpec, count: int, rng: random.Random, offset: int) -> Iterator[str]:
    """「新宿店 レジ1番」: two to six tills a store; past every area's every branch (a fleet larger than the demo's, as
    a bench loads), the second store of each (「新宿第2駅前店」), and so on."""
    named, places = 0, len(AREAS) * len(BRANCHES)
    for number in itertools.count():
        round_number, place = divmod(number, places)
        area = AREAS[(offset + place * 7) % len(AREAS)]
        store = area + (f"第{round_number + 1}" if round_number else "") + BRANCHES[place // len(AREAS)]
        for till in range(1, rng.randint(2, 6) + 1):
            if named == count:
                return
            named += 1
            yield f"{store} {spec.till}{till}番"


def add_terminals(db: Session, fleet: Fleet) -> None:
    rows: list[dict] = []
    owners: list[int] = []
    for index, spec in enumerate(CUSTOMERS):
        count = max(1, round(spec.terminals * fleet.size.share))
        for store in _stores(spec, count, fleet.rng, offset=index * 5):
            installed = (fleet.now - timedelta(days=fleet.rng.randint(60, 1100))).date()
            rows.append(_terminal_row(fleet, index, len(rows) + 1, store, installed, enrolled=True))
            owners.append(index)
    index, store, tills = NEW_STORE
    for till in range(1, tills + 1):
        name = f"{store} {CUSTOMERS[index].till}{till}番"
        rows.append(_terminal_row(fleet, index, len(rows) + 1, name, fleet.local(fleet.now).date(), enrolled=False))
        owners.append(index)
    db.execute(insert(Terminal), rows)
    serials = [row["serial_number"] for row in rows]
    ids = dict(db.execute(select(Terminal.serial_number, Terminal.id).where(Terminal.serial_number.in_(serials))).all())
    fleet.terminals = [
        DemoTerminal(
            ids[row["serial_number"]],
            owner,
            row["token_hash"] is not None,
            random.Random(f"{SEED}-{row['serial_number']}"),
        )
        for row, owner in zip(rows, owners, strict=True)
    ]
    auditing.record(
        db, fleet.actor, "demo_load", "terminal", None, {"terminals": {"before": 0, "after": len(rows)}}, at=fleet.now
    )


def _terminal_row(fleet: Fleet, customer: int, serial: int, store: str, installed: date, *, enrolled: bool) -> dict:
    at = min(datetime(installed.year, installed.month, installed.day, 1, tzinfo=fleet.zone), fleet.now)
    return {
        "serial_number": f"TC200-{serial:06d}",
        "customer_id": fleet.customer_ids[customer],
        "store_name": store,
        "installed_date": installed,
        "status": "online" if enrolled else "offline",
        "reported_status": "online" if enrolled else "offline",
        "firmware_version": "1.1.0" if enrolled else FACTORY_FIRMWARE,
        "agent_version": AGENT_VERSION if enrolled else "",
        "cpu_usage": 20.0 if enrolled else 0.0,
        "memory_usage": 40.0 if enrolled else 0.0,
        "disk_usage": 40.0 if enrolled else 0.0,
        "last_heartbeat_at": at if enrolled else None,
        "offline_deadline_at": fleet.now + ONLINE_DEADLINE if enrolled else None,
        "token_hash": hash_secret(secrets.token_urlsafe(32)) if enrolled else None,
        "token_issued_at": at if enrolled else None,
        "created_at": at,
        "updated_at": at,
    }


def put_in_maintenance(db: Session, fleet: Fleet) -> None:
    actor = fleet.worker("fleet-operator")[0]
    count = max(1, round(MAINTENANCE_TERMINALS * fleet.size.share))
    starts = sorted(fleet.now - timedelta(minutes=fleet.rng.randint(60, 10 * 24 * 60)) for _ in range(count))
    for terminal, at in zip(fleet.pick(count), starts, strict=False):
        set_maintenance(db, terminal=db.get_one(Terminal, terminal.id), enabled=True, actor=actor, now=at)
