"""sign-ins with the company's account under way (OpenID Connect): state, nonce, PKCE verifier, hand-off code; an
initial or reset password to be changed at the next sign-in; the second factor (TOTP, recovery codes)

Revision ID: 0075_oidc
Revises: 0072_attendance_door
Create Date: 2026-11-29 12:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import service.database

revision: str = "0075_oidc"
down_revision: str | None = "0072_attendance_door"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "identity_oidc_sign_in",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("state_hash", sa.String(64), nullable=False),
        sa.Column("browser_hash", sa.String(64), nullable=False),
        sa.Column("nonce", sa.String(100), nullable=False),
        sa.Column("code_verifier", sa.String(128), nullable=False),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey(
                "identity_user.id", name="fk_identity_oidc_sign_in_user_id_identity_user", ondelete="CASCADE"
            ),
            nullable=True,
        ),
        sa.Column("handoff_hash", sa.String(64), nullable=True),
        sa.Column("expires_at", service.database.UTCDateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("state_hash", name="uq_identity_oidc_sign_in_state_hash"),
        sa.UniqueConstraint("handoff_hash", name="uq_identity_oidc_sign_in_handoff_hash"),
    )
    op.create_index("ix_identity_oidc_sign_in_expires_at", "identity_oidc_sign_in", ["expires_at"])
    with op.batch_alter_table("identity_user", recreate="never") as batch:
        batch.add_column(sa.Column("password_must_change", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("totp_secret", sa.String(64), nullable=True))
        batch.add_column(sa.Column("totp_enabled_at", service.database.UTCDateTime(timezone=True), nullable=True))
    op.create_table(
        "identity_recovery_code",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey(
                "identity_user.id", name="fk_identity_recovery_code_user_id_identity_user", ondelete="CASCADE"
            ),
            nullable=False,
        ),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("used_at", service.database.UTCDateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_identity_recovery_code_user_id", "identity_recovery_code", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_identity_recovery_code_user_id", table_name="identity_recovery_code")
    op.drop_table("identity_recovery_code")
    with op.batch_alter_table("identity_user", recreate="never") as batch:
        batch.drop_column("totp_enabled_at")
        batch.drop_column("totp_secret")
        batch.drop_column("password_must_change")
    op.drop_index("ix_identity_oidc_sign_in_expires_at", table_name="identity_oidc_sign_in")
    op.drop_table("identity_oidc_sign_in")
