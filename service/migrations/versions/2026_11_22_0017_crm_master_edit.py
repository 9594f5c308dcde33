"""crm: masters kept by admins (a choice can be deactivated; both masters carry an edit version)

Revision ID: 0017_crm_master_edit
Revises: 0016_fleet_prune_indexes
Create Date: 2026-11-22 18:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017_crm_master_edit"
down_revision: str | None = "0016_fleet_prune_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("crm_choice") as batch:
        batch.add_column(sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False))
        batch.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
    with op.batch_alter_table("crm_option_service") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("crm_option_service") as batch:
        batch.drop_column("version")
    with op.batch_alter_table("crm_choice") as batch:
        batch.drop_column("version")
        batch.drop_column("is_active")
