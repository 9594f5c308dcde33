"""fleet: ingest-stall platform alert state

Revision ID: 0022_fleet_ingest_stall
Revises: 0021_entry_logs_station_sessions
Create Date: 2026-11-22 20:00:00.000000
"""

from collections.abc import Sequence

revision: str = "0022_fleet_ingest_stall"
down_revision: str | None = "0021_entry_logs_station_sessions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
