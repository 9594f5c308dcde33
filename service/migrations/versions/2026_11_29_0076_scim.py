"""provisioning by the company's directory (SCIM): its bearer tokens, groups with their members and grants, a
person's grant held for them by a group, and a person the directory removed

Revision ID: 0076_scim
Revises: 0075_oidc
Create Date: 2026-11-29 12:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0076_scim"
down_revision: str | None = "0075_oidc"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "identity_scim_token",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("name", name="uq_identity_scim_token_name"),
        sa.UniqueConstraint("secret_hash", name="uq_identity_scim_token_secret_hash"),
    )
    op.create_table(
        "identity_group",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("external_id", sa.String(200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("display_name", name="uq_identity_group_display_name"),
        sa.UniqueConstraint("external_id", name="uq_identity_group_external_id"),
    )
    op.create_table(
        "identity_group_member",
        sa.Column("group_id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), primary_key=True),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["identity_group.id"],
            name="fk_identity_group_member_group_id_identity_group",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["identity_user.id"], name="fk_identity_group_member_user_id_identity_user", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_identity_group_member_user_id", "identity_group_member", ["user_id"])
    op.create_table(
        "identity_group_grant",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["identity_group.id"],
            name="fk_identity_group_grant_group_id_identity_group",
            ondelete="CASCADE",
        ),
        sa.Column("domain", sa.String(20), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("scope", sa.String(100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("group_id", "domain", name="uq_identity_group_grant_group_id_domain"),
    )
    op.create_index("ix_identity_group_grant_group_id", "identity_group_grant", ["group_id"])
    with op.batch_alter_table("identity_grant") as batch:
        batch.add_column(sa.Column("group_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_identity_grant_group_id_identity_group", "identity_group", ["group_id"], ["id"], ondelete="CASCADE"
        )
        batch.create_index("ix_identity_grant_group_id", ["group_id"])
    with op.batch_alter_table("identity_user", recreate="never") as batch:
        batch.add_column(sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("identity_user", recreate="never") as batch:
        batch.drop_column("removed_at")
    op.execute("DELETE FROM identity_grant WHERE group_id IS NOT NULL")
    with op.batch_alter_table("identity_grant") as batch:
        batch.drop_index("ix_identity_grant_group_id")
        batch.drop_constraint("fk_identity_grant_group_id_identity_group", type_="foreignkey")
        batch.drop_column("group_id")
    op.drop_table("identity_group_grant")
    op.drop_table("identity_group_member")
    op.drop_table("identity_scim_token")
    op.drop_table("identity_group")
