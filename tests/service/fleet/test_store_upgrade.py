"""The upgrade to stores (0054) gives every terminal already registered its store, from its 設置店舗名, in place; an
incident already open counts the stores of its terminals."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import MetaData, select

from tests.service import test_migrations
from tests.service.crm.test_upgrades import migrate, rows

BEFORE = "0053_resv_on_call"
AT = datetime(2026, 11, 2, tzinfo=UTC)
scratch_engine = test_migrations.scratch_engine
LOAD = {"cpu_usage": 0.0, "memory_usage": 0.0, "disk_usage": 0.0}


@pytest.mark.dialect
def test_the_upgrade_names_each_terminals_store_by_its_name(scratch_engine):
    migrate(scratch_engine, BEFORE)
    meta = MetaData()
    meta.reflect(scratch_engine)
    t = meta.tables
    names = ["新宿店 レジ1番", "新宿店 レジ2番", "渋谷店　会計1", "本店"]
    with scratch_engine.begin() as conn:
        rows(conn, t["fleet_customer"], {"id": 1, "company_name": "ABC商事", "created_at": AT, "updated_at": AT})
        rows(
            conn,
            t["fleet_terminal"],
            *(
                {"id": n, "serial_number": f"T{n}", "customer_id": 1, "store_name": name, "created_at": AT} | LOAD
                for n, name in enumerate(names, start=1)
            ),
        )
        rows(conn, t["fleet_incident"], {"id": 1, "customer_id": 1, "status": "open", "created_at": AT})
        rows(
            conn,
            t["fleet_alert"],
            *(
                {"terminal_id": n, "customer_id": 1, "incident_id": 1, "alert_type": "offline", "created_at": AT}
                for n in (1, 2, 3)
            ),
        )

    migrate(scratch_engine, "heads")

    meta = MetaData()
    meta.reflect(scratch_engine)
    with scratch_engine.connect() as conn:
        terminal, incident = meta.tables["fleet_terminal"], meta.tables["fleet_incident"]
        stores = dict(conn.execute(select(terminal.c.store_name, terminal.c.store)).all())
        assert stores == {
            "新宿店 レジ1番": "新宿店",
            "新宿店 レジ2番": "新宿店",
            "渋谷店　会計1": "渋谷店",
            "本店": "本店",
        }
        assert conn.scalar(select(incident.c.store_count)) == 2
