"""a person may come from the company's directory (SCIM, OpenID Connect): where they come from and the provider's ids
for them

Revision ID: 0069_identity_source
Revises: 0068_resv_call_shop_index
Create Date: 2026-11-29 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0069_identity_source"
down_revision: str | None = "0068_resv_call_shop_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Columns added and unique indexes made: nothing rebuilds identity_user (SQLite would, to change a column, and its
    grants refer to it). A person with no password of ours keeps an empty password_hash."""
    with op.batch_alter_table("identity_user", recreate="never") as batch:
        batch.add_column(sa.Column("source", sa.String(20), nullable=False, server_default="local"))
        batch.add_column(sa.Column("external_id", sa.String(200), nullable=True))
        batch.add_column(sa.Column("oidc_subject", sa.String(255), nullable=True))
    op.create_index("ix_identity_user_external_id", "identity_user", ["external_id"], unique=True)
    op.create_index("ix_identity_user_oidc_subject", "identity_user", ["oidc_subject"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_identity_user_oidc_subject", "identity_user")
    op.drop_index("ix_identity_user_external_id", "identity_user")
    with op.batch_alter_table("identity_user", recreate="never") as batch:
        batch.drop_column("oidc_subject")
        batch.drop_column("external_id")
        batch.drop_column("source")
