"""reservations: indexes for the month-to-date figures of the executive summary

Revision ID: 0023_resv_summary_indexes
Revises: 0022_fleet_ingest_stall
Create Date: 2026-11-22 21:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0023_resv_summary_indexes"
down_revision: str | None = "0022_fleet_ingest_stall"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_reservations_payment_status_paid", "reservations_payment", ["status", "paid_at", "amount"])
    op.create_index("ix_reservations_reservation_created_status", "reservations_reservation", ["created_at", "status"])


def downgrade() -> None:
    op.drop_index("ix_reservations_reservation_created_status", table_name="reservations_reservation")
    op.drop_index("ix_reservations_payment_status_paid", table_name="reservations_payment")
