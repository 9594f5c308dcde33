"""entry_logs: the station's 自動 mode (a scan decided by the parent's presence), the forgotten-card PIN, names in kana

Revision ID: 0057_entry_logs_door
Revises: 0056_crm_partly_cancelled
Create Date: 2026-11-28 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0057_entry_logs_door"
down_revision: str | None = "0056_crm_partly_cancelled"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("entry_logs_nursery") as batch:
        batch.add_column(sa.Column("entry_mode", sa.String(length=10), server_default="auto", nullable=False))
        batch.add_column(sa.Column("station_pin_hash", sa.String(length=100), nullable=True))
    with op.batch_alter_table("entry_logs_parent") as batch:
        batch.add_column(sa.Column("name_kana", sa.String(length=100), server_default="", nullable=False))
    with op.batch_alter_table("entry_logs_log") as batch:
        batch.add_column(sa.Column("decided_by", sa.String(length=10), server_default="toggle", nullable=False))
    op.execute("UPDATE entry_logs_log SET decided_by = 'staff' WHERE recorded_by IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("entry_logs_log") as batch:
        batch.drop_column("decided_by")
    with op.batch_alter_table("entry_logs_parent") as batch:
        batch.drop_column("name_kana")
    with op.batch_alter_table("entry_logs_nursery") as batch:
        batch.drop_column("station_pin_hash")
        batch.drop_column("entry_mode")
