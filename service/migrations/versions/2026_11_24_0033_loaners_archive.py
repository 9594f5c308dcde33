"""loaners: the summary's index covers every device in custody (a blank held status is 未分類); serial-number lookups

Revision ID: 0033_loaners_archive
Revises: 0032_loaners_history_import
Create Date: 2026-11-24 13:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0033_loaners_archive"
down_revision: str | None = "0032_loaners_history_import"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HELD_COLUMNS = ["held_status", "held_since", "id", "location_id", "model_id"]


def _held_index(predicate: str) -> None:
    with op.batch_alter_table("loaners_device", schema=None) as batch_op:
        batch_op.drop_index("ix_loaners_device_held")
        batch_op.create_index(
            "ix_loaners_device_held",
            HELD_COLUMNS,
            unique=False,
            postgresql_where=sa.text(predicate),
            sqlite_where=sa.text(predicate),
        )


def upgrade() -> None:
    _held_index("held_since IS NOT NULL")
    op.create_index("ix_loaners_device_serial_number", "loaners_device", ["serial_number"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_loaners_device_serial_number", table_name="loaners_device")
    _held_index("held_status IS NOT NULL")
