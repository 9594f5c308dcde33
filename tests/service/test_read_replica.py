"""APP_DATABASE_READ_URL: the dashboards' reads (service/routers.py DASHBOARD_READS) go to a read-only engine, every
other request to the primary; a read session cannot write; tenancy scoping is the same there."""

import os
from collections.abc import Iterator

import pytest
from alembic import command
from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy import event, insert, select, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from service import database
from service.config import get_settings
from service.database import build_engine, get_read_engine, get_read_sessionmaker, session_scope
from service.entry_logs.models import Nursery
from service.fleet.models import Customer
from service.identity.models import Grant, User
from service.routers import DASHBOARD_READS
from tests.factories import auth_headers, make_user
from tests.service.fleet.conftest import CONTACTS, make_customer
from tests.support.database import alembic_config
from tests.support.run_resources import create_run_database

NURSERY_PAGES = ("/api/attendance", "/api/entry-logs/children", "/api/entry-logs/parents")  # need a nurseryId


@pytest.fixture
def read_url(monkeypatch) -> Iterator:
    """read_url(url) points APP_DATABASE_READ_URL at url (the settings and read engine rebuilt); undone after."""

    def point(url: str) -> Engine:
        monkeypatch.setenv("APP_DATABASE_READ_URL", url)
        reset()
        return get_read_engine()

    yield point
    monkeypatch.undo()
    reset()


def reset() -> None:
    if get_read_engine.cache_info().currsize and get_read_engine() is not database.get_engine():
        get_read_engine().dispose()
    get_settings.cache_clear()
    get_read_engine.cache_clear()
    get_read_sessionmaker.cache_clear()


def statements_on(engine: Engine) -> list[str]:
    """Every statement the engine runs from now on."""
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    return seen


def dashboard_read_paths(app) -> list[str]:
    return sorted(
        context.path
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute) and context.endpoint in DASHBOARD_READS
    )


@pytest.mark.dialect
def test_every_dashboard_read_answers_from_a_read_only_engine_and_writes_stay_on_the_primary(app, client, read_url):
    replica = read_url(os.environ["APP_DATABASE_URL"])  # the primary itself, through a read-only engine
    assert replica is not database.get_engine()
    with session_scope() as db:
        admin = auth_headers(make_user(db, "admin", grants={"platform": "admin"}))
        nursery = Nursery(code="replica", name="さくら保育園")
        db.add(nursery)
        db.flush()
        nursery_query = {"nurseryId": nursery.id}
    paths = dashboard_read_paths(app)
    assert len(paths) == len(DASHBOARD_READS)
    seen = statements_on(replica)
    for path in paths:
        answer = client.get(path, headers=admin, params=nursery_query if path in NURSERY_PAGES else None)
        assert answer.status_code == 200, (path, answer.text)  # a write on the read session would be a 500
    assert seen  # the reads were served there

    seen.clear()
    created = client.post("/api/fleet/customers", headers=admin, json={"company_name": "本番商事", **CONTACTS})
    assert created.status_code == 201, created.text
    opened = client.get(f"/api/fleet/customers/{created.json()['id']}", headers=admin)
    assert opened.status_code == 200 and seen == []  # a write and an unmarked read: the primary's


def test_a_read_session_refuses_to_write(read_url):
    read_url(os.environ["APP_DATABASE_URL"])
    with pytest.raises(DBAPIError, match="read-only|readonly|attempt to write"):
        with get_read_sessionmaker()() as db:
            db.execute(text("UPDATE audit_chain_head SET last_seq = last_seq"))


def test_unset_the_dashboard_reads_use_the_primary(read_url):
    assert read_url("") is database.get_engine()


def replica_url() -> str:
    primary = make_url(os.environ["APP_DATABASE_URL"])
    return primary.set(database=f"{primary.database}_replica").render_as_string(hide_password=False)


@pytest.fixture(scope="module")
def replica_database() -> Iterator[str]:
    """A second, migrated PostgreSQL database standing in for a streaming replica (created afresh)."""
    url = replica_url()
    create_run_database(url)
    engine = build_engine(url, poolclass=NullPool)
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "heads")
    yield url
    engine.dispose()


def copy_to(url: str, *models: type) -> Engine:
    """What replication would have brought over: the models' rows, copied from the primary."""
    engine = build_engine(url, poolclass=NullPool)
    with session_scope() as db, engine.begin() as conn:
        for model in models:
            rows = [dict(row._mapping) for row in db.execute(select(model.__table__))]
            conn.execute(model.__table__.delete())
            conn.execute(insert(model.__table__), rows)
    return engine


@pytest.mark.postgres_only
def test_dashboard_reads_come_from_the_replica_scoped_as_on_the_primary(client, read_url, replica_database):
    with session_scope() as db:
        mine, other = make_customer(db, "自社商事"), make_customer(db, "他社商事")
        admin = make_user(db, "admin", grants={"platform": "admin"})
        viewer = make_user(db, "viewer", grants={"fleet": ("operator", str(mine.id))})
        admin_headers, viewer_headers = auth_headers(admin), auth_headers(viewer)
    replica = copy_to(replica_database, Customer, User, Grant)
    with replica.begin() as conn:
        conn.execute(insert(Customer.__table__), {"id": 900, "company_name": "レプリカ商事", "contract_type": "basic"})
    replica.dispose()
    read_url(replica_database)

    def names(headers: dict) -> set[str]:
        answer = client.get("/api/fleet/customers", headers=headers)
        assert answer.status_code == 200, answer.text
        return {item["company_name"] for item in answer.json()["items"]}

    assert names(admin_headers) == {"他社商事", "自社商事", "レプリカ商事"}  # with what only the replica holds
    assert names(viewer_headers) == {"自社商事"}  # scoped there as on the primary
    assert client.get(f"/api/fleet/customers/{other.id}", headers=viewer_headers).status_code == 404

    created = client.post("/api/fleet/customers", headers=admin_headers, json={"company_name": "新規商事", **CONTACTS})
    assert created.status_code == 201, created.text
    assert "新規商事" not in names(admin_headers)  # written to the primary, not (yet) replicated
    with session_scope() as db:
        assert db.scalar(select(Customer.id).where(Customer.company_name == "新規商事")) == created.json()["id"]
        assert db.scalar(select(Customer.id).where(Customer.id == 900)) is None
