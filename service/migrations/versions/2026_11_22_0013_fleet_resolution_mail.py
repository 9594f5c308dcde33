"""fleet: alerts and incidents remember the digest that mailed their resolution

Revision ID: 0013_fleet_resolution_mail
Revises: 0012_entry_logs_parent_link
Create Date: 2026-11-22 14:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_fleet_resolution_mail"
down_revision: str | None = "0012_entry_logs_parent_link"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("fleet_alert", "fleet_incident")
UNMAILED = sa.text("status = 'resolved' AND resolved_digest_id IS NULL")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("resolved_digest_id", sa.Integer(), nullable=True))
            batch.create_foreign_key(
                op.f(f"fk_{table}_resolved_digest_id_fleet_digest"),
                "fleet_digest",
                ["resolved_digest_id"],
                ["id"],
                ondelete="SET NULL",
            )
        # Resolutions before this revision counted as mailed with the alert's own digest (never mailed: mail them now).
        op.execute(f"UPDATE {table} SET resolved_digest_id = digest_id WHERE status = 'resolved'")
        op.create_index(
            f"ix_{table}_unmailed_resolution",
            table,
            ["resolved_at"],
            postgresql_where=UNMAILED,
            sqlite_where=UNMAILED,
        )


def downgrade() -> None:
    for table in TABLES:
        op.drop_index(f"ix_{table}_unmailed_resolution", table_name=table)
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(op.f(f"fk_{table}_resolved_digest_id_fleet_digest"), type_="foreignkey")
            batch.drop_column("resolved_digest_id")
