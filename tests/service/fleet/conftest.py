"""Fleet test helpers: customers, enrolled terminals, heartbeat bodies and users with fleet roles."""

from datetime import timedelta

from service.database import utcnow
from service.fleet import credentials
from service.fleet.models import Customer, Terminal
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
