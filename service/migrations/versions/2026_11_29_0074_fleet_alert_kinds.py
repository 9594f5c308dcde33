"""fleet: a terminal's streaks of beats at a load threshold in one column, by alert kind (`usage_streaks`), so a new
streaked alert kind needs no column of its own

Revision ID: 0074_fleet_alert_kinds
Revises: 0070_ocr_labels
Create Date: 2026-11-29 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0074_fleet_alert_kinds"
down_revision: str | None = "0070_ocr_labels"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
KINDS = ("high_cpu", "high_memory")  # the streaked alert kinds as their columns were named: <kind>_streak


def _object(*pairs: str) -> str:
    """The dialect's JSON object of the given key and value expressions."""
    build = "jsonb_build_object" if op.get_bind().dialect.name == "postgresql" else "json_object"
    return f"{build}({', '.join(pairs)})"


def upgrade() -> None:
    with op.batch_alter_table("fleet_terminal") as batch:
        batch.add_column(sa.Column("usage_streaks", JSON, server_default=sa.text("'{}'"), nullable=False))
    streaks = _object(*(f"'{kind}', {kind}_streak" for kind in KINDS))
    op.execute(f"UPDATE fleet_terminal SET usage_streaks = {streaks}")
    with op.batch_alter_table("fleet_terminal") as batch:
        for kind in KINDS:
            batch.drop_column(f"{kind}_streak")


def downgrade() -> None:
    with op.batch_alter_table("fleet_terminal") as batch:
        for kind in KINDS:
            batch.add_column(sa.Column(f"{kind}_streak", sa.Integer(), server_default="0", nullable=False))
    if op.get_bind().dialect.name == "postgresql":
        values = ", ".join(f"{kind}_streak = COALESCE((usage_streaks ->> '{kind}')::int, 0)" for kind in KINDS)
    else:
        values = ", ".join(f"{kind}_streak = COALESCE(json_extract(usage_streaks, '$.{kind}'), 0)" for kind in KINDS)
    op.execute(f"UPDATE fleet_terminal SET {values}")
    with op.batch_alter_table("fleet_terminal") as batch:
        batch.drop_column("usage_streaks")
