"""entry_logs: the hash the station tokens were made from, kept when a sign-in rehashes the password at another cost

Revision ID: 0096_station_password_stamp
Revises: 0095_import_chunks
Create Date: 2026-11-30 04:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0096_station_password_stamp"
down_revision: str | None = "0095_import_chunks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("entry_logs_nursery", schema=None) as batch_op:
        batch_op.add_column(sa.Column("station_password_stamp", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("entry_logs_nursery", schema=None) as batch_op:
        batch_op.drop_column("station_password_stamp")
