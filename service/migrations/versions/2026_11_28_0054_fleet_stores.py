"""fleet: a terminal's store (店舗), its 設置店舗名 without the till (「新宿店 レジ1番」 → 「新宿店」); the store alert,
incidents and maintenance windows go by it; an incident counts its stores and keeps a timeline (顧客連絡, 完了報告,
notes)

Revision ID: 0054_fleet_stores
Revises: 0053_resv_on_call
Create Date: 2026-11-28 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from service.database import UTCDateTime
from service.fleet.stores import store_of

revision: str = "0054_fleet_stores"
down_revision: str | None = "0053_resv_on_call"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5_000


def upgrade() -> None:
    with op.batch_alter_table("fleet_terminal") as batch:
        batch.add_column(sa.Column("store", sa.String(length=100), server_default="", nullable=False))
    _backfill()
    op.add_column("fleet_incident", sa.Column("store_count", sa.Integer(), server_default="0", nullable=False))
    op.execute(
        "UPDATE fleet_incident SET store_count = (SELECT count(DISTINCT t.store) FROM fleet_alert a"
        " JOIN fleet_terminal t ON t.id = a.terminal_id WHERE a.incident_id = fleet_incident.id)"
    )
    op.drop_index("ix_fleet_terminal_customer_store", table_name="fleet_terminal")
    op.create_index("ix_fleet_terminal_customer_store", "fleet_terminal", ["customer_id", "store"])
    op.create_table(
        "fleet_incident_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["fleet_incident.id"],
            name=op.f("fk_fleet_incident_note_incident_id_fleet_incident"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fleet_incident_note")),
    )
    op.create_index(op.f("ix_fleet_incident_note_incident_id"), "fleet_incident_note", ["incident_id"])


def _backfill() -> None:
    """Each terminal's store from its 設置店舗名, by id in batches."""
    connection = op.get_bind()
    terminal = sa.table("fleet_terminal", sa.column("id"), sa.column("store_name"), sa.column("store"))
    after = 0
    while rows := connection.execute(
        sa.select(terminal.c.id, terminal.c.store_name).where(terminal.c.id > after).order_by("id").limit(BATCH)
    ).all():
        connection.execute(
            terminal.update().where(terminal.c.id == sa.bindparam("terminal_id")).values(store=sa.bindparam("named")),
            [{"terminal_id": row.id, "named": store_of(row.store_name)} for row in rows],
        )
        after = rows[-1].id


def downgrade() -> None:
    op.drop_index(op.f("ix_fleet_incident_note_incident_id"), table_name="fleet_incident_note")
    op.drop_table("fleet_incident_note")
    op.drop_index("ix_fleet_terminal_customer_store", table_name="fleet_terminal")
    op.create_index("ix_fleet_terminal_customer_store", "fleet_terminal", ["customer_id", "store_name"])
    with op.batch_alter_table("fleet_incident") as batch:
        batch.drop_column("store_count")
    with op.batch_alter_table("fleet_terminal") as batch:
        batch.drop_column("store")
