"""identity: when a user's password was last changed; login tokens issued before it are refused

Revision ID: 0011_identity_password_changed
Revises: 0010_pending_tasks
Create Date: 2026-11-21 17:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import service.database

revision: str = "0011_identity_password_changed"
down_revision: str | None = "0010_pending_tasks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("identity_user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("password_changed_at", service.database.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("identity_user", schema=None) as batch_op:
        batch_op.drop_column("password_changed_at")
