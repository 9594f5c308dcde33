"""reservations: each call attempt keeps the date the shop was asked about, so a changed date calls every shop again

Revision ID: 0009_reservations_call_date
Revises: 0008_fleet_hot_heartbeats
Create Date: 2026-11-21 14:00:00.000000

Calls made before this revision asked about their reservation's current date; they are filled in with it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import service.database

revision: str = "0009_reservations_call_date"
down_revision: str | None = "0008_fleet_hot_heartbeats"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("reservations_call_attempt", schema=None) as batch_op:
        batch_op.add_column(sa.Column("desired_at", service.database.UTCDateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE reservations_call_attempt SET desired_at = (SELECT r.desired_at FROM reservations_reservation r"
        " WHERE r.id = reservations_call_attempt.reservation_id)"
    )
    with op.batch_alter_table("reservations_call_attempt", schema=None) as batch_op:
        batch_op.alter_column("desired_at", existing_type=service.database.UTCDateTime(timezone=True), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("reservations_call_attempt", schema=None) as batch_op:
        batch_op.drop_column("desired_at")
