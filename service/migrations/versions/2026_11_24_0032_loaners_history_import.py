"""loaners: an answer sheet's dry run (what each row will do) before it is imported as history

Revision ID: 0032_loaners_history_import
Revises: 0031_loaners_search
Create Date: 2026-11-24 13:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0032_loaners_history_import"
down_revision: str | None = "0031_loaners_search"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTS = ("checked_rows", "planned_rows", "duplicate_rows", "unreadable_rows", "planned_devices")


def upgrade() -> None:
    with op.batch_alter_table("loaners_import", schema=None) as batch_op:
        for name in COUNTS:
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(
            sa.Column(
                "plan",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=False,
                server_default=sa.text("'[]'"),
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("loaners_import", schema=None) as batch_op:
        for name in (*COUNTS, "plan"):
            batch_op.drop_column(name)
