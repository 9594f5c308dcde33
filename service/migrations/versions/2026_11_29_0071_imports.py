"""loaners: an import row whose serial is one edit from a known device's is held for a person to confirm, counted
apart (`loaners_import.held_rows`)

Revision ID: 0071_imports
Revises: 0077_fleet_sample_days
Create Date: 2026-11-29 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0071_imports"
down_revision: str | None = "0077_fleet_sample_days"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("loaners_import", sa.Column("held_rows", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("loaners_import") as batch:
        batch.drop_column("held_rows")
