"""entry_logs: a child's reading (ふりがな) on the roster, as its parents have

Revision ID: 0060_entry_logs_roster_kana
Revises: 0058_resv_support_rescue
Create Date: 2026-11-28 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0060_entry_logs_roster_kana"
down_revision: str | None = "0058_resv_support_rescue"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("entry_logs_child") as batch:
        batch.add_column(sa.Column("name_kana", sa.String(length=100), server_default="", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("entry_logs_child") as batch:
        batch.drop_column("name_kana")
