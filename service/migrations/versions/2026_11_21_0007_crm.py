"""crm: agencies, CRM profiles, corporations, requests, sites, images, comments, notifications and the masters

Revision ID: 0007_crm
Revises: 0006_loaners
Create Date: 2026-11-21 12:00:00.000000

The option services (§8) and choice masters (§9) are inserted here, from service.crm.masters (the one copy of that
data; service.crm.masters.ensure_masters restores missing rows later).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import service.database
from service.crm.masters import choice_rows, option_rows

revision: str = "0007_crm"
down_revision: str | None = "0006_loaners"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _insert_masters() -> None:
    options = sa.table(
        "crm_option_service",
        sa.column("code", sa.String),
        sa.column("name", sa.String),
        sa.column("price_label", sa.String),
        sa.column("is_support_pack", sa.Boolean),
        sa.column("sort_order", sa.Integer),
        sa.column("is_active", sa.Boolean),
    )
    choices = sa.table(
        "crm_choice",
        sa.column("kind", sa.String),
        sa.column("code", sa.String),
        sa.column("label", sa.String),
        sa.column("sort_order", sa.Integer),
    )
    op.bulk_insert(options, option_rows())
    op.bulk_insert(choices, choice_rows())


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")  # trusted since PostgreSQL 13: no superuser needed
    op.create_table(
        "crm_agency",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("code", sa.String(length=30), nullable=False),
        sa.Column("referral_shop_code", sa.String(length=30), nullable=False),
        sa.Column("referral_shop_name", sa.String(length=100), nullable=False),
        sa.Column("contact_name", sa.String(length=100), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("mail_address", sa.String(length=254), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", service.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", service.database.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crm_agency")),
        sa.UniqueConstraint("code", name=op.f("uq_crm_agency_code")),
    )
    op.create_table(
        "crm_choice",
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("code", sa.String(length=10), nullable=False),
        sa.Column("label", sa.String(length=50), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "code", name=op.f("pk_crm_choice")),
    )
    op.create_table(
        "crm_option_service",
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("price_label", sa.String(length=50), nullable=False),
        sa.Column("is_support_pack", sa.Boolean(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_crm_option_service")),
    )
    op.create_table(
        "crm_corporation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("display_name", sa.String(length=101), nullable=False),
        sa.Column("customer_type", sa.String(length=2), nullable=False),
        sa.Column("corporation_number", sa.String(length=13), nullable=False),
        sa.Column("last_name", sa.String(length=50), nullable=False),
        sa.Column("first_name", sa.String(length=50), nullable=False),
        sa.Column("last_name_kana", sa.String(length=100), nullable=False),
        sa.Column("first_name_kana", sa.String(length=100), nullable=False),
        sa.Column("representative_last_name", sa.String(length=50), nullable=False),
        sa.Column("representative_first_name", sa.String(length=50), nullable=False),
        sa.Column("representative_last_name_kana", sa.String(length=100), nullable=False),
        sa.Column("representative_first_name_kana", sa.String(length=100), nullable=False),
        sa.Column("zip_code", sa.String(length=8), nullable=False),
        sa.Column("prefecture", sa.String(length=4), nullable=False),
        sa.Column("city", sa.String(length=50), nullable=False),
        sa.Column("town", sa.String(length=50), nullable=False),
        sa.Column("street", sa.String(length=100), nullable=False),
        sa.Column("building_name", sa.String(length=100), nullable=False),
        sa.Column("phone1", sa.String(length=13), nullable=False),
        sa.Column("phone2", sa.String(length=13), nullable=False),
        sa.Column("mail_address", sa.String(length=254), nullable=False),
        sa.Column("birthday", sa.Date(), nullable=True),
        sa.Column("representative_birthday", sa.Date(), nullable=True),
        sa.Column("job_type", sa.String(length=3), nullable=False),
        sa.Column("payment_type", sa.String(length=2), nullable=False),
        sa.Column("card_number_encrypted", sa.Text(), nullable=True),
        sa.Column("card_last4", sa.String(length=4), nullable=False),
        sa.Column("card_security_code_encrypted", sa.Text(), nullable=True),
        sa.Column("card_revision", sa.Integer(), nullable=False),
        sa.Column("credit_card_expire_month", sa.String(length=2), nullable=False),
        sa.Column("credit_card_expire_year", sa.String(length=4), nullable=False),
        sa.Column("credit_card_name", sa.String(length=100), nullable=False),
        sa.Column("invoice", sa.String(length=1), nullable=False),
        sa.Column("payment_certificate", sa.String(length=1), nullable=False),
        sa.Column("billing_address_same", sa.Boolean(), nullable=False),
        sa.Column("billing_zip_code", sa.String(length=8), nullable=False),
        sa.Column("billing_prefecture", sa.String(length=4), nullable=False),
        sa.Column("billing_city", sa.String(length=50), nullable=False),
        sa.Column("billing_town", sa.String(length=50), nullable=False),
        sa.Column("billing_street", sa.String(length=100), nullable=False),
        sa.Column("billing_building", sa.String(length=100), nullable=False),
        sa.Column("billing_customer_name", sa.String(length=100), nullable=False),
        sa.Column("sales_channel_id", sa.String(length=2), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", service.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", service.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["crm_agency.id"], name=op.f("fk_crm_corporation_agency_id_crm_agency"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crm_corporation")),
    )
    with op.batch_alter_table("crm_corporation", schema=None) as batch_op:
        batch_op.create_index("ix_crm_corporation_agency_name", ["agency_id", "display_name"], unique=False)
        batch_op.create_index("ix_crm_corporation_corporation_number", ["corporation_number"], unique=False)
        for name, column in (
            ("ix_crm_corporation_name_trgm", "display_name"),
            ("ix_crm_corporation_kana_trgm", "last_name_kana"),
        ):
            batch_op.create_index(
                name, [column], unique=False, postgresql_using="gin", postgresql_ops={column: "gin_trgm_ops"}
            )

    op.create_table(
        "crm_profile",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=True),
        sa.Column("sales_staff_code", sa.String(length=20), nullable=False),
        sa.Column("l_code", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", service.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", service.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["crm_agency.id"], name=op.f("fk_crm_profile_agency_id_crm_agency"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["identity_user.id"], name=op.f("fk_crm_profile_user_id_identity_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_crm_profile")),
    )
    with op.batch_alter_table("crm_profile", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_crm_profile_agency_id"), ["agency_id"], unique=False)

    op.create_table(
        "crm_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("corporation_id", sa.Integer(), nullable=False),
        sa.Column("requested_by", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("whole_deficiency", sa.Boolean(), nullable=False),
        sa.Column("ever_deficient", sa.Boolean(), nullable=False),
        sa.Column("cancelled_at", service.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("remarks", sa.Text(), nullable=False),
        sa.Column("site_count", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", service.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", service.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["crm_agency.id"], name=op.f("fk_crm_request_agency_id_crm_agency"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["corporation_id"],
            ["crm_corporation.id"],
            name=op.f("fk_crm_request_corporation_id_crm_corporation"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"],
            ["identity_user.id"],
            name=op.f("fk_crm_request_requested_by_identity_user"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crm_request")),
    )
    with op.batch_alter_table("crm_request", schema=None) as batch_op:
        batch_op.create_index("ix_crm_request_agency_created", ["agency_id", "created_at"], unique=False)
        batch_op.create_index("ix_crm_request_corporation_id", ["corporation_id"], unique=False)
        batch_op.create_index("ix_crm_request_created", ["created_at", "id"], unique=False)
        batch_op.create_index("ix_crm_request_requested_by_created", ["requested_by", "created_at"], unique=False)
        batch_op.create_index("ix_crm_request_status_created", ["status", "created_at"], unique=False)

    op.create_table(
        "crm_site",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("corporation_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("submitted_at", service.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("pps_business_number", sa.String(length=20), nullable=False),
        sa.Column("application_type", sa.String(length=2), nullable=False),
        sa.Column("power_plan_name", sa.String(length=100), nullable=False),
        sa.Column("contract_capacity", sa.String(length=20), nullable=False),
        sa.Column("power_area", sa.String(length=2), nullable=False),
        sa.Column("power_supplier_type", sa.String(length=2), nullable=False),
        sa.Column("power_customer_number", sa.String(length=30), nullable=False),
        sa.Column("power_customer_location_number", sa.String(length=22), nullable=False),
        sa.Column("power_zip_code", sa.String(length=8), nullable=False),
        sa.Column("power_prefecture", sa.String(length=4), nullable=False),
        sa.Column("power_city", sa.String(length=50), nullable=False),
        sa.Column("power_town", sa.String(length=50), nullable=False),
        sa.Column("power_street", sa.String(length=100), nullable=False),
        sa.Column("power_building", sa.String(length=100), nullable=False),
        sa.Column("power_room_number", sa.String(length=20), nullable=False),
        sa.Column("power_building_type", sa.String(length=30), nullable=False),
        sa.Column("power_branch_name", sa.String(length=100), nullable=False),
        sa.Column("power_customer_name", sa.String(length=100), nullable=False),
        sa.Column("power_customer_name_kana", sa.String(length=200), nullable=False),
        sa.Column("latest_charges", sa.Integer(), nullable=True),
        sa.Column("latest_power_usage", sa.Integer(), nullable=True),
        sa.Column("latest_date", sa.String(length=7), nullable=False),
        sa.Column(
            "option_plans",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("moving_in_date", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("service_type", sa.String(length=10), nullable=False),
        sa.Column("contract_corporation_type", sa.String(length=30), nullable=False),
        sa.Column("saisan_gas_yoto", sa.String(length=30), nullable=False),
        sa.Column("ecolog_gas_yoto", sa.String(length=30), nullable=False),
        sa.Column("power_amounts_form", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", service.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", service.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["crm_agency.id"], name=op.f("fk_crm_site_agency_id_crm_agency"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["corporation_id"],
            ["crm_corporation.id"],
            name=op.f("fk_crm_site_corporation_id_crm_corporation"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"], ["crm_request.id"], name=op.f("fk_crm_site_request_id_crm_request"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crm_site")),
    )
    with op.batch_alter_table("crm_site", schema=None) as batch_op:
        batch_op.create_index(
            "ix_crm_site_agency_status_submitted", ["agency_id", "status", "submitted_at"], unique=False
        )
        batch_op.create_index("ix_crm_site_corporation_status", ["corporation_id", "status"], unique=False)
        batch_op.create_index("ix_crm_site_request_id", ["request_id"], unique=False)
        batch_op.create_index("ix_crm_site_status_submitted", ["status", "submitted_at"], unique=False)

    op.create_table(
        "crm_comment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("audience", sa.String(length=20), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("is_read", sa.Boolean(), nullable=False),
        sa.Column(
            "snapshot", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=True
        ),
        sa.Column(
            "changes", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=True
        ),
        sa.Column("created_at", service.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["crm_agency.id"], name=op.f("fk_crm_comment_agency_id_crm_agency"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["identity_user.id"],
            name=op.f("fk_crm_comment_author_id_identity_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"], ["crm_request.id"], name=op.f("fk_crm_comment_request_id_crm_request"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["crm_site.id"], name=op.f("fk_crm_comment_site_id_crm_site"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crm_comment")),
    )
    with op.batch_alter_table("crm_comment", schema=None) as batch_op:
        batch_op.create_index("ix_crm_comment_request_created", ["request_id", "created_at"], unique=False)
        batch_op.create_index(
            "ix_crm_comment_unread",
            ["request_id", "audience"],
            unique=False,
            postgresql_where=sa.text("NOT is_read"),
            sqlite_where=sa.text("NOT is_read"),
        )

    op.create_table(
        "crm_image",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("stored_path", sa.String(length=200), nullable=False),
        sa.Column("thumbnail_path", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column(
            "ocr_result", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=True
        ),
        sa.Column("uploaded_by", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", service.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["crm_agency.id"], name=op.f("fk_crm_image_agency_id_crm_agency"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["request_id"], ["crm_request.id"], name=op.f("fk_crm_image_request_id_crm_request"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["crm_site.id"], name=op.f("fk_crm_image_site_id_crm_site"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by"],
            ["identity_user.id"],
            name=op.f("fk_crm_image_uploaded_by_identity_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crm_image")),
        sa.UniqueConstraint("stored_path", name=op.f("uq_crm_image_stored_path")),
    )
    with op.batch_alter_table("crm_image", schema=None) as batch_op:
        batch_op.create_index("ix_crm_image_request_id", ["request_id"], unique=False)
        batch_op.create_index("ix_crm_image_site_id", ["site_id"], unique=False)

    op.create_table(
        "crm_notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("message", sa.String(length=300), nullable=False),
        sa.Column("read_at", service.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", service.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["comment_id"],
            ["crm_comment.id"],
            name=op.f("fk_crm_notification_comment_id_crm_comment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["crm_request.id"],
            name=op.f("fk_crm_notification_request_id_crm_request"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["identity_user.id"],
            name=op.f("fk_crm_notification_user_id_identity_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crm_notification")),
    )
    with op.batch_alter_table("crm_notification", schema=None) as batch_op:
        batch_op.create_index("ix_crm_notification_request_id", ["request_id"], unique=False)
        batch_op.create_index("ix_crm_notification_user_unread", ["user_id", "read_at", "created_at"], unique=False)
    _insert_masters()


def downgrade() -> None:
    with op.batch_alter_table("crm_notification", schema=None) as batch_op:
        batch_op.drop_index("ix_crm_notification_user_unread")
        batch_op.drop_index("ix_crm_notification_request_id")

    op.drop_table("crm_notification")
    with op.batch_alter_table("crm_image", schema=None) as batch_op:
        batch_op.drop_index("ix_crm_image_site_id")
        batch_op.drop_index("ix_crm_image_request_id")

    op.drop_table("crm_image")
    with op.batch_alter_table("crm_comment", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_crm_comment_unread", postgresql_where=sa.text("NOT is_read"), sqlite_where=sa.text("NOT is_read")
        )
        batch_op.drop_index("ix_crm_comment_request_created")

    op.drop_table("crm_comment")
    with op.batch_alter_table("crm_site", schema=None) as batch_op:
        batch_op.drop_index("ix_crm_site_status_submitted")
        batch_op.drop_index("ix_crm_site_request_id")
        batch_op.drop_index("ix_crm_site_corporation_status")
        batch_op.drop_index("ix_crm_site_agency_status_submitted")

    op.drop_table("crm_site")
    with op.batch_alter_table("crm_request", schema=None) as batch_op:
        batch_op.drop_index("ix_crm_request_status_created")
        batch_op.drop_index("ix_crm_request_requested_by_created")
        batch_op.drop_index("ix_crm_request_created")
        batch_op.drop_index("ix_crm_request_corporation_id")
        batch_op.drop_index("ix_crm_request_agency_created")

    op.drop_table("crm_request")
    with op.batch_alter_table("crm_profile", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_crm_profile_agency_id"))

    op.drop_table("crm_profile")
    with op.batch_alter_table("crm_corporation", schema=None) as batch_op:
        batch_op.drop_index("ix_crm_corporation_kana_trgm")
        batch_op.drop_index("ix_crm_corporation_name_trgm")
        batch_op.drop_index("ix_crm_corporation_corporation_number")
        batch_op.drop_index("ix_crm_corporation_agency_name")

    op.drop_table("crm_corporation")
    op.drop_table("crm_option_service")
    op.drop_table("crm_choice")
    op.drop_table("crm_agency")
