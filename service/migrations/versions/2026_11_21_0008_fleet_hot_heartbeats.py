"""fleet: heartbeats update terminals in place (HOT): no index on the columns every beat rewrites, room on each page

Revision ID: 0008_fleet_hot_heartbeats
Revises: 0007_crm
Create Date: 2026-11-21 13:00:00.000000

A heartbeat rewrites last_heartbeat_at and offline_deadline_at. While either was indexed, every beat wrote a new entry
into each of the terminal table's six indexes; without them PostgreSQL updates the row on its own page (a HOT update)
when the page has room, which fillfactor 70 leaves. The offline sweep and the list's sort by last heartbeat scan the
terminal table instead (100,000 rows: milliseconds).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008_fleet_hot_heartbeats"
down_revision: str | None = "0007_crm"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_fleet_terminal_status_deadline", table_name="fleet_terminal")
    op.drop_index("ix_fleet_terminal_last_heartbeat_at", table_name="fleet_terminal")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE fleet_terminal SET (fillfactor = 70)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE fleet_terminal RESET (fillfactor)")
    op.create_index("ix_fleet_terminal_last_heartbeat_at", "fleet_terminal", ["last_heartbeat_at"])
    op.create_index("ix_fleet_terminal_status_deadline", "fleet_terminal", ["status", "offline_deadline_at"])
