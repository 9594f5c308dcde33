"""the raw metric samples partitioned by UTC day on PostgreSQL (one partition a day, made ahead by the beat, dropped
whole once the day leaves retention; `fleet_metric_sample_default` takes a sample for a day with no partition); SQLite
keeps one table

Revision ID: 0077_fleet_sample_days
Revises: 0069_identity_source
Create Date: 2026-11-29 12:30:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0077_fleet_sample_days"
down_revision: str | None = "0069_identity_source"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "fleet_metric_sample"
OLD = f"{TABLE}_unpartitioned"
DAYS_AHEAD = 3  # service/fleet/retention.py SAMPLE_DAYS_AHEAD: the beat keeps it so from then on
COLUMNS = """
    id BIGINT NOT NULL DEFAULT nextval('fleet_metric_sample_id_seq'),
    terminal_id INTEGER NOT NULL,
    recorded_at TIMESTAMP WITH TIME ZONE NOT NULL,
    cpu DOUBLE PRECISION NOT NULL,
    memory DOUBLE PRECISION NOT NULL,
    disk DOUBLE PRECISION NOT NULL,
    CONSTRAINT fk_fleet_metric_sample_terminal_id_fleet_terminal FOREIGN KEY (terminal_id)
        REFERENCES fleet_terminal (id) ON DELETE CASCADE"""
INDEXES = (
    f"CREATE INDEX ix_fleet_metric_sample_terminal_recorded ON {TABLE} (terminal_id, recorded_at)",
    f"CREATE INDEX ix_fleet_metric_sample_recorded_at ON {TABLE} (recorded_at)",
)
# Each UTC day from the first sample's to DAYS_AHEAD after today, as a partition named <table>_pYYYYMMDD
DAY_PARTITIONS = f"""
DO $$
DECLARE day date;
BEGIN
    FOR day IN SELECT generate_series(
        COALESCE((SELECT min(recorded_at AT TIME ZONE 'UTC')::date FROM {OLD}), (now() AT TIME ZONE 'UTC')::date),
        (now() AT TIME ZONE 'UTC')::date + {DAYS_AHEAD}, interval '1 day')::date
    LOOP
        EXECUTE format(
            'CREATE TABLE %I PARTITION OF {TABLE} FOR VALUES FROM (%L) TO (%L)',
            '{TABLE}_p' || to_char(day, 'YYYYMMDD'), day::timestamp AT TIME ZONE 'UTC',
            (day + 1)::timestamp AT TIME ZONE 'UTC');
    END LOOP;
END $$"""


def _set_aside(table: str) -> None:
    """The table renamed with its primary key and indexes, freeing their names for the new one."""
    op.execute(f"ALTER TABLE {TABLE} RENAME TO {table}")
    op.execute(f"ALTER INDEX pk_{TABLE} RENAME TO pk_{table}")
    op.execute(f"ALTER INDEX ix_{TABLE}_terminal_recorded RENAME TO ix_{table}_terminal_recorded")
    op.execute(f"ALTER INDEX ix_{TABLE}_recorded_at RENAME TO ix_{table}_recorded_at")


def _move_from(table: str) -> None:
    op.execute(f"INSERT INTO {TABLE} SELECT id, terminal_id, recorded_at, cpu, memory, disk FROM {table}")
    op.execute(f"ALTER SEQUENCE {TABLE}_id_seq OWNED BY {TABLE}.id")
    op.execute(f"DROP TABLE {table}")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _set_aside(OLD)
    op.execute(f"CREATE TABLE {TABLE} ({COLUMNS}, CONSTRAINT pk_{TABLE} PRIMARY KEY (id, recorded_at))"
               f" PARTITION BY RANGE (recorded_at)")  # fmt: skip
    for index in INDEXES:
        op.execute(index)
    op.execute(f"CREATE TABLE {TABLE}_default PARTITION OF {TABLE} DEFAULT")
    op.execute(DAY_PARTITIONS)
    _move_from(OLD)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _set_aside("fleet_metric_sample_days")
    op.execute(f"CREATE TABLE {TABLE} ({COLUMNS}, CONSTRAINT pk_{TABLE} PRIMARY KEY (id))")
    for index in INDEXES:
        op.execute(index)
    _move_from("fleet_metric_sample_days")
