"""reservations: an inquiry's question, status, resolution, satisfaction and survey (§7.3.1 KPIs); what an operation
is about (the shop call that opened it, the message that reached nobody); round 2's wait before calling a shop again

Revision ID: 0058_resv_support_rescue
Revises: 0057_entry_logs_door
Create Date: 2026-11-28 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from service.database import UTCDateTime
from service.dialect import BigId

revision: str = "0058_resv_support_rescue"
down_revision: str | None = "0057_entry_logs_door"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
INQUIRY = "reservations_support_inquiry"


def upgrade() -> None:
    with op.batch_alter_table(INQUIRY) as batch:
        batch.add_column(sa.Column("status", sa.String(length=20), nullable=False, server_default="open"))
        batch.add_column(sa.Column("contact_phone", sa.String(length=20), nullable=False, server_default=""))
        batch.add_column(sa.Column("contact_email", sa.String(length=254), nullable=False, server_default=""))
        batch.add_column(sa.Column("question", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("resolved_at", UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("satisfaction", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("satisfaction_source", sa.String(length=10), nullable=True))
        batch.add_column(sa.Column("survey_sent_at", UTCDateTime(timezone=True), nullable=True))
        batch.create_index("ix_reservations_support_inquiry_resolved_at", ["resolved_at"])
    # an inquiry already answered is being worked on; whether it was settled nobody recorded
    op.execute(f"UPDATE {INQUIRY} SET status = 'in_progress' WHERE first_responded_at IS NOT NULL")
    with op.batch_alter_table("reservations_manual_operation") as batch:
        batch.add_column(sa.Column("call_attempt_id", BigId, nullable=True))
        batch.add_column(sa.Column("outbox_message_id", BigId, nullable=True))
    with op.batch_alter_table("reservations_reservation") as batch:
        batch.add_column(sa.Column("next_call_at", UTCDateTime(timezone=True), nullable=True))
        batch.create_index("ix_reservations_reservation_next_call_at", ["next_call_at"])


def downgrade() -> None:
    with op.batch_alter_table("reservations_reservation") as batch:
        batch.drop_index("ix_reservations_reservation_next_call_at")
        batch.drop_column("next_call_at")
    with op.batch_alter_table("reservations_manual_operation") as batch:
        batch.drop_column("outbox_message_id")
        batch.drop_column("call_attempt_id")
    with op.batch_alter_table(INQUIRY) as batch:
        batch.drop_index("ix_reservations_support_inquiry_resolved_at")
        batch.drop_column("survey_sent_at")
        batch.drop_column("satisfaction_source")
        batch.drop_column("satisfaction")
        batch.drop_column("resolved_at")
        batch.drop_column("question")
        batch.drop_column("contact_email")
        batch.drop_column("contact_phone")
        batch.drop_column("status")
