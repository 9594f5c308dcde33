"""loaners: an import keeps the file as sent (read by the job's first step, with the person's column mapping and
whether it is a dry run), and the first row of each device's number, or number and timestamp, in its file
(`loaners_import_first_row`), so a copy is found without reading the rows above it again

Revision ID: 0080_import_steps
Revises: 0076_scim
Create Date: 2026-11-29 15:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0080_import_steps"
down_revision: str | None = "0076_scim"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.add_column("loaners_import", sa.Column("upload", sa.LargeBinary(), nullable=True))
    op.add_column("loaners_import", sa.Column("mapping", JSON, nullable=False, server_default=sa.text("'{}'")))
    op.add_column("loaners_import", sa.Column("dry_run", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "loaners_import_first_row",
        sa.Column("import_id", sa.Integer(), primary_key=True),
        sa.Column("digest", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("row", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["loaners_import.id"],
            name="fk_loaners_import_first_row_import_id_loaners_import",
            ondelete="CASCADE",
        ),
    )


def downgrade() -> None:
    op.drop_table("loaners_import_first_row")
    with op.batch_alter_table("loaners_import") as batch:
        batch.drop_column("dry_run")
        batch.drop_column("mapping")
        batch.drop_column("upload")
