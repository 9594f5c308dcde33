"""identity: when a user was last deactivated; login tokens issued before it are refused, even once reactivated

Revision ID: 0025_identity_deactivated_at
Revises: 0024_entry_logs_door_day
Create Date: 2026-11-24 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import service.database

revision: str = "0025_identity_deactivated_at"
down_revision: str | None = "0024_entry_logs_door_day"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("identity_user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deactivated_at", service.database.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("identity_user", schema=None) as batch_op:
        batch_op.drop_column("deactivated_at")
