"""The demo's customers and their terminals, inserted in bulk, and the terminals in maintenance."""

import itertools
import random
import secrets
from collections.abc import Iterator
from datetime import date, datetime, timedelta

from sqlalchemy import func, insert, select
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
from service.fleet.credentials import hash_secret
from service.fleet.models import Customer, Terminal
from service.fleet.registry import customers
from service.fleet.registry.schemas import CustomerCreate
from service.fleet.registry.terminals import set_maintenance
from service.fleet.stores import store_of


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


def top_up_terminals(db: Session, fleet: Fleet, wanted: int) -> str:
    """`demo load --terminals N` on a demo already loaded: its customers get new terminals up to N in all, shared as
    the demo shares them, online at stores of their own; what was done, or why nothing was, in a sentence."""
    found = dict(db.execute(select(Customer.company_name, Customer.id).where(_demo_customer())).all())
    missing = [spec.name for spec in CUSTOMERS if spec.name not in found]
    if missing:
        return f"no terminals added: the demo's customers {', '.join(missing)} are gone (load a fresh demo instead)"
    fleet.customer_ids = [found[spec.name] for spec in CUSTOMERS]
    have = db.scalar(select(func.count()).select_from(Terminal).where(Terminal.customer_id.in_(found.values()))) or 0
    if wanted <= have:
        return f"no terminals added: the demo's customers have {have:,} already (asked for {wanted:,})"
    rows = _more_terminals(db, fleet, wanted - have)
    db.execute(insert(Terminal), rows)
    change = {"terminals": {"before": have, "after": have + len(rows)}}
    auditing.record(db, fleet.actor, "demo_load", "terminal", None, change, at=fleet.now)
    return f"{len(rows):,} terminals added: {have:,} → {have + len(rows):,}"


def _demo_customer():
    return Customer.company_name.in_([spec.name for spec in CUSTOMERS])


def _more_terminals(db: Session, fleet: Fleet, count: int) -> list[dict]:
    """New rows after the highest serial number, each customer's share of `count` at stores it does not have yet."""
    total = sum(spec.terminals for spec in CUSTOMERS)
    shares = [count * spec.terminals // total for spec in CUSTOMERS]
    shares[0] += count - sum(shares)
    serial = _last_serial(db)
    rows: list[dict] = []
    for index, (spec, share) in enumerate(zip(CUSTOMERS, shares, strict=True)):
        taken = set(db.scalars(select(Terminal.store).where(Terminal.customer_id == fleet.customer_ids[index])))
        names = (name for name in _stores(spec, 10**9, fleet.rng, offset=index * 5) if store_of(name) not in taken)
        for store in itertools.islice(names, share):
            installed = fleet.local(fleet.now).date()
            rows.append(_terminal_row(fleet, index, serial + len(rows) + 1, store, installed, enrolled=True))
    return rows


def _last_serial(db: Session) -> int:
    """The demo numbers its terminals TC200-000001 on."""
    last = db.scalar(select(func.max(Terminal.serial_number)).where(Terminal.serial_number.like("TC200-%")))
    return int(last.removeprefix("TC200-")) if last and last.removeprefix("TC200-").isdigit() else 0
