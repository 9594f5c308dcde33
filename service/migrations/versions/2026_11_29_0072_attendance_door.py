"""entry_logs: the names staff give scan stations (`entry_logs_station_name`), shown in the logs and their download
instead of the station's id

Revision ID: 0072_attendance_door
Revises: 0074_fleet_alert_kinds
Create Date: 2026-11-29 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0072_attendance_door"
down_revision: str | None = "0074_fleet_alert_kinds"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "entry_logs_station_name"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("nursery_id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.ForeignKeyConstraint(
            ["nursery_id"],
            ["entry_logs_nursery.id"],
            name=op.f("fk_entry_logs_station_name_nursery_id_entry_logs_nursery"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("nursery_id", "station_id", name=op.f("pk_entry_logs_station_name")),
    )


def downgrade() -> None:
    op.drop_table(TABLE)
