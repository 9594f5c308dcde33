"""The reservations demo data: idempotent, every state and every manual case present, the documented MCP key works."""

from sqlalchemy import func, select

from service.audit.service import Actor
from service.database import session_scope, utcnow
from service.demo.framework import load_demo
from service.demo.reservations import MCP_KEY
from service.reservations import clients, labels
from service.reservations.models import ManualOperation, MonthlyStat, Reservation, ReservationEvent

DEMO = Actor(type="cli", label="demo-test")


def load() -> None:
    with session_scope() as db:
        load_demo(db, actor=DEMO, only=["platform", "reservations"])


def totals() -> tuple[int, int, int]:
    with session_scope() as db:
        return tuple(
            db.scalar(select(func.count()).select_from(m)) for m in (Reservation, ReservationEvent, MonthlyStat)
        )


def test_demo_covers_every_lasting_state_and_case_and_loads_once():
    load()
    first = totals()
    load()
    assert totals() == first and first[0] > 300
    with session_scope() as db:
        states = set(db.scalars(select(Reservation.status).distinct()))
        cases = set(db.scalars(select(ManualOperation.op_type).distinct()))
        open_cases = set(db.scalars(select(ManualOperation.op_type).where(ManualOperation.status == "open")))
        assert clients.authenticate(db, MCP_KEY, now=utcnow()) is not None
        months = db.scalar(select(func.count(MonthlyStat.month.distinct())))
    assert states == set(labels.STATUSES) - {"received", "calling_success"}
    assert cases == set(labels.OPERATION_TYPES) - {"payment_timeout"}
    assert {"ambiguous_answer", "change_request", "all_shops_declined"} <= open_cases
    assert months >= 4


def test_the_console_reads_the_demo(client):
    load()
    login = client.post("/api/auth/login", json={"login_id": "resv-operator", "password": "daicho-demo"}).json()
    headers = {"Authorization": f"Bearer {login['access_token']}"}
    assert client.get("/api/reservations/manual-operations", headers=headers).json()["total"] >= 3
    week = client.get("/api/reservations/kpis/weekly", headers=headers).json()
    assert week["booking_success_pct"] is not None
    summary = client.get("/api/reservations/executive/summary", headers=headers).json()
    assert sum(m["revenue"] for m in summary["months"]) > 0 and summary["shops"]
