"""fleet's terminal import and entry_logs' roster import keep the file as sent (read by the job's first step, with the
person's column mapping; a failed terminal import says why), and a terminal import the first row of each serial in its
file (`fleet_import_first_row`), so a copy is found without reading the rows above it again (service/import_jobs.py)

Revision ID: 0092_import_steps_rest
Revises: 0088_fleet_command_expiry
Create Date: 2026-11-29 22:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0092_import_steps_rest"
down_revision: str | None = "0088_fleet_command_expiry"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UPLOADS = ("fleet_terminal_import", "entry_logs_roster_import")
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    for table in UPLOADS:
        op.add_column(table, sa.Column("upload", sa.LargeBinary(), nullable=True))
        op.add_column(table, sa.Column("mapping", JSON, nullable=False, server_default=sa.text("'{}'")))
    op.add_column("fleet_terminal_import", sa.Column("error", sa.String(500), nullable=False, server_default=""))
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
    with op.batch_alter_table("fleet_terminal_import") as batch:
        batch.drop_column("error")
    for table in UPLOADS:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("mapping")
            batch.drop_column("upload")
