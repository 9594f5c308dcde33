"""The upgrades to 未読 per person, the assignee and the status times keep what a database already knew, in place
(on SQLite too, where a copied table would lose its children's rows): a comment its side had read stays read for the
people of that side (the request's sales person; every back-office user), and each request's time in its status and
in 不備 is read from its comments, sites and cancellation."""

from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import Engine, MetaData, insert, select

from tests.service import test_migrations
from tests.support.database import alembic_config

BEFORE = "0041_fleet_saved_view"
START = datetime(2026, 11, 2, 0, 0, tzinfo=UTC)
scratch_engine = test_migrations.scratch_engine


def migrate(engine: Engine, revision: str, *, down: bool = False) -> None:
    with engine.begin() as conn:
        (command.downgrade if down else command.upgrade)(alembic_config(conn), revision)


def at(days: float) -> datetime:
    return START + timedelta(days=days)


def rows(conn, table, *values: dict) -> None:
    """Insert rows naming only what matters: every other required column gets an empty value of its type, every
    other optional one NULL."""
    empty = {str: "", bool: False, int: 0, datetime: START}
    filler = {
        c.name: None if c.nullable else ({} if c.type.python_type is dict else empty.get(c.type.python_type, ""))
        for c in table.columns
        if not c.primary_key and c.server_default is None
    }
    conn.execute(insert(table), [filler | row for row in values])


def old_database(engine: Engine) -> MetaData:
    """At the revision before: a sales person, two operators and a platform admin; four requests with comments."""
    migrate(engine, BEFORE)
    meta = MetaData()
    meta.reflect(engine)
    t = meta.tables
    with engine.begin() as conn:
        rows(conn, t["identity_user"], *({"id": i, "login_id": f"u{i}", "name": f"u{i}"} for i in range(1, 6)))
        rows(
            conn,
            t["identity_grant"],
            {"user_id": 1, "domain": "crm", "role": "sales", "scope": "1"},
            {"user_id": 2, "domain": "crm", "role": "operator"},
            {"user_id": 3, "domain": "crm", "role": "operator"},
            {"user_id": 4, "domain": "platform", "role": "admin"},
            {"user_id": 5, "domain": "crm", "role": "sales", "scope": "1"},
        )
        rows(conn, t["crm_agency"], {"id": 1, "name": "A", "code": "A"})
        rows(conn, t["crm_corporation"], {"id": 1, "agency_id": 1, "display_name": "c", "last_name": "c"})
        base = {"agency_id": 1, "corporation_id": 1, "requested_by": 1, "created_at": at(0), "updated_at": at(5)}
        rows(
            conn,
            t["crm_request"],
            base | {"id": 1, "status": "in_progress"},  # 不備 from day 1, resubmitted on day 3
            base | {"id": 2, "status": "deficient"},  # 不備 since day 2
            base | {"id": 3, "status": "submitted"},  # 投入済 on day 4
            base | {"id": 4, "status": "cancelled", "cancelled_at": at(1)},
        )
        rows(conn, t["crm_site"], {"request_id": 3, "corporation_id": 1, "agency_id": 1, "submitted_at": at(4)})
        comment = {"agency_id": 1, "message": "m"}
        rows(
            conn,
            t["crm_comment"],
            comment
            | {"id": 1, "request_id": 1, "type": "deficiency", "audience": "sales", "is_read": True}
            | {"created_at": at(1)},
            comment
            | {"id": 2, "request_id": 1, "type": "resubmission", "audience": "back_office", "is_read": True}
            | {"created_at": at(3)},
            comment
            | {"id": 3, "request_id": 1, "type": "comment", "audience": "back_office", "is_read": False}
            | {"created_at": at(3.5)},
            comment
            | {"id": 4, "request_id": 2, "type": "deficiency", "audience": "sales", "is_read": False}
            | {"created_at": at(2)},
        )
    return meta


@pytest.mark.dialect
def test_the_read_state_and_the_status_times_survive_the_upgrade(scratch_engine):
    old_database(scratch_engine)
    migrate(scratch_engine, "heads")
    meta = MetaData()
    meta.reflect(scratch_engine)
    marks, requests = meta.tables["crm_read_mark"], meta.tables["crm_request"]
    with scratch_engine.connect() as conn:
        read = set(conn.execute(select(marks.c.user_id, marks.c.request_id, marks.c.read_through)).tuples())
        times = {
            row.id: (row.status_since, row.closed_at, row.deficient_seconds)
            for row in conn.execute(select(requests).order_by(requests.c.id))
        }
    assert read == {
        (1, 1, 1),
        (2, 1, 2),
        (3, 1, 2),
        (4, 1, 2),
    }  # owner: the deficiency; back office: to the resubmission
    day = 86_400
    assert {k: (v[0].replace(tzinfo=UTC) if v[0].tzinfo is None else v[0], v[2]) for k, v in times.items()} == {
        1: (at(3), 2 * day),
        2: (at(2), 0),
        3: (at(4), 0),
        4: (at(1), 0),
    }
    assert [times[i][1] is not None for i in (1, 2, 3, 4)] == [False, False, True, True]


@pytest.mark.dialect
def test_the_images_waiting_for_ocr_keep_their_place_in_the_turns(scratch_engine):
    migrate(scratch_engine, "0092_import_steps_rest")
    meta = MetaData()
    meta.reflect(scratch_engine)
    t = meta.tables
    with scratch_engine.begin() as conn:
        rows(conn, t["identity_user"], {"id": 1, "login_id": "u1", "name": "u1"})
        rows(conn, t["crm_agency"], {"id": 1, "name": "A", "code": "A"})
        rows(conn, t["crm_corporation"], {"id": 1, "agency_id": 1, "display_name": "c", "last_name": "c"})
        rows(conn, t["crm_request"], {"id": 1, "agency_id": 1, "corporation_id": 1, "requested_by": 1})
        image = {"request_id": 1, "agency_id": 1}
        rows(
            conn,
            t["crm_image"],
            image | {"id": 1, "stored_path": "a", "uploaded_at": at(1), "ocr_result": {"status": "pending"}},
            image | {"id": 2, "stored_path": "b", "uploaded_at": at(2), "ocr_result": {"status": "done"}},
            image | {"id": 3, "stored_path": "c", "uploaded_at": at(3)},
        )
    migrate(scratch_engine, "0093_ocr_turns")
    images = MetaData()
    images.reflect(scratch_engine, only=["crm_image"])
    table = images.tables["crm_image"]
    with scratch_engine.connect() as conn:
        waiting = dict(conn.execute(select(table.c.id, table.c.ocr_queued_at)).tuples().all())
    assert {id_: queued is not None for id_, queued in waiting.items()} == {1: True, 2: False, 3: False}
    migrate(scratch_engine, "0092_import_steps_rest", down=True)
