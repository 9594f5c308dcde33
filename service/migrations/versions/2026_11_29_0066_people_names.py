"""every row that names who did something names the person: the login ids written as 作成者, 対応者, 登録者,
取込者, 報告者 and notes' authors become the accounts' names (service/identity/people.py), the system's "system"
becomes システム; the audit log stays as it is (its rows are hash-chained) and is read with names
(service/audit/vocabulary.py)

Revision ID: 0066_people_names
Revises: 0061_crm_ocr_typed
Create Date: 2026-11-29 04:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0066_people_names"
down_revision: str | None = "0061_crm_ocr_typed"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SYSTEM_CODE, SYSTEM_NAME = "system", "システム"
# (table, column, the rows a person wrote it in); the fleet's alerts and incidents share their steps' columns
FLEET_STEPS = ("acknowledged_by", "diagnosed_by", "customer_contacted_by", "resolved_by", "reported_by")
WHO = (
    *((table, column, "") for table in ("fleet_alert", "fleet_incident") for column in FLEET_STEPS),
    *(
        (table, "created_by", "")
        for table in (
            "fleet_maintenance_window",
            "fleet_firmware_release",
            "fleet_rollout",
            "fleet_command",
            "fleet_terminal_import",
            "reservations_mcp_client",
            "reservations_incident",
            "reservations_support_inquiry",
            "reservations_oncall_override",
            "loaners_import",
        )
    ),
    ("fleet_alert_note", "author", ""),
    ("fleet_incident_note", "author", ""),
    ("reservations_note", "author", ""),
    ("reservations_manual_operation", "resolved_by", ""),
    ("reservations_incident", "escalated_by", ""),
    ("reservations_page", "acknowledged_by", ""),
    ("reservations_event", "actor_label", " AND actor_type = 'operator'"),
    ("entry_logs_log", "recorded_by", ""),
    ("entry_logs_log", "deleted_by", ""),
    ("entry_logs_pickup_alert", "acknowledged_by", ""),
    ("loaners_rotation", "started_by", ""),
)
# where the system's own work is written down by the word the system is known by
SYSTEM_WRITTEN = (
    ("fleet_alert", "resolved_by"),
    ("fleet_incident", "resolved_by"),
    ("reservations_incident", "escalated_by"),
    ("reservations_incident", "created_by"),
    ("reservations_manual_operation", "resolved_by"),
    ("loaners_rotation", "started_by"),
)


def _rename(table: str, column: str, rows: str, *, stored: str, shown: str, unique_by: str = "") -> None:
    found = f"SELECT u.{shown} FROM identity_user u WHERE u.{stored} = {table}.{column}{unique_by}"
    op.execute(f"UPDATE {table} SET {column} = ({found}) WHERE EXISTS ({found}){rows}")


def upgrade() -> None:
    for table, column in SYSTEM_WRITTEN:
        op.execute(f"UPDATE {table} SET {column} = '{SYSTEM_NAME}' WHERE {column} = '{SYSTEM_CODE}'")
    op.execute(f"UPDATE reservations_event SET actor_label = '' WHERE actor_type = '{SYSTEM_CODE}'")
    for table, column, rows in WHO:
        _rename(table, column, rows, stored="login_id", shown="name")


def downgrade() -> None:
    """A name two accounts share stays a name."""
    once = " AND (SELECT count(*) FROM identity_user o WHERE o.name = u.name) = 1"
    for table, column, rows in WHO:
        _rename(table, column, rows, stored="name", shown="login_id", unique_by=once)
    op.execute(f"UPDATE reservations_event SET actor_label = '{SYSTEM_CODE}' WHERE actor_type = '{SYSTEM_CODE}'")
    for table, column in SYSTEM_WRITTEN:
        op.execute(f"UPDATE {table} SET {column} = '{SYSTEM_CODE}' WHERE {column} = '{SYSTEM_NAME}'")
