"""a command's expiry: a restart not handed out by the terminal's offline deadline is cancelled, never run late

Revision ID: 0088_fleet_command_expiry
Revises: 0082_totp_step
Create Date: 2026-11-29 18:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from service.database import UTCDateTime

revision: str = "0088_fleet_command_expiry"
down_revision: str | None = "0082_totp_step"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("fleet_command", recreate="never") as batch:
        batch.add_column(sa.Column("expires_at", UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("fleet_command", recreate="never") as batch:
        batch.drop_column("expires_at")
