"""The reservations demo data: idempotent, every state and every manual case present, the documented MCP key works,
the 当番表 shows the demo's operators and a holiday's override on the first run."""

from datetime import date

from sqlalchemy import func, select

from service.audit.service import Actor
from service.database import session_scope, utcnow
from service.demo.framework import load_demo
from service.demo.reservations import MCP_KEY
from service.reservations import labels
from service.reservations.booking import clients
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


def test_the_first_run_has_the_demo_operators_on_call_by_week_and_a_holiday_covered_by_an_override(client):
    load()
    load()  # a second load adds nothing: the rotation and its override stay as they are
    login = client.post("/api/auth/login", json={"login_id": "resv-operator-2", "password": "daicho-demo"}).json()
    schedule = client.get("/api/reservations/on-call", headers={"Authorization": f"Bearer {login['access_token']}"})
    rotation, overrides, holidays = (schedule.json()[key] for key in ("rotation", "overrides", "holidays"))

    names = [member["name"] for member in rotation["members"]]
    assert rotation["period_label"] == "週ごと" and date.fromisoformat(rotation["starts_on"]).weekday() == 0
    assert names == ["渡辺 大輔", "木村 恵", "林 俊介"]
    assert schedule.json()["now"]["name"] in names and len(schedule.json()["upcoming"]) == 14
    [override] = overrides
    assert override["note"] == "祝日の代番（デモ）" and override["start_date"] == override["end_date"]
    holiday = holidays[0]  # the next public holiday, on the page with its name and who covers it
    assert (holiday["shift_day"], holiday["source_label"]) == (override["start_date"], "代番")
    assert holiday["holiday_name"] and holiday["name"] == override["name"]
