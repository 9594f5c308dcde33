"""loaners: the devices' search text NFKC, as the search box reads what is typed (service/loaners/search_text.py)

Revision ID: 0050_loaners_search_nfkc
Revises: 0049_entry_logs_care_hours
Create Date: 2026-11-26 01:00:00.000000
"""

import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0050_loaners_search_nfkc"
down_revision: str | None = "0049_entry_logs_care_hours"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5_000
SEARCH = sa.table("loaners_device_search", sa.column("device_id", sa.Integer), sa.column("search_text", sa.Text))


def upgrade() -> None:
    """Rewrite, a batch of devices at a time, the search texts that NFKC changes (full-width letters and digits)."""
    connection = op.get_bind()
    last = 0
    while rows := connection.execute(
        sa.select(SEARCH.c.device_id, SEARCH.c.search_text)
        .where(SEARCH.c.device_id > last)
        .order_by(SEARCH.c.device_id)
        .limit(BATCH)
    ).all():
        changed = [
            {"id": row.device_id, "text": unicodedata.normalize("NFKC", row.search_text)}
            for row in rows
            if unicodedata.normalize("NFKC", row.search_text) != row.search_text
        ]
        if changed:
            rewrite = SEARCH.update().where(SEARCH.c.device_id == sa.bindparam("id"))
            connection.execute(rewrite.values(search_text=sa.bindparam("text")), changed)
        last = rows[-1].device_id


def downgrade() -> None:
    """Nothing to undo: the NFKC text finds all the text as typed found."""
