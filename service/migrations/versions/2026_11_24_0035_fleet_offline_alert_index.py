"""fleet: the sweep finds the terminals whose offline alert is due now by an index, not by reading every terminal

Revision ID: 0035_fleet_offline_alert_index
Revises: 0034_crm_building_type
Create Date: 2026-11-24 14:30:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0035_fleet_offline_alert_index"
down_revision: str | None = "0034_crm_building_type"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_fleet_terminal_offline_alert_at", "fleet_terminal", ["offline_alert_at"])


def downgrade() -> None:
    op.drop_index("ix_fleet_terminal_offline_alert_at", table_name="fleet_terminal")
