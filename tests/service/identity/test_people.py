"""People are shown by their names, never by login ids (service/identity/people.py): a list and its CSV name who did
it as they were called then, the audit log names them as they are called now with the login id an admin looks for,
the system is システム; migration 0066 renames the login ids already written."""

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from sqlalchemy import MetaData, select

from service.audit.vocabulary import actor_name
from tests.factories import auth_headers, make_user
from tests.service import test_migrations
from tests.service.crm.test_upgrades import migrate, rows
from tests.service.fleet.rollouts.test_firmware import upload
from tests.support.downloads import csv_download

RELEASES = "/api/fleet/firmware/releases"
BEFORE, PEOPLE_NAMES = "0061_crm_ocr_typed", "0066_people_names"
AT = datetime(2026, 11, 20, tzinfo=UTC)
scratch_engine = test_migrations.scratch_engine


def cells(response) -> list[dict[str, str]]:
    head, *body = csv_download(response)
    return [dict(zip(head, row, strict=True)) for row in body]


def fleet_log(client, headers) -> list[dict]:
    return client.get("/api/admin/audit", params={"domain": "fleet"}, headers=headers).json()["items"]


@pytest.mark.dialect
def test_a_list_its_csv_and_the_audit_log_name_the_person_not_the_login(client, db):
    yamada = make_user(db, "yamada", name="山田 太郎", grants={"fleet": "admin"})
    root = make_user(db, "root", name="管理者 花子", grants={"platform": "admin"})
    db.commit()
    first = upload(client, auth_headers(yamada), version="2.0.0").json()
    assert first["created_by"] == "山田 太郎"
    listed = client.get(RELEASES, headers=auth_headers(yamada)).json()["items"]
    assert [release["created_by"] for release in listed] == ["山田 太郎"]
    shown = cells(client.get(f"{RELEASES}/export", headers=auth_headers(yamada)))
    assert [row["登録者"] for row in shown] == ["山田 太郎"]
    logged = fleet_log(client, auth_headers(root))
    assert [(entry["actor_name"], entry["actor_label"]) for entry in logged] == [("山田 太郎（yamada）", "山田 太郎")]

    # renamed (an admin's change, audited as that admin) and at work again, then deactivated
    renamed = client.patch(f"/api/admin/users/{yamada.id}", json={"name": "山田 次郎"}, headers=auth_headers(root))
    assert renamed.status_code == 200
    second = upload(client, auth_headers(yamada), version="2.0.1").json()
    assert second["created_by"] == "山田 次郎"
    shown = cells(client.get(f"{RELEASES}/export", headers=auth_headers(yamada)))
    assert {row["バージョン"]: row["登録者"] for row in shown} == {"2.0.0": "山田 太郎", "2.0.1": "山田 次郎"}
    client.patch(f"/api/admin/users/{yamada.id}", json={"is_active": False}, headers=auth_headers(root))
    assert [entry["actor_name"] for entry in fleet_log(client, auth_headers(root))] == ["山田 次郎（yamada）"] * 2
    platform = client.get("/api/admin/audit", params={"domain": "platform"}, headers=auth_headers(root)).json()
    assert {entry["actor_name"] for entry in platform["items"]} == {"管理者 花子（root）"}
    exported = cells(client.get("/api/admin/audit/export", params={"domain": "fleet"}, headers=auth_headers(root)))
    assert [row["操作者"] for row in exported] == ["山田 次郎（yamada）"] * 2


def entry(actor_type: str, label: str, actor_id: str | None = None) -> SimpleNamespace:
    return SimpleNamespace(actor_type=actor_type, actor_label=label, actor_id=actor_id)


def test_an_actor_reads_as_a_person_a_kind_or_the_system():
    """A user gone from the accounts keeps the name recorded; the system is システム, whatever an old entry says."""
    people = {"7": "山田 太郎（yamada）"}
    assert actor_name(entry("user", "yamada", "7"), people) == "山田 太郎（yamada）"
    assert actor_name(entry("user", "佐藤 一郎", "8"), people) == "佐藤 一郎"
    assert (
        actor_name(entry("system", "system"), people) == actor_name(entry("system", "システム"), people) == "システム"
    )
    assert actor_name(entry("cli", "root"), people) == "管理コマンド（root）"
    assert actor_name(entry("anonymous", ""), people) == "未ログイン"


def fleet_alert_rows(engine) -> dict[int, tuple[str, str, str]]:
    meta = MetaData()
    meta.reflect(engine)
    alert = meta.tables["fleet_alert"]
    with engine.connect() as conn:
        found = select(alert.c.id, alert.c.acknowledged_by, alert.c.resolved_by, alert.c.reported_by)
        return {row.id: (row.acknowledged_by, row.resolved_by, row.reported_by) for row in conn.execute(found)}


@pytest.mark.dialect
def test_the_upgrade_names_the_people_already_written_and_the_downgrade_takes_it_back(scratch_engine):
    """A login id becomes its account's name, "system" システム; a label no account has stays; down again, a name
    one account has is its login id once more."""
    migrate(scratch_engine, BEFORE)
    meta = MetaData()
    meta.reflect(scratch_engine)
    t = meta.tables
    person = {"email": "", "password_hash": "x", "is_active": True, "created_at": AT, "updated_at": AT}
    load = {"cpu_usage": 0.0, "memory_usage": 0.0, "disk_usage": 0.0}
    with scratch_engine.begin() as conn:
        rows(conn, t["identity_user"], person | {"id": 1, "login_id": "yamada", "name": "山田 太郎"})
        rows(conn, t["identity_user"], person | {"id": 2, "login_id": "sato", "name": "佐藤 一郎"})
        rows(conn, t["fleet_customer"], {"id": 1, "company_name": "ABC商事", "created_at": AT, "updated_at": AT})
        terminal = {"id": 1, "serial_number": "T1", "customer_id": 1, "store_name": "本店", "created_at": AT}
        rows(conn, t["fleet_terminal"], terminal | load)
        alert = {"terminal_id": 1, "customer_id": 1, "status": "resolved", "created_at": AT}
        rows(
            conn,
            t["fleet_alert"],
            alert
            | {
                "id": 1,
                "alert_type": "offline",
                "acknowledged_by": "yamada",
                "resolved_by": "system",
                "reported_by": "",
            },
            alert
            | {
                "id": 2,
                "alert_type": "error",
                "acknowledged_by": "sato",
                "resolved_by": "yamada",
                "reported_by": "gone-away",
            },
        )

    migrate(scratch_engine, PEOPLE_NAMES)
    assert fleet_alert_rows(scratch_engine) == {
        1: ("山田 太郎", "システム", ""),
        2: ("佐藤 一郎", "山田 太郎", "gone-away"),
    }
    migrate(scratch_engine, BEFORE, down=True)
    assert fleet_alert_rows(scratch_engine) == {1: ("yamada", "system", ""), 2: ("sato", "yamada", "gone-away")}
