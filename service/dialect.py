"""SQLite/PostgreSQL differences in one place: `SQLITE` and `POSTGRESQL` carry the few statements that differ.
`current()` is the service database's dialect, `of(bind)` a session's, engine's or connection's.

SQLite stores timestamps as naive UTC text and has no time zones: local time there uses the zone's offset at a given
moment (exact for zones without DST, such as Asia/Tokyo)."""

import hashlib
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any, ClassVar, NamedTuple
from zoneinfo import ZoneInfo

from pydantic_core import to_json
from sqlalchemy import (
    BigInteger,
    BindParameter,
    Column,
    ColumnElement,
    DateTime,
    Executable,
    Float,
    FromClause,
    Insert,
    Integer,
    Select,
    String,
    Table,
    Text,
    TextClause,
    Update,
    any_,
    bindparam,
    case,
    cast,
    exists,
    false,
    func,
    select,
    text,
    true,
    update,
)
from sqlalchemy import insert as plain_insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.engine import Dialect as EngineDialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import QueryableAttribute, Session
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import JSON, TypeEngine

from service.config import get_settings

BigId = BigInteger().with_variant(Integer(), "sqlite")
"""A 64-bit id on PostgreSQL; INTEGER on SQLite, where only INTEGER PRIMARY KEY autoincrements."""

Upsert = postgresql.Insert | sqlite.Insert
"""An INSERT with on_conflict_do_update / on_conflict_do_nothing."""

PARTITION_NAME = re.compile(r".+_(p\d{6}(\d{2})?|default)")  # Period.name's, and each partitioned table's default
PARTITION_LOCK_WAIT = "2s"  # how long dropping a partition waits for the table (PostgreSQL's lock_timeout)
POSTGRES_PATTERNS = {"%Y-%m-%d %H:%M": "YYYY-MM-DD HH24:MI", "%Y-%m-%d": "YYYY-MM-DD", "%Y-%m": "YYYY-MM"}


@dataclass(frozen=True, eq=False)
class InsertUnlessFound:
    """The rows `found` answer (`written` false), else the row written (`written` true). `committed_condition` is
    `condition` and what the caller checked, for where the write's snapshot may be newer than the caller's reads
    (PostgreSQL's READ COMMITTED); on SQLite write transactions take turns, so `condition` suffices."""

    found: Select
    order_by: ColumnElement[Any]
    into: type[Any]
    values: dict[str, ColumnElement[Any]]
    returning: tuple[ColumnElement[Any] | QueryableAttribute[Any], ...]
    condition: ColumnElement[bool]
    committed_condition: ColumnElement[bool]
    also: Callable[["Dialect", FromClause], Insert]  # a statement for the rows of a source the insert writes


class Step(NamedTuple):
    statement: Executable
    answers: bool


@dataclass(frozen=True, eq=False)
class UpdateThenInsert:
    """Rows of `updated` changed by id, then rows inserted into `inserted`, in one write (a heartbeat batch). An
    inserted row names every column without a server default: PostgreSQL's statement applies no Python-side default."""

    updated: Table
    update_columns: tuple[str, ...]
    update_nulls: tuple[str, ...]  # columns set to NULL on every updated row
    update_constants: tuple[str, ...]
    inserted: Table
    insert_columns: tuple[str, ...]
    insert_constants: tuple[str, ...]


@dataclass(frozen=True)
class Period:
    """The range each partition of a table partitioned by time holds: a UTC day or month, named <table>_p<label>."""

    label: str  # strftime of the period's first day
    first_day: Callable[[date], date]  # of the period holding a day
    next_first_day: Callable[[date], date]

    def name(self, table: str, first_day: date) -> str:
        return f"{table}_p{first_day.strftime(self.label)}"

    def bounds(self, first_day: date) -> dict[str, datetime]:
        """From the period's first UTC midnight to the next period's."""
        start, end = (datetime.combine(day, time(), tzinfo=UTC) for day in (first_day, self.next_first_day(first_day)))
        return {"start": start, "end": end}

    def ahead(self, at: datetime, count: int) -> list[date]:
        """The first days of the period holding `at` and of the `count` periods after it."""
        days = [self.first_day(at.astimezone(UTC).date())]
        for _ in range(count):
            days.append(self.next_first_day(days[-1]))
        return days


DAY = Period("%Y%m%d", lambda day: day, lambda day: day + timedelta(days=1))
MONTH = Period(
    "%Y%m", lambda day: day.replace(day=1), lambda day: (day.replace(day=1) + timedelta(days=31)).replace(day=1)
)


class Bulk(NamedTuple):
    """`parameters` may be a list: run once per item."""

    statement: Executable
    params: dict[str, Any] | list[dict[str, Any]]


class Dialect(ABC):
    name: ClassVar[str]
    notifies: ClassVar[bool]  # whether LISTEN/NOTIFY reaches the other processes

    @abstractmethod
    def insert(self, table: Any) -> Upsert:
        """Upsert."""

    @abstractmethod
    def json_type(self, dialect: EngineDialect) -> TypeEngine:
        """JSON column type."""

    @abstractmethod
    def notify(self, db: Session, channel: str, payload: str) -> None:
        """NOTIFY on commit."""

    @abstractmethod
    def try_lock(self, db: Session, key: int) -> bool:
        """Non-blocking transaction lock."""

    @abstractmethod
    def lock(self, db: Session, key: int) -> None:
        """Blocking transaction lock."""

    @abstractmethod
    def claimable(self, stmt: Select) -> Select:
        """Queue rows two concurrent claimers never both read."""

    @abstractmethod
    def id_in(self, column: Any, ids: list[int]) -> Any:
        """column IN ids."""

    @abstractmethod
    def utc_hour(self, column: Any) -> Any:
        """UTC hour."""

    @abstractmethod
    def local_time(self, column: Any, *, at: datetime) -> Any:
        """Local wall-clock time."""

    @abstractmethod
    def local_text(self, column: Any, pattern: str, *, at: datetime) -> Any:
        """Local time as text (pattern from POSTGRES_PATTERNS)."""

    @abstractmethod
    def local_weekday_hour(self, column: Any, *, at: datetime) -> tuple[Any, Any]:
        """(weekday 0=Monday, hour) in local time."""

    @abstractmethod
    def bucket(
        self, column: Any, starts: list[datetime], labels: list[str], pattern: str, *, at: datetime
    ) -> tuple[Any, Callable[[Any], str]]:
        """Bucket among local periods, and the function turning its value into the label."""

    @abstractmethod
    def middle_spans(self, rows: Select) -> tuple[Select, Callable[[Any], tuple[timedelta, timedelta]]]:
        """Per key, the two middle spans (the lower and the upper; of an odd count the middle one twice), exact, and the
        function reading them from a row: the spreadsheet's MEDIAN is their mean (figures.median)."""

    @abstractmethod
    def insert_rows(self, db: Session, table: Table, rows: list[dict[str, Any]], *, ignore_conflicts: bool) -> None:
        """Bulk insert."""

    @abstractmethod
    def update_rows(self, db: Session, table: Table, rows: list[dict[str, Any]], constants: dict[str, Any]) -> None:
        """Bulk update by id."""

    @abstractmethod
    def insert_unless_found(self, write: InsertUnlessFound) -> tuple[Step, ...]:
        """Statements run in order in one batch."""

    @abstractmethod
    def member_of(self, column: Any, name: str) -> ColumnElement[bool]:
        """Membership in a list parameter (a statement built once, run often)."""

    @abstractmethod
    def update_then_insert(
        self, write: UpdateThenInsert, updates: list[dict[str, Any]], inserts: list[dict[str, Any]], now: datetime
    ) -> tuple[Bulk, ...]:
        """Statements run in order in one transaction."""

    def make_partitions(self, db: Session, column: Column, period: Period, first_days: Sequence[date]) -> list[str]:
        """A table partitioned by `period` on `column` (PostgreSQL): the partitions of the periods starting on
        `first_days` made where missing; their names. Where tables are not partitioned (SQLite), nothing."""
        return []

    def drop_partitions(self, db: Session, column: Column, period: Period, *, before: datetime) -> list[str]:
        """The partitions wholly before `before` dropped; their names."""
        return []


def _candidate(write: InsertUnlessFound, found: FromClause, condition: ColumnElement[bool]) -> Select:
    values = (value.label(name) for name, value in write.values.items())
    return select(*values).where(~exists().select_from(found), condition)


def _record(table: Table, names: Sequence[str]) -> str:
    dialect = postgresql.psycopg.dialect()
    return ", ".join(f"{n} {table.c[n].type.compile(dialect)}" for n in names)


@cache
def _json_update_then_insert(write: UpdateThenInsert) -> TextClause:
    """One statement: no per-row parameter work."""
    updated, inserted = write.updated, write.inserted
    assignments = ", ".join(
        [f"{n} = v.{n}" for n in write.update_columns]
        + [f"{n} = NULL" for n in write.update_nulls]
        + [f"{n} = :now" for n in write.update_constants]
    )
    constants = "".join(f", {n}" for n in write.insert_constants)
    return text(
        f"WITH updated AS (UPDATE {updated.name} AS t SET {assignments} "
        f"FROM json_to_recordset(CAST(:updates AS json)) AS v({_record(updated, ('id', *write.update_columns))}) "
        f"WHERE t.id = v.id) "
        f"INSERT INTO {inserted.name} ({', '.join(write.insert_columns)}{constants}) "
        f"SELECT {', '.join('s.' + n for n in write.insert_columns)}{', :now' * len(write.insert_constants)} "
        f"FROM json_to_recordset(CAST(:inserts AS json)) AS s({_record(inserted, write.insert_columns)})"
    )


@cache
def _each_update(write: UpdateThenInsert) -> Update:
    table = write.updated
    now: BindParameter[datetime] = bindparam("_now")  # typed as each column it is assigned to
    values: dict[str, Any] = {name: bindparam(f"_{name}") for name in write.update_columns}
    values |= dict.fromkeys(write.update_nulls) | dict.fromkeys(write.update_constants, now)
    return update(table).where(table.c.id == bindparam("_id")).values(values)


def _zone() -> ZoneInfo:
    return ZoneInfo(get_settings().timezone)


def _arrays(dialect: EngineDialect, table: Table, names: list[str]) -> str:
    """A whole batch of rows as a handful of array parameters."""
    return "unnest(" + ", ".join(f"CAST(:{n} AS {table.c[n].type.compile(dialect)}[])" for n in names) + ")"


def _columns(rows: list[dict[str, Any]], names: list[str]) -> dict[str, list[Any]]:
    return {n: [row[n] for row in rows] for n in names}


class PostgreSQL(Dialect):
    name = "postgresql"
    notifies = True

    def insert(self, table: Any) -> Upsert:
        return postgresql.insert(table)

    def json_type(self, dialect: EngineDialect) -> TypeEngine:
        """JSONB: indexable, compared by value."""
        return dialect.type_descriptor(JSONB())

    def notify(self, db: Session, channel: str, payload: str) -> None:
        db.execute(select(func.pg_notify(channel, payload)))

    def try_lock(self, db: Session, key: int) -> bool:
        return bool(db.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": key}))

    def lock(self, db: Session, key: int) -> None:
        db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})

    def claimable(self, stmt: Select) -> Select:
        """FOR UPDATE SKIP LOCKED: the rows another transaction is claiming are passed over, never waited for."""
        return stmt.with_for_update(skip_locked=True)

    def id_in(self, column: Any, ids: list[int]) -> Any:
        """A 10,000-item IN list costs more to plan than to run."""
        return column == any_(bindparam("ids", ids, type_=ARRAY(BigInteger)))

    def utc_hour(self, column: Any) -> Any:
        return func.timezone("UTC", func.date_trunc("hour", func.timezone("UTC", column)))

    def local_time(self, column: Any, *, at: datetime) -> Any:
        return func.timezone(_zone().key, column)

    def local_text(self, column: Any, pattern: str, *, at: datetime) -> Any:
        return func.to_char(self.local_time(column, at=at), POSTGRES_PATTERNS[pattern])

    def local_weekday_hour(self, column: Any, *, at: datetime) -> tuple[Any, Any]:
        local = self.local_time(column, at=at)
        return cast(func.extract("isodow", local), Integer) - 1, cast(func.extract("hour", local), Integer)

    def bucket(
        self, column: Any, starts: list[datetime], labels: list[str], pattern: str, *, at: datetime
    ) -> tuple[Any, Callable[[Any], str]]:
        """Exact across DST changes, cheap per row."""
        bounds = bindparam("bucket_starts", starts, type_=ARRAY(DateTime(timezone=True)))
        return func.width_bucket(column, bounds), lambda index: labels[index - 1]

    def middle_spans(self, rows: Select) -> tuple[Select, Callable[[Any], tuple[timedelta, timedelta]]]:
        """Ordered-set aggregates, one sort each way per key, no window to run."""
        spans = rows.subquery()
        span = spans.c.end - spans.c.start
        lower = func.percentile_disc(0.5).within_group(span).label("lower")
        upper = func.percentile_disc(0.5).within_group(span.desc()).label("upper")
        return select(spans.c.key, lower, upper).group_by(spans.c.key), lambda row: (row.lower, row.upper)

    def insert_rows(self, db: Session, table: Table, rows: list[dict[str, Any]], *, ignore_conflicts: bool) -> None:
        names = list(rows[0])
        conflict = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
        arrays = _arrays(db.get_bind().dialect, table, names)
        db.execute(
            text(f"INSERT INTO {table.name} ({', '.join(names)}) SELECT * FROM {arrays}{conflict}"),
            _columns(rows, names),
        )

    def update_rows(self, db: Session, table: Table, rows: list[dict[str, Any]], constants: dict[str, Any]) -> None:
        names = [name for name in rows[0] if name != "id"]
        assignments = ", ".join([f"{n} = v.{n}" for n in names] + [f"{n} = :const_{n}" for n in constants])
        arrays = _arrays(db.get_bind().dialect, table, ["id", *names])
        stmt = text(
            f"UPDATE {table.name} AS t SET {assignments} FROM {arrays} AS v(id, {', '.join(names)}) WHERE t.id = v.id"
        )
        db.execute(stmt, _columns(rows, ["id", *names]) | {f"const_{n}": v for n, v in constants.items()})

    def insert_unless_found(self, write: InsertUnlessFound) -> tuple[Step, ...]:
        """One statement, one snapshot, one round trip (a data-modifying CTE)."""
        found = write.found.cte("found")
        candidate = _candidate(write, found, write.committed_condition)
        inserted = plain_insert(write.into).from_select(list(write.values), candidate).returning(*write.returning)
        written = inserted.cte("written")
        statement = (
            select(*found.c, false().label("written"))
            .union_all(select(*written.c, true()))
            .add_cte(write.also(self, written).cte("also"))
            .order_by(write.order_by)
        )
        return (Step(statement, answers=True),)

    def member_of(self, column: Any, name: str) -> ColumnElement[bool]:
        return column == any_(bindparam(name))

    def update_then_insert(
        self, write: UpdateThenInsert, updates: list[dict[str, Any]], inserts: list[dict[str, Any]], now: datetime
    ) -> tuple[Bulk, ...]:
        """The rows travel as two JSON documents: pydantic-core encodes them 3x faster than json."""
        params = {"now": now, "updates": to_json(updates).decode(), "inserts": to_json(inserts).decode()}
        return (Bulk(_json_update_then_insert(write), params),)

    def make_partitions(self, db: Session, column: Column, period: Period, first_days: Sequence[date]) -> list[str]:
        """Under a lock per table, so two makers never race; rows the default partition (`<table>_default`: a late
        row, or a period nobody made ahead) holds for a new period move into its partition before it is attached."""
        table = column.table.name
        self.lock(db, _partition_lock(table))
        made = []
        for day in sorted(set(first_days) - set(_partitions(db, table, period))):
            name, bounds = period.name(table, day), period.bounds(day)
            db.execute(text(f'CREATE TABLE "{name}" (LIKE "{table}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS)'))
            within = f'"{column.name}" >= :start AND "{column.name}" < :end'
            moved = f'DELETE FROM "{table}_default" WHERE {within} RETURNING *'
            db.execute(text(f'WITH moved AS ({moved}) INSERT INTO "{name}" SELECT * FROM moved'), bounds)
            start, end = (f"'{bound.isoformat()}'" for bound in bounds.values())  # DDL takes no parameters
            db.execute(text(f'ALTER TABLE "{table}" ATTACH PARTITION "{name}" FOR VALUES FROM ({start}) TO ({end})'))
            made.append(name)
        return made

    def drop_partitions(self, db: Session, column: Column, period: Period, *, before: datetime) -> list[str]:
        """A drop needs the table alone for a moment: it waits at most PARTITION_LOCK_WAIT for the table's readers
        and writers, so a busy moment fails this run (the next drops it) rather than queue everyone behind it."""
        table = column.table.name
        self.lock(db, _partition_lock(table))
        db.execute(text(f"SET LOCAL lock_timeout = '{PARTITION_LOCK_WAIT}'"))
        periods = sorted(_partitions(db, table, period).items())
        gone = [name for day, name in periods if period.bounds(day)["end"] <= before]
        for name in gone:
            db.execute(text(f'DROP TABLE "{name}"'))
        return gone


def advisory_key(name: str) -> int:
    """A stable signed 64-bit key, as PostgreSQL's advisory locks take."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)


def _partition_lock(table: str) -> int:
    return advisory_key(f"partitions:{table}")


def is_partition(name: str) -> bool:
    """A period's partition or the default partition of a partitioned table: PostgreSQL's, not a table of the models."""
    return PARTITION_NAME.fullmatch(name) is not None


def of_the_models(name: str | None, type_: str, _parent: object) -> bool:
    """Alembic's `include_name`: a table's partitions are the partitioned table's, made and dropped by the service."""
    return not (type_ == "table" and name is not None and is_partition(name))


def _partitions(db: Session, table: str, period: Period) -> dict[date, str]:
    """The table's partitions by their period's first day."""
    children = text(
        "SELECT child.relname FROM pg_inherits JOIN pg_class child ON child.oid = pg_inherits.inhrelid"
        " JOIN pg_class parent ON parent.oid = pg_inherits.inhparent WHERE parent.relname = :table"
    )
    prefix = f"{table}_p"
    names = db.scalars(children, {"table": table})
    return {datetime.strptime(n.removeprefix(prefix), period.label).date(): n for n in names if n.startswith(prefix)}


class SQLite(Dialect):
    name = "sqlite"
    notifies = False

    def insert(self, table: Any) -> Upsert:
        return sqlite.insert(table)

    def notify(self, db: Session, channel: str, payload: str) -> None:
        """No other process to tell."""

    def try_lock(self, db: Session, key: int) -> bool:
        """Writers already take turns."""
        return True

    def lock(self, db: Session, key: int) -> None:
        """Writers already take turns."""

    def claimable(self, stmt: Select) -> Select:
        """Every write transaction starts with the database's write lock (BEGIN IMMEDIATE, service/database.py), so a
        second claimer reads only once the first has committed its claim."""
        return stmt

    def id_in(self, column: Any, ids: list[int]) -> Any:
        return column.in_(ids)

    def json_type(self, dialect: EngineDialect) -> TypeEngine:
        return dialect.type_descriptor(JSON())

    def utc_hour(self, column: Any) -> Any:
        return cast(func.strftime("%Y-%m-%d %H:00:00.000000", column), String)

    def local_time(self, column: Any, *, at: datetime) -> Any:
        offset = at.astimezone(_zone()).utcoffset()
        return func.datetime(column, f"{int(offset.total_seconds()) if offset else 0:+d} seconds")

    def local_text(self, column: Any, pattern: str, *, at: datetime) -> Any:
        return func.strftime(pattern, self.local_time(column, at=at))

    def local_weekday_hour(self, column: Any, *, at: datetime) -> tuple[Any, Any]:
        local = self.local_time(column, at=at)
        return (cast(func.strftime("%w", local), Integer) + 6) % 7, cast(func.strftime("%H", local), Integer)

    def bucket(
        self, column: Any, starts: list[datetime], labels: list[str], pattern: str, *, at: datetime
    ) -> tuple[Any, Callable[[Any], str]]:
        return self.local_text(column, pattern, at=at), str

    def middle_spans(self, rows: Select) -> tuple[Select, Callable[[Any], tuple[timedelta, timedelta]]]:
        """SQLite has no percentile function: the rows ranked by their span in a window, the middle two kept."""
        spans = rows.subquery()
        ranked = select(
            spans.c.key,
            spans.c.start,
            spans.c.end,
            func.row_number()
            .over(partition_by=spans.c.key, order_by=(seconds_between(spans.c.start, spans.c.end), spans.c.id))
            .label("position"),
            func.count().over(partition_by=spans.c.key).label("counted"),
        ).subquery()
        lower = ranked.c.position == (ranked.c.counted + 1) // 2
        upper = ranked.c.position == (ranked.c.counted + 2) // 2
        ends = [
            func.max(case((which, getattr(ranked.c, end)))).label(f"{name}_{end}")
            for name, which in (("lower", lower), ("upper", upper))
            for end in ("start", "end")
        ]
        middle = select(ranked.c.key, *ends).where(lower | upper).group_by(ranked.c.key)
        return middle, lambda row: (row.lower_end - row.lower_start, row.upper_end - row.upper_start)

    def insert_rows(self, db: Session, table: Table, rows: list[dict[str, Any]], *, ignore_conflicts: bool) -> None:
        stmt = sqlite.insert(table)
        db.execute(stmt.on_conflict_do_nothing() if ignore_conflicts else stmt, rows)

    def update_rows(self, db: Session, table: Table, rows: list[dict[str, Any]], constants: dict[str, Any]) -> None:
        names = [name for name in rows[0] if name != "id"]
        stmt = (
            update(table)
            .where(table.c.id == bindparam("_id"))
            .values({name: bindparam(f"_{name}") for name in names} | constants)
        )
        db.execute(stmt, [{f"_{name}": value for name, value in row.items()} for row in rows])

    def insert_unless_found(self, write: InsertUnlessFound) -> tuple[Step, ...]:
        """SQLite has no data-modifying CTE: three statements of one transaction."""
        candidate = _candidate(write, write.found.subquery(), write.condition)
        inserted = (
            plain_insert(write.into)
            .from_select(list(write.values), candidate)
            .returning(*write.returning, true().label("written"))
        )
        return (
            Step(write.found.add_columns(false().label("written")).order_by(write.order_by), answers=True),
            Step(write.also(self, candidate.subquery()), answers=False),
            Step(inserted, answers=True),
        )

    def member_of(self, column: Any, name: str) -> ColumnElement[bool]:
        return column.in_(bindparam(name, expanding=True))

    def update_then_insert(
        self, write: UpdateThenInsert, updates: list[dict[str, Any]], inserts: list[dict[str, Any]], now: datetime
    ) -> tuple[Bulk, ...]:
        each = [{f"_{name}": value for name, value in row.items()} | {"_now": now} for row in updates]
        constants = dict.fromkeys(write.insert_constants, now)
        return (
            Bulk(_each_update(write), each),
            Bulk(plain_insert(write.inserted), [row | constants for row in inserts]),
        )


SQLITE = SQLite()
POSTGRESQL = PostgreSQL()
_BY_NAME: dict[str, Dialect] = {SQLITE.name: SQLITE, POSTGRESQL.name: POSTGRESQL}


def current() -> Dialect:
    return SQLITE if get_settings().is_sqlite else POSTGRESQL


def of(bind: Session | Engine | Connection) -> Dialect:
    return _BY_NAME[(bind.get_bind() if isinstance(bind, Session) else bind).dialect.name]


def is_postgres(bind: Session | Engine | Connection) -> bool:
    return of(bind) is POSTGRESQL


def json_impl(dialect: EngineDialect) -> TypeEngine:
    return _BY_NAME[dialect.name].json_type(dialect)


def notify(db: Session, channel: str, payload: str) -> None:
    of(db).notify(db, channel, payload)


def insert(db: Session, table: Any) -> Any:
    return of(db).insert(table)


def claimable(db: Session, stmt: Select) -> Select:
    return of(db).claimable(stmt)


def id_in(db: Session, column: Any, ids: list[int]) -> Any:
    return of(db).id_in(column, ids)


def utc_hour(db: Session, column: Any) -> Any:
    return of(db).utc_hour(column)


def local_time(db: Session, column: Any, *, at: datetime) -> Any:
    return of(db).local_time(column, at=at)


def local_text(db: Session, column: Any, pattern: str, *, at: datetime) -> Any:
    return of(db).local_text(column, pattern, at=at)


def local_weekday_hour(db: Session, column: Any, *, at: datetime) -> tuple[Any, Any]:
    return of(db).local_weekday_hour(column, at=at)


def insert_rows(db: Session, model: type, rows: list[dict[str, Any]], *, ignore_conflicts: bool = False) -> None:
    """`ignore_conflicts` skips a row that would break a unique rule (a second open alert, a repeated event id)."""
    if rows:
        of(db).insert_rows(db, model.__table__, rows, ignore_conflicts=ignore_conflicts)  # type: ignore[attr-defined]


def update_rows(db: Session, table: Table, rows: list[dict[str, Any]], *, constants: dict[str, Any]) -> None:
    of(db).update_rows(db, table, rows, constants)


class epoch(FunctionElement):  # noqa: N801 - reads as the SQL function it stands for
    type = Float()
    inherit_cache = True
    name = "epoch"


@compiles(epoch, "postgresql")
def _epoch_pg(element: epoch, compiler: Any, **kw: Any) -> str:
    return f"EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)})"


@compiles(epoch, "sqlite")
def _epoch_sqlite(element: epoch, compiler: Any, **kw: Any) -> str:
    return f"((julianday({compiler.process(element.clauses, **kw)}) - 2440587.5) * 86400.0)"


class seconds_between(FunctionElement):  # noqa: N801 - reads as the SQL function it stands for
    """On PostgreSQL a double precision (EXTRACT answers a numeric): cheap to sort by."""

    type = Float()
    inherit_cache = True
    name = "seconds_between"


@compiles(seconds_between, "postgresql")
def _seconds_between_pg(element: seconds_between, compiler: Any, **kw: Any) -> str:
    start, end = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"date_part('epoch', {end} - {start})"


@compiles(seconds_between, "sqlite")
def _seconds_between_sqlite(element: seconds_between, compiler: Any, **kw: Any) -> str:
    start, end = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"((julianday({end}) - julianday({start})) * 86400.0)"


class json_record(FunctionElement):  # noqa: N801 - reads as the SQL function it stands for
    """Built by the database from alternating key literals and values."""

    type = Text()
    inherit_cache = True
    name = "json_record"


@compiles(json_record, "postgresql")
def _json_record_pg(element: json_record, compiler: Any, **kw: Any) -> str:
    return f"CAST(json_build_object({compiler.process(element.clauses, **kw)}) AS TEXT)"


def _is_json(type_: TypeEngine) -> bool:
    """Also behind a TypeDecorator such as database.JSONType."""
    return isinstance(getattr(type_, "impl_instance", type_), JSON)


@compiles(json_record, "sqlite")
def _json_record_sqlite(element: json_record, compiler: Any, **kw: Any) -> str:
    parts = [
        f"json({compiler.process(c, **kw)})" if _is_json(c.type) else compiler.process(c, **kw) for c in element.clauses
    ]
    return f"json_object({', '.join(parts)})"
