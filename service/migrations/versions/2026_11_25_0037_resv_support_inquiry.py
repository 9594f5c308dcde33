"""reservations: support inquiries (§7), with or without a reservation, and their first-response times

Revision ID: 0037_resv_support_inquiry
Revises: 0036_loaners_bulk_pick
Create Date: 2026-11-25 03:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from service.database import UTCDateTime
from service.dialect import BigId

revision: str = "0037_resv_support_inquiry"
down_revision: str | None = "0036_loaners_bulk_pick"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "reservations_support_inquiry"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("requester_type", sa.String(length=10), nullable=False),
        sa.Column("requester", sa.String(length=100), nullable=False),
        sa.Column("reservation_id", BigId, nullable=True),
        sa.Column("received_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("first_responded_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["reservation_id"],
            ["reservations_reservation.id"],
            name=op.f("fk_reservations_support_inquiry_reservation_id_reservations_reservation"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reservations_support_inquiry")),
    )
    op.create_index(op.f("ix_reservations_support_inquiry_received_at"), TABLE, ["received_at"])
    op.create_index(op.f("ix_reservations_support_inquiry_reservation_id"), TABLE, ["reservation_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_reservations_support_inquiry_reservation_id"), table_name=TABLE)
    op.drop_index(op.f("ix_reservations_support_inquiry_received_at"), table_name=TABLE)
    op.drop_table(TABLE)
