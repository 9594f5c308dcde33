"""crm: sales-manager flag on the CRM profile; outbox: e-mail attachments stored by content

Revision ID: 0019_crm_sales_manager
Revises: 0018_audit_chain_keyed
Create Date: 2026-11-22 20:00:00.000000

The outbox table rides in this round's one migration of its author (the monthly executive report e-mail needs it).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import service.database

revision: str = "0019_crm_sales_manager"
down_revision: str | None = "0018_audit_chain_keyed"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("crm_profile") as batch:
        batch.add_column(sa.Column("is_sales_manager", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table(
        "outbox_file",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", service.database.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_outbox_file")),
    )


def downgrade() -> None:
    op.drop_table("outbox_file")
    with op.batch_alter_table("crm_profile") as batch:
        batch.drop_column("is_sales_manager")
