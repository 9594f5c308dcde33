"""the time-step of the last second-factor code taken, so that no code passes twice

Revision ID: 0082_totp_step
Revises: 0085_fleet_hourly_months
Create Date: 2026-11-29 15:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0082_totp_step"
down_revision: str | None = "0085_fleet_hourly_months"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("identity_user", recreate="never") as batch:
        batch.add_column(sa.Column("totp_last_step", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("identity_user", recreate="never") as batch:
        batch.drop_column("totp_last_step")
