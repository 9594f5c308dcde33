"""every import (fleet's terminals, loaners' answers, entry_logs' roster) keeps where its last chunk's read of the
stored text stopped (the row's index, character and sheet row number), so the next chunk starts there instead of
reading the file from its top (service/import_jobs.py `chunk_records`)

Revision ID: 0095_import_chunks
Revises: 0092_import_steps_rest
Create Date: 2026-11-30 01:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0095_import_chunks"
down_revision: str | None = "0092_import_steps_rest"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UPLOADS = ("fleet_terminal_import", "loaners_import", "entry_logs_roster_import")
PLACE = ("read_index", "read_offset", "read_row")


def upgrade() -> None:
    for table in UPLOADS:
        for column in PLACE:
            op.add_column(table, sa.Column(column, sa.Integer(), nullable=False, server_default=sa.text("0")))


def downgrade() -> None:
    for table in UPLOADS:
        with op.batch_alter_table(table) as batch:
            for column in reversed(PLACE):
                batch.drop_column(column)
