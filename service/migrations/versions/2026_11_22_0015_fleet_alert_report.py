"""fleet: an alert's §4.2 step 6 完了報告 (who reported and when)

Revision ID: 0015_fleet_alert_report
Revises: 0014_entry_logs_station_gen
Create Date: 2026-11-22 15:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from service.database import UTCDateTime

revision: str = "0015_fleet_alert_report"
down_revision: str | None = "0014_entry_logs_station_gen"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("fleet_alert") as batch:
        batch.add_column(sa.Column("reported_at", UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("reported_by", sa.String(length=100), server_default="", nullable=False))
    # Before step 6 was recorded, resolving an alert was its completion: count it as reported then.
    op.execute("UPDATE fleet_alert SET reported_at = resolved_at, reported_by = resolved_by WHERE status = 'resolved'")


def downgrade() -> None:
    with op.batch_alter_table("fleet_alert") as batch:
        batch.drop_column("reported_by")
        batch.drop_column("reported_at")
