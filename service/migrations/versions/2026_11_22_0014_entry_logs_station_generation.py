"""entry_logs: a nursery's station generation, raised to sign out all its stations without changing the password

Revision ID: 0014_entry_logs_station_gen
Revises: 0013_fleet_resolution_mail
Create Date: 2026-11-22 11:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_entry_logs_station_gen"
down_revision: str | None = "0013_fleet_resolution_mail"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("entry_logs_nursery", schema=None) as batch_op:
        batch_op.add_column(sa.Column("station_generation", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("entry_logs_nursery", schema=None) as batch_op:
        batch_op.drop_column("station_generation")
