"""fleet: indexes that keep pruning commands short (their referrers and their age)

Revision ID: 0016_fleet_prune_indexes
Revises: 0015_fleet_alert_report
Create Date: 2026-11-22 18:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016_fleet_prune_indexes"
down_revision: str | None = "0015_fleet_alert_report"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Deleting a command sets these references to NULL: without an index each deleted row scans the table.
    op.create_index("ix_fleet_update_task_command_id", "fleet_update_task", ["command_id"])
    op.create_index("ix_fleet_diagnostic_command_id", "fleet_diagnostic", ["command_id"])
    op.create_index("ix_fleet_command_created_at", "fleet_command", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_fleet_command_created_at", table_name="fleet_command")
    op.drop_index("ix_fleet_diagnostic_command_id", table_name="fleet_diagnostic")
    op.drop_index("ix_fleet_update_task_command_id", table_name="fleet_update_task")
