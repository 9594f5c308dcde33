"""loaners: each person's devices put aside for 一括ステータス変更, kept on the server

Revision ID: 0036_loaners_bulk_pick
Revises: 0035_fleet_offline_alert_index
Create Date: 2026-11-25 03:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import service.database

revision: str = "0036_loaners_bulk_pick"
down_revision: str | None = "0035_fleet_offline_alert_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "loaners_bulk_pick",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("added_at", service.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["identity_user.id"],
            name=op.f("fk_loaners_bulk_pick_user_id_identity_user"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["loaners_device.id"],
            name=op.f("fk_loaners_bulk_pick_device_id_loaners_device"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "device_id", name=op.f("pk_loaners_bulk_pick")),
    )


def downgrade() -> None:
    op.drop_table("loaners_bulk_pick")
