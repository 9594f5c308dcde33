"""reservations: shops' opening hours, who answered a shop call (answering-machine detection), the one-off shop an
operator booked for one reservation

Revision ID: 0046_resv_hours_one_off
Revises: 0045_loaners_returns
Create Date: 2026-11-26 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0046_resv_hours_one_off"
down_revision: str | None = "0045_loaners_returns"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("reservations_shop") as batch:
        batch.add_column(sa.Column("opens_at", sa.Time(), nullable=True))
        batch.add_column(sa.Column("closes_at", sa.Time(), nullable=True))
    with op.batch_alter_table("reservations_call_attempt") as batch:
        batch.add_column(sa.Column("answered_by", sa.String(length=30), nullable=True))
    with op.batch_alter_table("reservations_reservation") as batch:
        batch.add_column(sa.Column("one_off_shop_name", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("one_off_shop_phone", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("one_off_shop_notes", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("reservations_reservation") as batch:
        batch.drop_column("one_off_shop_notes")
        batch.drop_column("one_off_shop_phone")
        batch.drop_column("one_off_shop_name")
    with op.batch_alter_table("reservations_call_attempt") as batch:
        batch.drop_column("answered_by")
    with op.batch_alter_table("reservations_shop") as batch:
        batch.drop_column("closes_at")
        batch.drop_column("opens_at")
