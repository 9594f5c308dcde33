"""reservations: a shop's 定休日 and 自動電話停止, and each call decision with its reason

Revision ID: 0062_resv_shop_budget
Revises: 0065_fleet_alert_contact
Create Date: 2026-11-29 04:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from service.database import UTCDateTime
from service.dialect import BigId

revision: str = "0062_resv_shop_budget"
down_revision: str | None = "0065_fleet_alert_contact"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("reservations_shop") as batch:
        batch.add_column(sa.Column("closed_days", sa.String(length=8), nullable=False, server_default=""))
        batch.add_column(sa.Column("auto_calls_stopped_at", UTCDateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column("auto_calls_stopped_reason", sa.String(length=500), nullable=False, server_default="")
        )
    op.create_table(
        "reservations_call_decision",
        sa.Column("id", BigId, primary_key=True),
        sa.Column(
            "reservation_id",
            BigId,
            sa.ForeignKey("reservations_reservation.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("shop_id", sa.Integer(), sa.ForeignKey("reservations_shop.id", ondelete="CASCADE"), nullable=True),
        sa.Column("decision", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=30), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_reservations_call_decision_reservation", "reservations_call_decision", ["reservation_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_reservations_call_decision_reservation", table_name="reservations_call_decision")
    op.drop_table("reservations_call_decision")
    with op.batch_alter_table("reservations_shop") as batch:
        batch.drop_column("auto_calls_stopped_reason")
        batch.drop_column("auto_calls_stopped_at")
        batch.drop_column("closed_days")
