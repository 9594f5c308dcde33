"""crm: sales-manager flag on the CRM profile

Revision ID: 0019_crm_sales_manager
Revises: 0018_audit_chain_keyed
Create Date: 2026-11-22 20:00:00.000000
"""

from collections.abc import Sequence

revision: str = "0019_crm_sales_manager"
down_revision: str | None = "0018_audit_chain_keyed"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
