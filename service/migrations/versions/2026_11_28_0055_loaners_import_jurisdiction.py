"""loaners: an answer sheet's import keeps its importer's 管轄 (a clerk imports their own locations' devices)

Revision ID: 0055_loaners_import_jurisdiction
Revises: 0054_fleet_stores
Create Date: 2026-11-27 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0055_loaners_import_jurisdiction"
down_revision: str | None = "0054_fleet_stores"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("loaners_import", schema=None) as batch_op:
        batch_op.add_column(sa.Column("jurisdiction", sa.String(length=50), nullable=True))
        batch_op.create_index("ix_loaners_import_jurisdiction", ["jurisdiction"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("loaners_import", schema=None) as batch_op:
        batch_op.drop_index("ix_loaners_import_jurisdiction")
        batch_op.drop_column("jurisdiction")
