"""entry_logs: the parent's phone barcode link (a version that revoking or reissuing bumps, and a revoked flag)

Revision ID: 0012_entry_logs_parent_link
Revises: 0011_identity_password_changed
Create Date: 2026-11-22 11:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_entry_logs_parent_link"
down_revision: str | None = "0011_identity_password_changed"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("entry_logs_parent") as batch:
        batch.add_column(sa.Column("link_version", sa.Integer(), server_default=sa.text("1"), nullable=False))
        batch.add_column(sa.Column("link_revoked", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("entry_logs_parent") as batch:
        batch.drop_column("link_revoked")
        batch.drop_column("link_version")
