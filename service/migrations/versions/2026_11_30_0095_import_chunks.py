"""every import (fleet's terminals, loaners' answers, entry_logs' roster) keeps its file's text in pieces of whole rows
(`<import>_piece`, the text of an import running now moved into one) and where its last chunk's read stopped (the
row's index, character and sheet row number), so the next chunk loads and reads only its own rows instead of the file
from its top (service/import_jobs.py `chunk_records`)

Revision ID: 0095_import_chunks
Revises: 0093_ocr_turns
Create Date: 2026-11-30 01:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0095_import_chunks"
down_revision: str | None = "0093_ocr_turns"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PIECES = {  # each import table's pieces
    "fleet_terminal_import": "fleet_import_piece",
    "loaners_import": "loaners_import_piece",
    "entry_logs_roster_import": "entry_logs_roster_import_piece",
}
PLACE = ("read_index", "read_offset", "read_row")


def upgrade() -> None:
    for table, pieces in PIECES.items():
        for column in PLACE:
            op.add_column(table, sa.Column(column, sa.Integer(), nullable=False, server_default=sa.text("0")))
        op.create_table(
            pieces,
            sa.Column("import_id", sa.Integer(), primary_key=True),
            sa.Column("start", sa.Integer(), primary_key=True, autoincrement=False),
            sa.Column("content", sa.Text(), nullable=False),
            sa.ForeignKeyConstraint(
                ["import_id"], [f"{table}.id"], name=op.f(f"fk_{pieces}_import_id_{table}"), ondelete="CASCADE"
            ),
        )
        op.execute(
            f"INSERT INTO {pieces} (import_id, start, content) SELECT id, 0, content FROM {table} WHERE content <> ''"
        )
        op.drop_column(table, "content")  # in place (no copy of the table on SQLite, whose rows' children would go)


def downgrade() -> None:
    bind = op.get_bind()
    for table, pieces in PIECES.items():
        op.add_column(table, sa.Column("content", sa.Text(), nullable=False, server_default=""))
        texts: dict[int, list[str]] = {}
        for import_id, content in bind.execute(
            sa.text(f"SELECT import_id, content FROM {pieces} ORDER BY import_id, start")
        ):
            texts.setdefault(import_id, []).append(content)
        for import_id, parts in texts.items():
            bind.execute(
                sa.text(f"UPDATE {table} SET content = :content WHERE id = :id"),
                {"content": "".join(parts), "id": import_id},
            )
        op.drop_table(pieces)
        for column in reversed(PLACE):
            op.drop_column(table, column)
