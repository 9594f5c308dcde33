"""entry_logs: station sessions, so one station can be signed out

Revision ID: 0021_entry_logs_station_sessions
Revises: 0020_resv_incident_levels
Create Date: 2026-11-22 20:00:00.000000
"""

from collections.abc import Sequence

revision: str = "0021_entry_logs_station_sessions"
down_revision: str | None = "0020_resv_incident_levels"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
