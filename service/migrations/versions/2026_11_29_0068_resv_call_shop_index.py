"""reservations: a shop's calls by time (`ix_reservations_call_attempt_shop_created`), which the call budget reads on
every call decision (its calls today and in the last hour) and the shop call figures per shop and period

Revision ID: 0068_resv_call_shop_index
Revises: 0067_outside_and_opened
Create Date: 2026-11-29 08:45:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0068_resv_call_shop_index"
down_revision: str | None = "0067_outside_and_opened"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX, TABLE = "ix_reservations_call_attempt_shop_created", "reservations_call_attempt"


def upgrade() -> None:
    op.create_index(INDEX, TABLE, ["shop_id", "created_at"])


def downgrade() -> None:
    op.drop_index(INDEX, table_name=TABLE)
