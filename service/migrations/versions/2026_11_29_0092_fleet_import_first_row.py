"""fleet: the first row of each serial in a terminal import's file (`fleet_import_first_row`), so a copy is
found without reading the rows above it again (service/import_jobs.py)

Revision ID: 0092_fleet_import_first_row
Revises: 0088_fleet_command_expiry
Create Date: 2026-11-29 22:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0092_fleet_import_first_row"
down_revision: str | None = "0088_fleet_command_expiry"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "fleet_import_first_row",
        sa.Column("import_id", sa.Integer(), primary_key=True),
        sa.Column("digest", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("row", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["fleet_terminal_import.id"],
            name="fk_fleet_import_first_row_import_id_fleet_terminal_import",
            ondelete="CASCADE",
        ),
    )


def downgrade() -> None:
    op.drop_table("fleet_import_first_row")
