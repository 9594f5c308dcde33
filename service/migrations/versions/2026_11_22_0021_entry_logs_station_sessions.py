"""entry_logs: station sessions, so one station can be signed out

Revision ID: 0021_entry_logs_station_sessions
Revises: 0020_resv_incident_levels
Create Date: 2026-11-22 20:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021_entry_logs_station_sessions"
down_revision: str | None = "0020_resv_incident_levels"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "entry_logs_station_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nursery_id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.String(length=64), nullable=False),
        sa.Column("client_address", sa.String(length=64), nullable=False),
        sa.Column("signed_in_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("signed_out_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["nursery_id"],
            ["entry_logs_nursery.id"],
            name=op.f("fk_entry_logs_station_session_nursery_id_entry_logs_nursery"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entry_logs_station_session")),
    )
    op.create_index(
        op.f("ix_entry_logs_station_session_nursery_id"), "entry_logs_station_session", ["nursery_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_entry_logs_station_session_nursery_id"), table_name="entry_logs_station_session")
    op.drop_table("entry_logs_station_session")
