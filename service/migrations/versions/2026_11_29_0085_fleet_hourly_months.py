"""the hourly metric rollups partitioned by UTC month on PostgreSQL (one partition a month, made ahead by the beat,
dropped whole once the month leaves retention; `fleet_metric_hourly_default` takes a row for a month with no
partition); SQLite keeps one table

Revision ID: 0085_fleet_hourly_months
Revises: 0080_import_steps
Create Date: 2026-11-29 15:30:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0085_fleet_hourly_months"
down_revision: str | None = "0080_import_steps"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "fleet_metric_hourly"
MEASURES = [f"{measure}_{of}" for measure in ("cpu", "memory", "disk") for of in ("min", "avg", "max")]
COLUMNS = ", ".join(["id", "terminal_id", "hour", "samples", *MEASURES])
DEFINITION = f"""
    id BIGINT NOT NULL DEFAULT nextval('{TABLE}_id_seq'),
    terminal_id INTEGER NOT NULL,
    hour TIMESTAMP WITH TIME ZONE NOT NULL,
    samples INTEGER NOT NULL,
    {", ".join(f"{measure} DOUBLE PRECISION NOT NULL" for measure in MEASURES)},
    CONSTRAINT fk_{TABLE}_terminal_id_fleet_terminal FOREIGN KEY (terminal_id)
        REFERENCES fleet_terminal (id) ON DELETE CASCADE,
    CONSTRAINT uq_{TABLE}_terminal_id_hour UNIQUE (terminal_id, hour)"""
NAMES = (f"pk_{TABLE}", f"uq_{TABLE}_terminal_id_hour", f"ix_{TABLE}_hour")
MONTHS_AHEAD = 1  # service/fleet/retention.py PARTITIONED: the beat keeps it so from then on
# Each UTC month from the first row's to MONTHS_AHEAD after this one, as a partition named <table>_pYYYYMM
MONTH_PARTITIONS = f"""
DO $$
DECLARE month date;
BEGIN
    FOR month IN SELECT generate_series(
        date_trunc('month', COALESCE((SELECT min(hour) FROM {TABLE}_unpartitioned), now()) AT TIME ZONE 'UTC'),
        date_trunc('month', now() AT TIME ZONE 'UTC') + interval '{MONTHS_AHEAD} month', interval '1 month')::date
    LOOP
        EXECUTE format(
            'CREATE TABLE %I PARTITION OF {TABLE} FOR VALUES FROM (%L) TO (%L)',
            '{TABLE}_p' || to_char(month, 'YYYYMM'), month::timestamp AT TIME ZONE 'UTC',
            (month + interval '1 month')::timestamp AT TIME ZONE 'UTC');
    END LOOP;
END $$"""


def _set_aside(table: str) -> None:
    """The table renamed with its constraints and index, freeing their names for the new one."""
    op.execute(f"ALTER TABLE {TABLE} RENAME TO {table}")
    for name in NAMES:
        op.execute(f"ALTER INDEX {name} RENAME TO {name.replace(TABLE, table)}")


def _create(primary_key: str, partitioned_by: str = "") -> None:
    op.execute(
        f"CREATE TABLE {TABLE} ({DEFINITION}, CONSTRAINT pk_{TABLE} PRIMARY KEY ({primary_key})){partitioned_by}"
    )
    op.execute(f"CREATE INDEX ix_{TABLE}_hour ON {TABLE} (hour)")


def _move_from(table: str) -> None:
    op.execute(f"INSERT INTO {TABLE} ({COLUMNS}) SELECT {COLUMNS} FROM {table}")
    op.execute(f"ALTER SEQUENCE {TABLE}_id_seq OWNED BY {TABLE}.id")
    op.execute(f"DROP TABLE {table}")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _set_aside(f"{TABLE}_unpartitioned")
    _create("id, hour", " PARTITION BY RANGE (hour)")
    op.execute(f"CREATE TABLE {TABLE}_default PARTITION OF {TABLE} DEFAULT")
    op.execute(MONTH_PARTITIONS)
    _move_from(f"{TABLE}_unpartitioned")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _set_aside(f"{TABLE}_months")
    _create("id")
    _move_from(f"{TABLE}_months")
