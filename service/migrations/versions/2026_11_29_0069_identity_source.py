"""a person may come from the company's directory (SCIM, OpenID Connect): where they come from, the provider's ids for
them, and no password of ours

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
    with op.batch_alter_table("identity_user") as batch:
        batch.add_column(sa.Column("source", sa.String(20), nullable=False, server_default="local"))
        batch.add_column(sa.Column("external_id", sa.String(200), nullable=True))
        batch.add_column(sa.Column("oidc_subject", sa.String(255), nullable=True))
        batch.alter_column("password_hash", existing_type=sa.String(100), nullable=True)
        batch.create_unique_constraint("uq_identity_user_external_id", ["external_id"])
        batch.create_unique_constraint("uq_identity_user_oidc_subject", ["oidc_subject"])


def downgrade() -> None:
    op.execute("UPDATE identity_user SET password_hash = '!' WHERE password_hash IS NULL")
    with op.batch_alter_table("identity_user") as batch:
        batch.drop_constraint("uq_identity_user_oidc_subject", type_="unique")
        batch.drop_constraint("uq_identity_user_external_id", type_="unique")
        batch.alter_column("password_hash", existing_type=sa.String(100), nullable=False)
        batch.drop_column("oidc_subject")
        batch.drop_column("external_id")
        batch.drop_column("source")
