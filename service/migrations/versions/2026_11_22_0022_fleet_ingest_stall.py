"""fleet: ingest-stall platform alert state

Revision ID: 0022_fleet_ingest_stall
Revises: 0021_entry_logs_station_sessions
Create Date: 2026-11-22 20:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import service.database

revision: str = "0022_fleet_ingest_stall"
down_revision: str | None = "0021_entry_logs_station_sessions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("fleet_state") as batch:
        batch.add_column(sa.Column("ingest_stalled_since", service.database.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("fleet_state") as batch:
        batch.drop_column("ingest_stalled_since")
