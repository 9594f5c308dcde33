"""fleet: the terminals offline now by a partial index, for the sweep's outages left without an alert

Revision ID: 0039_fleet_offline_index
Revises: 0038_docs_job_ledger
Create Date: 2026-11-25 19:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0039_fleet_offline_index"
down_revision: str | None = "0038_docs_job_ledger"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OFFLINE = sa.text("status = 'offline'")


def upgrade() -> None:
    op.create_index(
        "ix_fleet_terminal_offline",
        "fleet_terminal",
        ["offline_alert_at"],
        postgresql_where=OFFLINE,
        sqlite_where=OFFLINE,
    )


def downgrade() -> None:
    op.drop_index("ix_fleet_terminal_offline", table_name="fleet_terminal")
