"""fleet: saved views, a person's list filters kept by name

Revision ID: 0041_fleet_saved_view
Revises: 0040_resv_mcp_request
Create Date: 2026-11-25 20:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from service.database import UTCDateTime

revision: str = "0041_fleet_saved_view"
down_revision: str | None = "0040_resv_mcp_request"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "fleet_saved_view",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("page", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column(
            "filters", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["identity_user.id"],
            name=op.f("fk_fleet_saved_view_user_id_identity_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fleet_saved_view")),
        sa.UniqueConstraint("user_id", "page", "name", name=op.f("uq_fleet_saved_view_user_id_page_name")),
    )


def downgrade() -> None:
    op.drop_table("fleet_saved_view")
