"""reservations: incident levels, target response times and escalation

Revision ID: 0020_reservations_incident_levels
Revises: 0019_crm_sales_manager
Create Date: 2026-11-22 20:00:00.000000
"""

from collections.abc import Sequence

revision: str = "0020_reservations_incident_levels"
down_revision: str | None = "0019_crm_sales_manager"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
