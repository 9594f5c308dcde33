"""reservations: an MCP client's writes kept under their key for a while, so a retry answers the same reservation

Revision ID: 0040_resv_mcp_request
Revises: 0039_fleet_offline_index
Create Date: 2026-11-25 20:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from service.database import UTCDateTime
from service.dialect import BigId

revision: str = "0040_resv_mcp_request"
down_revision: str | None = "0039_fleet_offline_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "reservations_mcp_request"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", BigId, nullable=False),
        sa.Column("mcp_client_id", sa.Integer(), nullable=False),
        sa.Column("request_key", sa.String(length=300), nullable=False),
        sa.Column("tool", sa.String(length=40), nullable=False),
        sa.Column("arguments_hash", sa.String(length=64), nullable=False),
        sa.Column("reservation_id", BigId, nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["mcp_client_id"],
            ["reservations_mcp_client.id"],
            name=op.f("fk_reservations_mcp_request_mcp_client_id_reservations_mcp_client"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reservation_id"],
            ["reservations_reservation.id"],
            name=op.f("fk_reservations_mcp_request_reservation_id_reservations_reservation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reservations_mcp_request")),
        sa.UniqueConstraint(
            "mcp_client_id", "request_key", name=op.f("uq_reservations_mcp_request_mcp_client_id_request_key")
        ),
    )
    op.create_index("ix_reservations_mcp_request_client_expires", TABLE, ["mcp_client_id", "expires_at"])
    op.create_index(op.f("ix_reservations_mcp_request_reservation_id"), TABLE, ["reservation_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_reservations_mcp_request_reservation_id"), table_name=TABLE)
    op.drop_index("ix_reservations_mcp_request_client_expires", table_name=TABLE)
    op.drop_table(TABLE)
