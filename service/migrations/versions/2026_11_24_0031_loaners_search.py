"""loaners: one search text per device (identifying and current free-text answers) in its own table, trigram index

Revision ID: 0031_loaners_search
Revises: 0030_fleet_business_hours
Create Date: 2026-11-24 12:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0031_loaners_search"
down_revision: str | None = "0030_fleet_business_hours"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEPARATOR = "\n"
BATCH = 5_000
device = sa.table(
    "loaners_device",
    sa.column("id", sa.Integer),
    sa.column("model_id", sa.String),
    sa.column("management_number", sa.String),
    sa.column("asset_number", sa.String),
    sa.column("serial_number", sa.String),
    sa.column("current_submission_id", sa.BigInteger),
)
model = sa.table("loaners_model", sa.column("id", sa.String), sa.column("name", sa.String))
submission = sa.table("loaners_submission", sa.column("id", sa.BigInteger), sa.column("answers", sa.JSON))
question = sa.table("loaners_question", sa.column("key", sa.String), sa.column("type", sa.String))


def _fill() -> None:
    """Every device's search text, as service/loaners/search_text.py writes it, 5,000 devices at a time."""
    # The rule as it stood, copied: live code may change after a migration (test_search_and_history.py checks)
    conn = op.get_bind()
    free_text = sa.select(question.c.key).where(question.c.type.in_(("text", "textarea")))
    keys = sorted(set(conn.scalars(free_text)))
    rows = (
        sa.select(
            device.c.id,
            device.c.management_number,
            device.c.asset_number,
            device.c.serial_number,
            model.c.name,
            submission.c.answers,
        )
        .join(model, model.c.id == device.c.model_id)
        .outerjoin(submission, submission.c.id == device.c.current_submission_id)
        .order_by(device.c.id)
        .limit(BATCH)
    )
    write = sa.table("loaners_device_search", sa.column("device_id", sa.Integer), sa.column("search_text", sa.Text))
    last = 0
    while batch := conn.execute(rows.where(device.c.id > last)).all():
        texts = []
        for row in batch:
            answers = row.answers or {}
            values = [row.management_number, row.asset_number, row.serial_number, row.name]
            values += [answers.get(key) for key in keys]
            texts.append({"device_id": row.id, "search_text": SEPARATOR.join(str(value) for value in values if value)})
        conn.execute(write.insert(), texts)
        last = batch[-1].id


def upgrade() -> None:
    op.create_table(
        "loaners_device_search",
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["loaners_device.id"],
            name=op.f("fk_loaners_device_search_device_id_loaners_device"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("device_id", name=op.f("pk_loaners_device_search")),
    )
    _fill()
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")  # a trusted extension: the database owner may create it
    op.create_index(
        "ix_loaners_device_search_trgm",
        "loaners_device_search",
        ["search_text"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"search_text": "gin_trgm_ops"},
        sqlite_where=sa.text("0"),
    )


def downgrade() -> None:
    op.drop_index("ix_loaners_device_search_trgm", table_name="loaners_device_search")
    op.drop_table("loaners_device_search")
