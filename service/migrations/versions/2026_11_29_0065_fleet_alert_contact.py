"""fleet: an alert's record keeps what the customer was told at 顧客連絡 (`fleet_alert_note.kind`)

Revision ID: 0065_fleet_alert_contact
Revises: 0066_people_names
Create Date: 2026-11-29 04:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0065_fleet_alert_contact"
down_revision: str | None = "0066_people_names"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("fleet_alert_note") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=20), server_default="note", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("fleet_alert_note") as batch:
        batch.drop_column("kind")
