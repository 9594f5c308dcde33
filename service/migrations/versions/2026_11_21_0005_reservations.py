"""reservations (予約 QRV): catalogue, reservations and their event log, calls, payments, manual operations,
notifications, incidents, MCP clients and the monthly executive summary

Revision ID: 0005_reservations
Revises: 0004_fleet
Create Date: 2026-11-21 09:11:31.597302
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import service.database

revision: str = "0005_reservations"
down_revision: str | None = "0004_fleet"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reservations_incident",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("occurred_at", service.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("impact", sa.Text(), nullable=False),
        sa.Column("cause", sa.Text(), nullable=False),
        sa.Column("response", sa.Text(), nullable=False),
        sa.Column("recovered_at", service.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("prevention", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", service.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", service.database.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reservations_incident")),
    )
    with op.batch_alter_table("reservations_incident", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reservations_incident_occurred_at"), ["occurred_at"], unique=False)

    op.create_table(
        "reservations_mcp_client",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("key_prefix", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", service.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", service.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", service.database.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reservations_mcp_client")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_reservations_mcp_client_key_hash")),
        sa.UniqueConstraint("name", name=op.f("uq_reservations_mcp_client_name")),
    )
    op.create_table(
        "reservations_monthly_stat",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("dimension", sa.String(length=10), nullable=False),
        sa.Column("key_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("reservations", sa.Integer(), nullable=False),
        sa.Column("confirmed", sa.Integer(), nullable=False),
        sa.Column("cancelled", sa.Integer(), nullable=False),
        sa.Column("revenue", sa.Integer(), nullable=False),
        sa.Column("computed_at", service.database.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("month", "dimension", "key_id", name=op.f("pk_reservations_monthly_stat")),
    )
    op.create_table(
        "reservations_service_type",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("price", sa.Integer(), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", service.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", service.database.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reservations_service_type")),
        sa.UniqueConstraint("name", name=op.f("uq_reservations_service_type_name")),
    )
    op.create_table(
        "reservations_shop",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("call_order", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_at", service.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", service.database.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reservations_shop")),
        sa.UniqueConstraint("name", name=op.f("uq_reservations_shop_name")),
    )
    op.create_table(
        "reservations_reservation",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("code", sa.String(length=10), nullable=False),
        sa.Column("requester_name", sa.String(length=100), nullable=False),
        sa.Column("requester_phone", sa.String(length=20), nullable=False),
        sa.Column("requester_email", sa.String(length=254), nullable=False),
        sa.Column("service_type_id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=True),
        sa.Column("mcp_client_id", sa.Integer(), nullable=True),
        sa.Column("desired_at", service.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("cancel_deadline_at", service.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reminder_due_at", service.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reminder_sent_at", service.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("status_changed_at", service.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", service.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", service.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["mcp_client_id"],
            ["reservations_mcp_client.id"],
            name=op.f("fk_reservations_reservation_mcp_client_id_reservations_mcp_client"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["service_type_id"],
            ["reservations_service_type.id"],
            name=op.f("fk_reservations_reservation_service_type_id_reservations_service_type"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["reservations_shop.id"],
            name=op.f("fk_reservations_reservation_shop_id_reservations_shop"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reservations_reservation")),
        sa.UniqueConstraint("code", name=op.f("uq_reservations_reservation_code")),
    )
    with op.batch_alter_table("reservations_reservation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reservations_reservation_created_at"), ["created_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_reservations_reservation_requester_phone"), ["requester_phone"], unique=False
        )
        batch_op.create_index("ix_reservations_reservation_status_created", ["status", "created_at"], unique=False)
        batch_op.create_index("ix_reservations_reservation_status_desired", ["status", "desired_at"], unique=False)
        batch_op.create_index(
            "ix_reservations_reservation_status_reminder", ["status", "reminder_due_at"], unique=False
        )
        batch_op.create_index(
            "ix_reservations_reservation_requester_name",
            ["requester_name"],
            unique=False,
            postgresql_ops={"requester_name": "varchar_pattern_ops"},
        )

    op.create_table(
        "reservations_shop_service",
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("service_type_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_type_id"],
            ["reservations_service_type.id"],
            name=op.f("fk_reservations_shop_service_service_type_id_reservations_service_type"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["reservations_shop.id"],
            name=op.f("fk_reservations_shop_service_shop_id_reservations_shop"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("shop_id", "service_type_id", name=op.f("pk_reservations_shop_service")),
    )
    with op.batch_alter_table("reservations_shop_service", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reservations_shop_service_service_type_id"), ["service_type_id"], unique=False
        )

    op.create_table(
        "reservations_call_attempt",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("reservation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("transcript", sa.Text(), nullable=False),
        sa.Column("provider_call_id", sa.String(length=200), nullable=True),
        sa.Column("outbox_message_id", sa.Integer(), nullable=True),
        sa.Column("created_at", service.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answered_at", service.database.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["reservation_id"],
            ["reservations_reservation.id"],
            name=op.f("fk_reservations_call_attempt_reservation_id_reservations_reservation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["reservations_shop.id"],
            name=op.f("fk_reservations_call_attempt_shop_id_reservations_shop"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reservations_call_attempt")),
    )
    with op.batch_alter_table("reservations_call_attempt", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reservations_call_attempt_provider_call_id"), ["provider_call_id"], unique=False
        )
        batch_op.create_index("ix_reservations_call_attempt_reservation", ["reservation_id", "id"], unique=False)
        batch_op.create_index("ix_reservations_call_attempt_status_created", ["status", "created_at"], unique=False)

    op.create_table(
        "reservations_event",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("reservation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("from_status", sa.String(length=30), nullable=True),
        sa.Column("to_status", sa.String(length=30), nullable=False),
        sa.Column("actor_type", sa.String(length=20), nullable=False),
        sa.Column("actor_label", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column(
            "provider_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("occurred_at", service.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["reservation_id"],
            ["reservations_reservation.id"],
            name=op.f("fk_reservations_event_reservation_id_reservations_reservation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reservations_event")),
    )
    with op.batch_alter_table("reservations_event", schema=None) as batch_op:
        batch_op.create_index("ix_reservations_event_reservation", ["reservation_id", "occurred_at"], unique=False)
        batch_op.create_index(
            "ix_reservations_event_to_status", ["to_status", "occurred_at", "reservation_id"], unique=False
        )

    op.create_table(
        "reservations_manual_operation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reservation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("op_type", sa.String(length=30), nullable=False),
        sa.Column("priority", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("due_at", service.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=False),
        sa.Column("resolved_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", service.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", service.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", service.database.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["assignee_id"],
            ["identity_user.id"],
            name=op.f("fk_reservations_manual_operation_assignee_id_identity_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["reservation_id"],
            ["reservations_reservation.id"],
            name=op.f("fk_reservations_manual_operation_reservation_id_reservations_reservation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reservations_manual_operation")),
    )
    with op.batch_alter_table("reservations_manual_operation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reservations_manual_operation_created_at"), ["created_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_reservations_manual_operation_reservation_id"), ["reservation_id"], unique=False
        )
        batch_op.create_index("ix_reservations_manual_operation_status_due", ["status", "due_at"], unique=False)

    op.create_table(
        "reservations_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reservation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", service.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["reservation_id"],
            ["reservations_reservation.id"],
            name=op.f("fk_reservations_note_reservation_id_reservations_reservation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reservations_note")),
    )
    with op.batch_alter_table("reservations_note", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reservations_note_reservation_id"), ["reservation_id"], unique=False)

    op.create_table(
        "reservations_notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("reservation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("outbox_message_id", sa.Integer(), nullable=True),
        sa.Column("created_at", service.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["reservation_id"],
            ["reservations_reservation.id"],
            name=op.f("fk_reservations_notification_reservation_id_reservations_reservation"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reservations_notification")),
    )
    with op.batch_alter_table("reservations_notification", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reservations_notification_created_at"), ["created_at"], unique=False)
        batch_op.create_index("ix_reservations_notification_kind_created", ["kind", "created_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_reservations_notification_reservation_id"), ["reservation_id"], unique=False
        )

    op.create_table(
        "reservations_payment",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("reservation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("checkout_session_id", sa.String(length=200), nullable=True),
        sa.Column("checkout_url", sa.String(length=1000), nullable=False),
        sa.Column("payment_intent", sa.String(length=200), nullable=True),
        sa.Column("refund_id", sa.String(length=200), nullable=True),
        sa.Column("expires_at", service.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", service.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("paid_at", service.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("expired_at", service.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("refunded_at", service.database.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["reservation_id"],
            ["reservations_reservation.id"],
            name=op.f("fk_reservations_payment_reservation_id_reservations_reservation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reservations_payment")),
        sa.UniqueConstraint("checkout_session_id", name=op.f("uq_reservations_payment_checkout_session_id")),
    )
    with op.batch_alter_table("reservations_payment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reservations_payment_reservation_id"), ["reservation_id"], unique=False)
        batch_op.create_index("ix_reservations_payment_status_expires", ["status", "expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("reservations_payment", schema=None) as batch_op:
        batch_op.drop_index("ix_reservations_payment_status_expires")
        batch_op.drop_index(batch_op.f("ix_reservations_payment_reservation_id"))

    op.drop_table("reservations_payment")
    with op.batch_alter_table("reservations_notification", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reservations_notification_reservation_id"))
        batch_op.drop_index("ix_reservations_notification_kind_created")
        batch_op.drop_index(batch_op.f("ix_reservations_notification_created_at"))

    op.drop_table("reservations_notification")
    with op.batch_alter_table("reservations_note", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reservations_note_reservation_id"))

    op.drop_table("reservations_note")
    with op.batch_alter_table("reservations_manual_operation", schema=None) as batch_op:
        batch_op.drop_index("ix_reservations_manual_operation_status_due")
        batch_op.drop_index(batch_op.f("ix_reservations_manual_operation_reservation_id"))
        batch_op.drop_index(batch_op.f("ix_reservations_manual_operation_created_at"))

    op.drop_table("reservations_manual_operation")
    with op.batch_alter_table("reservations_event", schema=None) as batch_op:
        batch_op.drop_index("ix_reservations_event_to_status")
        batch_op.drop_index("ix_reservations_event_reservation")

    op.drop_table("reservations_event")
    with op.batch_alter_table("reservations_call_attempt", schema=None) as batch_op:
        batch_op.drop_index("ix_reservations_call_attempt_status_created")
        batch_op.drop_index("ix_reservations_call_attempt_reservation")
        batch_op.drop_index(batch_op.f("ix_reservations_call_attempt_provider_call_id"))

    op.drop_table("reservations_call_attempt")
    with op.batch_alter_table("reservations_shop_service", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reservations_shop_service_service_type_id"))

    op.drop_table("reservations_shop_service")
    with op.batch_alter_table("reservations_reservation", schema=None) as batch_op:
        batch_op.drop_index("ix_reservations_reservation_status_reminder")
        batch_op.drop_index("ix_reservations_reservation_requester_name")
        batch_op.drop_index("ix_reservations_reservation_status_desired")
        batch_op.drop_index("ix_reservations_reservation_status_created")
        batch_op.drop_index(batch_op.f("ix_reservations_reservation_requester_phone"))
        batch_op.drop_index(batch_op.f("ix_reservations_reservation_created_at"))

    op.drop_table("reservations_reservation")
    op.drop_table("reservations_shop")
    op.drop_table("reservations_service_type")
    op.drop_table("reservations_monthly_stat")
    op.drop_table("reservations_mcp_client")
    with op.batch_alter_table("reservations_incident", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reservations_incident_occurred_at"))

    op.drop_table("reservations_incident")
