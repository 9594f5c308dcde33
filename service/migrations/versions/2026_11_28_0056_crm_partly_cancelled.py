"""crm: a request whose sites are 投入済 and キャンセル is 一部キャンセル (partly_cancelled), not 投入済

Revision ID: 0056_crm_partly_cancelled
Revises: 0055_loaners_import_jurisdiction
Create Date: 2026-11-27 13:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0056_crm_partly_cancelled"
down_revision: str | None = "0055_loaners_import_jurisdiction"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CANCELLED_SITE = (
    "EXISTS (SELECT 1 FROM crm_site WHERE crm_site.request_id = crm_request.id AND crm_site.status = 'cancelled')"
)


def upgrade() -> None:
    op.execute(f"UPDATE crm_request SET status = 'partly_cancelled' WHERE status = 'submitted' AND {CANCELLED_SITE}")


def downgrade() -> None:
    op.execute("UPDATE crm_request SET status = 'submitted' WHERE status = 'partly_cancelled'")
