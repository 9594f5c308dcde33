"""entry_logs: why staff recorded a log by hand (再登録)

Revision ID: 0047_entry_logs_manual
Revises: 0046_resv_hours_one_off
Create Date: 2026-11-26 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0047_entry_logs_manual"
down_revision: str | None = "0046_resv_hours_one_off"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("entry_logs_log") as batch:
        batch.add_column(sa.Column("manual_reason", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("entry_logs_log") as batch:
        batch.drop_column("manual_reason")
