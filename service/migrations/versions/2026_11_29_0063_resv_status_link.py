"""reservations: the requester's status page links (only each token's sha256 is kept)

Revision ID: 0063_resv_status_link
Revises: 0061_crm_ocr_typed
Create Date: 2026-11-29 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from service.database import UTCDateTime
from service.dialect import BigId

revision: str = "0063_resv_status_link"
down_revision: str | None = "0061_crm_ocr_typed"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
TABLE = "reservations_status_link"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", BigId, nullable=False),
        sa.Column("reservation_id", BigId, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["reservation_id"],
            ["reservations_reservation.id"],
            name=op.f("fk_reservations_status_link_reservation_id_reservations_reservation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reservations_status_link")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_reservations_status_link_token_hash")),
    )
    op.create_index(op.f("ix_reservations_status_link_reservation_id"), TABLE, ["reservation_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_reservations_status_link_reservation_id"), table_name=TABLE)
    op.drop_table(TABLE)
