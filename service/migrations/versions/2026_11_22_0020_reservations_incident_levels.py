"""reservations: incident levels, target response times and escalation

Revision ID: 0020_resv_incident_levels
Revises: 0019_crm_sales_manager
Create Date: 2026-11-22 20:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from service.database import UTCDateTime

revision: str = "0020_resv_incident_levels"
down_revision: str | None = "0019_crm_sales_manager"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("reservations_incident") as batch:
        batch.add_column(sa.Column("responded_at", UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("escalated_at", UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("escalated_by", sa.String(length=100), server_default="", nullable=False))
    # Incidents recorded before escalation existed were reported by hand: they count as escalated when recorded.
    op.execute("UPDATE reservations_incident SET escalated_at = created_at, escalated_by = created_by")


def downgrade() -> None:
    with op.batch_alter_table("reservations_incident") as batch:
        batch.drop_column("escalated_by")
        batch.drop_column("escalated_at")
        batch.drop_column("responded_at")
