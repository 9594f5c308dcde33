"""Engine, sessions and the declarative base shared by every domain."""

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic_core import to_jsonable_python
from sqlalchemy import JSON, DateTime, MetaData, Table, create_engine, event
from sqlalchemy.engine import CursorResult, Engine, Result
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import QueuePool
from sqlalchemy.types import TypeDecorator
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from service.config import get_settings
from service.dialect import json_impl

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Always hands back timezone-aware UTC datetimes."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass an aware datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def to_json(value: Any) -> Any:
    """Every JSON column stores this, so what is compared with a stored value is encoded the same way."""
    return to_jsonable_python(value)


class JSONType(TypeDecorator):
    impl = JSON
    cache_ok = True
    should_evaluate_none = True  # None is stored as JSON null, as plain JSON columns do

    def load_dialect_impl(self, dialect: Any) -> Any:
        return json_impl(dialect)

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        return None if value is None else to_json(value)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSONType(), list[Any]: JSONType()}
    if TYPE_CHECKING:
        __table__: ClassVar[Table]  # every model here is declared on a Table (DeclarativeBase allows any FromClause)


def _configure_sqlite(engine: Engine, *, read_only: bool) -> None:
    """Write-intent transactions: concurrent writers queue instead of failing. A read-only engine (query_only) starts
    plain transactions that take no write lock."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        if read_only:
            cursor.execute("PRAGMA query_only=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def build_engine(url: str, *, read_only: bool = False, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)
        _configure_sqlite(engine, read_only=read_only)
        return engine
    if "poolclass" not in kwargs:
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 20)
    if read_only:
        kwargs["connect_args"] = {**kwargs.get("connect_args", {}), "options": "-c default_transaction_read_only=on"}
    return create_engine(url, pool_pre_ping=True, **kwargs)


@lru_cache
def get_engine() -> Engine:
    settings = get_settings()
    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    return build_engine(settings.effective_database_url)


@lru_cache
def get_sessionmaker() -> sessionmaker[Session]:
    return sessionmaker(bind=get_engine(), expire_on_commit=False)


@lru_cache
def get_read_engine() -> Engine:
    """The replica on APP_DATABASE_READ_URL; the primary when unset."""
    url = get_settings().database_read_url
    return build_engine(url, read_only=True) if url else get_engine()


@lru_cache
def get_read_sessionmaker() -> sessionmaker[Session]:
    return sessionmaker(bind=get_read_engine(), expire_on_commit=False)


READ_REPLICA_MARK = "_daicho_reads_from_replica"


def serve_from_read_replica(*endpoints: Callable[..., Any]) -> None:
    """Their requests only read; service/routers.py's DASHBOARD_READS marks them all."""
    for endpoint in endpoints:
        setattr(endpoint, READ_REPLICA_MARK, True)


def reads_from_replica(scope: Mapping[str, Any]) -> bool:
    return getattr(getattr(scope.get("route"), "endpoint", None), READ_REPLICA_MARK, False)


def _finish(db: Session, exc: BaseException | None) -> None:
    """An error marked keep_changes still commits (a counted failed login)."""
    try:
        if exc is None or getattr(exc, "keep_changes", False):
            db.commit()
        else:
            db.rollback()
    finally:
        db.close()


@contextmanager
def session_scope() -> Iterator[Session]:
    """The one commit boundary for jobs and commands."""
    db = get_sessionmaker()()
    try:
        yield db
    except BaseException as exc:
        _finish(db, exc)
        raise
    _finish(db, None)


_request_gates: dict[int, asyncio.Semaphore] = {}


def _request_gate() -> asyncio.Semaphore:
    """Requests wait here, in the event loop, instead of in worker threads: a thread blocked on the SQLite write lock or
    on an empty pool would otherwise starve the request holding the lock of the thread it needs to finish."""
    loop = asyncio.get_running_loop()
    gate = _request_gates.get(id(loop))
    if gate is None:
        gate = _request_gates[id(loop)] = asyncio.Semaphore(_request_capacity(get_engine()))
    return gate


def _request_capacity(engine: Engine) -> int:
    """On PostgreSQL the pool's size plus its overflow, less five."""
    pool = engine.pool
    if engine.dialect.name == "sqlite" or not isinstance(pool, QueuePool):
        return 1
    return max(1, pool.size() + pool._max_overflow - 5)


async def get_db(request: Request) -> AsyncIterator[Session]:
    """On the read engine for routes marked read-only (the caller's identity and tenancy are read there too)."""
    async with _request_gate():
        db = (get_read_sessionmaker() if reads_from_replica(request.scope) else get_sessionmaker())()
        try:
            yield db
        except BaseException as exc:
            await run_in_threadpool(_finish, db, exc)
            raise
        await run_in_threadpool(_finish, db, None)


def affected_rows(result: Result[Any]) -> int:
    """Session.execute is typed as returning a Result, but runs such a statement into a CursorResult."""
    if not isinstance(result, CursorResult):
        raise TypeError(f"{type(result).__name__} is not the result of an UPDATE or DELETE")
    return result.rowcount
