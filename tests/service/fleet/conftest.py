"""Fleet test helpers: customers, enrolled terminals, heartbeat bodies, users with fleet roles, and the partitions of
the tables PostgreSQL partitions by time."""

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import text

from service.database import session_scope, utcnow
from service.fleet import credentials, retention
from service.fleet.models import Customer, MetricHourly, MetricSample, Terminal
from tests.factories import auth_headers, make_user

# What the API requires of a new customer beside its name (§2.1).
CONTACTS = {"contact_person": "田中", "contact_email": "tanaka@example.jp", "contact_phone": "03-1234-5678"}


def make_customer(db, name="ABC商事", **fields) -> Customer:
    customer = Customer(**CONTACTS | fields, company_name=name)
    db.add(customer)
    db.flush()
    return customer


def make_terminal(db, customer, serial="TC200-0001", *, enrolled=True, **fields) -> tuple[Terminal, str | None]:
    """A terminal and, when enrolled, its agent token."""
    terminal = Terminal(
        serial_number=serial, customer_id=customer.id, store_name=fields.pop("store_name", "新宿店"), **fields
    )
    db.add(terminal)
    db.flush()
    token = credentials._issue_token(terminal, utcnow()) if enrolled else None
    db.flush()
    return terminal, token


def beat(**overrides) -> dict:
    body = {
        "sent_at": utcnow().isoformat(),
        "status": "online",
        "firmware_version": "1.0.0",
        "cpu": 20.0,
        "memory": 30.0,
        "disk": 40.0,
        "agent_version": "0.1.0",
        "events": [],
    }
    return body | overrides


def agent_headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def send(client, token, **overrides):
    return client.post("/api/fleet/agent/heartbeat", json=beat(**overrides), headers=agent_headers(token))


def user_headers(db, login_id="operator1", role="operator", scope=None) -> dict[str, str]:
    user = make_user(db, login_id, grants={"fleet": (role, scope)})
    return auth_headers(user)


def ago(**kwargs):
    return utcnow() - timedelta(**kwargs)


def sample(db, terminal, at: datetime, cpu: float = 10.0) -> int:
    """A raw metric sample's id."""
    return _added(db, MetricSample(terminal_id=terminal.id, recorded_at=at, cpu=cpu, memory=20, disk=30))


def hourly(db, terminal, hour: datetime, cpu: float = 10.0) -> int:
    """An hourly rollup's id."""
    row = MetricHourly(terminal_id=terminal.id, hour=hour, samples=12, cpu_min=cpu, cpu_avg=cpu, cpu_max=cpu,
                       memory_min=20, memory_avg=20, memory_max=20, disk_min=30, disk_avg=30, disk_max=30)  # fmt: skip
    return _added(db, row)


def _added(db, row) -> int:
    db.add(row)
    db.flush()
    return row.id


def partitions(db, table: str) -> set[str]:
    names = db.scalars(
        text(
            "SELECT child.relname FROM pg_inherits JOIN pg_class child ON child.oid = pg_inherits.inhrelid"
            " JOIN pg_class parent ON parent.oid = pg_inherits.inhparent WHERE parent.relname = :table"
        ),
        {"table": table},
    )
    return set(names)


def partition_of(db, table: str, row_id: int) -> str:
    return db.scalar(text(f"SELECT tableoid::regclass::text FROM {table} WHERE id = :id"), {"id": row_id})


@pytest.fixture
def own_partitions(db) -> Iterator[None]:
    """The partitions a test makes, dropped after it (DDL outlives a test's rows), once the test's session has
    committed and let go of the tables, as its with-block would."""
    tables = [partitioned.column.table.name for partitioned in retention.PARTITIONED.values()]
    before = {table: partitions(db, table) for table in tables}
    yield
    db.commit()
    with session_scope() as work:
        for table in tables:
            for name in partitions(work, table) - before[table]:
                work.execute(text(f'DROP TABLE "{name}"'))
