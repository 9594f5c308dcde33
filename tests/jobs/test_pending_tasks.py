"""Work a request asks for is recorded in its transaction and sent after the commit, and kept as a pending task until
the worker ran it; the sweep sends again a task never sent, or sent and not started within the grace."""

import pytest
from sqlalchemy import func, select

from jobs.platform import send_pending_tasks
from service import broker
from service.config import get_settings
from service.database import session_scope, utcnow
from service.fleet.models import Customer, TerminalImport
from service.loaners.seed import ensure_initial_data
from tests.factories import auth_headers, make_user
from tests.service.loaners.imports.test_imports import HEADER, ROWS, upload
from tests.support.waiting import wait_for_job
from tests.support.worker import purge_queue

pytestmark = pytest.mark.slow

TERMINALS = "serial_number,customer,store_name\nTC-1,ABC商事,新宿店\nTC-2,ABC商事,渋谷店\n"


def scalar(stmt):
    with session_scope() as db:
        return db.scalar(stmt)


def pending() -> list[tuple[str, list]]:
    with session_scope() as db:
        return [(row.task, row.args) for row in db.scalars(select(broker.PendingTask))]


def sent() -> list[bool]:
    """Whether each pending task was sent."""
    with session_scope() as db:
        return [row.sent_at is not None for row in db.scalars(select(broker.PendingTask))]


@pytest.fixture
def broker_down(monkeypatch):
    """The service's sender points at a port where no broker listens; undo() brings the real one back."""
    dead = broker.make_sender(get_settings().model_copy(update={"redis_url": "redis://127.0.0.1:1/0"}))
    monkeypatch.setattr(broker, "sender", lambda: dead)
    return monkeypatch


def upload_terminals(client, db) -> int:
    db.add(Customer(company_name="ABC商事"))
    admin = make_user(db, "admin1", grants={"fleet": "admin"})
    db.commit()
    files = {"file": ("t.csv", TERMINALS.encode(), "text/csv")}
    response = client.post("/api/fleet/imports", files=files, headers=auth_headers(admin))
    assert response.status_code == 202, response.text
    return response.json()["id"]


def test_a_fleet_import_uploaded_while_the_broker_is_down_is_processed_by_the_sweep(
    client, db, broker_down, start_worker, caplog
):
    import_id = upload_terminals(client, db)
    assert "could not send" in caplog.text
    assert (pending(), sent()) == ([("fleet.import_terminals", [import_id])], [False])
    broker_down.undo()
    start_worker()
    assert send_pending_tasks() == 1
    wait_for_job(
        lambda: scalar(select(TerminalImport.status).where(TerminalImport.id == import_id)) == "done",
        timeout=60,
        message="the swept import to finish",
    )
    assert scalar(select(TerminalImport.accepted_rows).where(TerminalImport.id == import_id)) == 2
    wait_for_job(lambda: pending() == [], timeout=60, message="the worker to forget the import's task")


def test_a_loaners_import_uploaded_while_the_broker_is_down_is_sent_by_the_sweep(client, db, broker_down):
    with session_scope() as seed:
        ensure_initial_data(seed, now=utcnow())
    admin = auth_headers(make_user(db, "admin1", grants={"loaners": ("admin", None)}))
    db.commit()
    response = upload(client, admin, HEADER + ROWS[0])
    assert response.status_code == 202, response.text
    assert pending() == [("loaners.import_submissions", [response.json()["id"]])]
    broker_down.undo()
    purge_queue()
    assert send_pending_tasks() == 1
    assert (broker.queue_length(), sent()) == (1, [True])  # kept until a worker ran it
    assert send_pending_tasks() == 0
    purge_queue()


def test_with_the_broker_up_the_task_is_sent_at_commit_and_its_pending_task_goes_once_it_ran(client, db, start_worker):
    import_id = upload_terminals(client, db)
    assert (broker.queue_length(), sent()) == (1, [True])
    assert send_pending_tasks() == 0
    start_worker()
    wait_for_job(
        lambda: pending() == [],
        timeout=60,
        message="the worker to run the import and forget its task",
    )
    assert scalar(select(TerminalImport.status).where(TerminalImport.id == import_id)) == "done"


def test_a_rolled_back_transaction_sends_nothing_and_records_nothing():
    purge_queue()
    with pytest.raises(RuntimeError), session_scope() as db:
        broker.queue_task(db, "fleet.import_terminals", 1)
        raise RuntimeError("the upload failed")
    assert (broker.queue_length(), scalar(select(func.count()).select_from(broker.PendingTask))) == (0, 0)
