"""loaners: an import row of another 管轄's location is counted as 管轄外 (`loaners_import.outside_rows`);
crm: a request nobody of the back office has opened is 未読 to them (`crm_request.opened_at`, the first opening;
the requests already there count as opened when they were made)

Revision ID: 0067_outside_and_opened
Revises: 0062_resv_shop_budget
Create Date: 2026-11-29 04:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from service.database import UTCDateTime

revision: str = "0067_outside_and_opened"
down_revision: str | None = "0062_resv_shop_budget"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Plain ALTERs, no batch copy: crm_request keeps its inline foreign keys, which 0043's downgrade drops in place."""
    op.add_column("loaners_import", sa.Column("outside_rows", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("crm_request", sa.Column("opened_at", UTCDateTime(timezone=True), nullable=True))
    op.execute("UPDATE crm_request SET opened_at = created_at")


def downgrade() -> None:
    op.drop_column("crm_request", "opened_at")
    op.drop_column("loaners_import", "outside_rows")
