"""reservations and outbox: an MCP client's bookings in a window (its booking quotas), one phone number's SMS of the
day (the SMS cap)

Revision ID: 0051_booking_quotas
Revises: 0050_loaners_search_nfkc
Create Date: 2026-11-27 09:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0051_booking_quotas"
down_revision: str | None = "0050_loaners_search_nfkc"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_reservations_reservation_client_created", "reservations_reservation", ["mcp_client_id", "created_at"]
    )
    op.create_index("ix_outbox_message_recipient_sent", "outbox_message", ["recipient", "sent_at"])


def downgrade() -> None:
    op.drop_index("ix_outbox_message_recipient_sent", table_name="outbox_message")
    op.drop_index("ix_reservations_reservation_client_created", table_name="reservations_reservation")
