"""entry_logs: the station's own scan time, logs recorded by staff, the nursery's closing time

Revision ID: 0024_entry_logs_door_day
Revises: 0023_resv_summary_indexes
Create Date: 2026-11-24 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024_entry_logs_door_day"
down_revision: str | None = "0023_resv_summary_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("entry_logs_log") as batch:
        batch.add_column(sa.Column("station_scanned_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("recorded_by", sa.String(length=100), nullable=True))
    with op.batch_alter_table("entry_logs_nursery") as batch:
        batch.add_column(sa.Column("closing_time", sa.Time(), nullable=True))
        batch.add_column(sa.Column("closing_notice_date", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("entry_logs_nursery") as batch:
        batch.drop_column("closing_notice_date")
        batch.drop_column("closing_time")
    with op.batch_alter_table("entry_logs_log") as batch:
        batch.drop_column("recorded_by")
        batch.drop_column("station_scanned_at")
