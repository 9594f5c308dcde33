"""Fast lanes: the few hot routes (agent heartbeats, station scans and heartbeats) answered before the middleware stack.

A lane route is declared once, by `LaneRouter.post` on its handler (which takes the raw request and answers bytes):
that registers both the ordinary FastAPI route (listed in OpenAPI with its body and security, reachable through the
routing, its errors rendered by the app's handlers) and the `LaneRoute` that `Lanes` serves ahead of the middleware
stack, FastAPI's routing and dependency solving, which cost several times the handler's own work on these paths.
The platform's request id, body guard, metrics (labelled with the declared route's template) and error rendering
apply as on every route. A request that succeeds is counted but not written to the access log, which would otherwise
carry hundreds of lines a second; refused ones are logged. CORS does not apply: agents and stations are no
cross-origin browsers.

A lane's database work is written once as a generator of prepared statements (`Work`) and driven by `LaneDatabase`:
on PostgreSQL from the event loop on a few async psycopg connections, on SQLite on one thread. Statements that must
run together (a lock and the write under it) are yielded as one `Batch`: on PostgreSQL pipelined, one round trip
that is its own transaction, instead of four (BEGIN, two statements, COMMIT). A batch's statements cannot depend on
each other's answers; work that must look before it writes in one transaction is either written so that the write's
own statement checks again, or run whole in one transaction (`LaneDatabase.run_together`, pipelined too: BEGIN goes
with its first statement, COMMIT with its last). (Pipelining statements one at a time was measured slower than
sending them one by one.)

`GroupCommit` shares a write among concurrent requests: what arrives while a batch is being written goes together in
the next one.
"""

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable, Generator, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Literal, NamedTuple, TypeVar

import orjson
import psycopg
from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.security.base import SecurityBase
from psycopg import AsyncConnection, AsyncCursor
from pydantic import BaseModel, ValidationError
from sqlalchemy import ClauseElement, ColumnElement, Connection, Executable, Label, make_url
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import QueryableAttribute
from starlette.types import Receive, Scope, Send

from clientkit.security_headers import SECURITY_HEADERS
from service.body_guard import BodyGuard, RequestHead
from service.config import get_settings
from service.database import get_engine
from service.metrics import request_metrics
from service.openapi import MARK, declares
from service.request_context import request_id_var

JSON = "application/json"
Model = TypeVar("Model", bound=BaseModel)
Result = TypeVar("Result")


@dataclass(frozen=True, slots=True)
class LaneRequest:
    scope: Scope
    head: RequestHead
    body: bytes


Handler = Callable[[LaneRequest], Awaitable[tuple[int, bytes]]]


@dataclass(frozen=True)
class LaneRoute:
    """A POST route (its path within the API prefix, as declared on its router) answered by `handler`."""

    path: str
    handler: Handler


def parse_body(model: type[Model], raw: bytes) -> Model:
    """The body parsed by pydantic's JSON parser; errors as FastAPI reports a body (400 malformed JSON, else 422)."""
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_context=False, include_input=False)
        raise RequestValidationError([error | {"loc": ("body", *error["loc"])} for error in errors]) from None


def body_schema(model: type[BaseModel]) -> dict[str, Any]:
    """A lane route's `openapi_extra`: its JSON body, the model's schema with nested models written in place
    (a route's openapi_extra cannot add components)."""
    schema = model.model_json_schema(by_alias=True)
    definitions = schema.pop("$defs", {})

    def expand(node: Any) -> Any:
        if isinstance(node, list):
            return [expand(item) for item in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node:
            return expand(definitions[node["$ref"].removeprefix("#/$defs/")])
        return {key: expand(value) for key, value in node.items()}

    return {"requestBody": {"required": True, "content": {JSON: {"schema": expand(schema)}}}}


class JsonAnswer:
    """A lane's answer written by orjson from its response model's fields, in the model's order and names (aliases),
    datetimes by `timestamp`. The model stays the route's declared response; a test holds both renderings byte for
    byte equal. No model is built and validated per answer on the hot path."""

    def __init__(self, model: type[BaseModel], timestamp: Callable[[datetime], str]) -> None:
        self.fields = [(name, field.alias or name) for name, field in model.model_fields.items()]
        self.timestamp = timestamp

    def render(self, **values: Any) -> bytes:
        answer = {alias: values[name] for name, alias in self.fields}
        return orjson.dumps(answer, default=self._datetime, option=orjson.OPT_PASSTHROUGH_DATETIME)

    def _datetime(self, value: Any) -> str:
        if not isinstance(value, datetime):
            raise TypeError(f"{type(value).__name__} is not written by a lane's answer")
        return self.timestamp(value)


async def answer_route(handler: Handler, request: Request) -> Response:
    """The ordinary route's body: the lane handler run on a Request that went through the routing."""
    lane_request = LaneRequest(request.scope, RequestHead.of(request.scope), await request.body())
    status, body = await handler(lane_request)
    return Response(body, status_code=status, media_type=JSON)


class LaneRouter:
    """A router's lane routes, each declared once on its handler: the FastAPI route and the `LaneRoute` together.

    The handler checks the request's credentials itself, so the route declares `security` in OpenAPI (with the
    errors it declares) instead of running it as a dependency."""

    def __init__(self, router: APIRouter, security: SecurityBase) -> None:
        self.router = router
        self.security = security
        self.routes: list[LaneRoute] = []

    def post(self, path: str, *, body: type[BaseModel] | None = None, **route: Any) -> Callable[[Handler], Handler]:
        """Declare the handler as the POST route `path` of the router: `body` documents its JSON body, `route` takes
        what `APIRouter.post` does (response_model, status_code, responses). The operation is named after the
        handler and documented by its docstring; the errors it `declares` are the operation's."""

        def declare(handler: Handler) -> Handler:
            async def endpoint(request: Request) -> Response:
                return await answer_route(handler, request)

            # the route is the handler's module's: named, documented and placed (its domain) as the handler
            for attribute in ("__name__", "__qualname__", "__module__", "__doc__"):
                setattr(endpoint, attribute, getattr(handler, attribute))
            declares(*getattr(handler, MARK, ()), *getattr(self.security, MARK, ()))(endpoint)
            extra = {"security": [{self.security.scheme_name: []}]} | (body_schema(body) if body else {})
            self.router.post(path, openapi_extra=extra, **route)(endpoint)
            self.routes.append(LaneRoute(self.router.prefix + path, handler))
            return handler

        return declare


class Lanes:
    """Answers the lane routes' POST requests ahead of the middleware stack; everything else goes on to the app."""

    def __init__(self, app: FastAPI, prefix: str, routes: Iterable[LaneRoute]) -> None:
        self.app = app
        self.guard = BodyGuard()
        self.routes = {prefix + route.path: route for route in routes}

    async def serve(self, scope: Scope, receive: Receive, send: Send) -> bool:
        """Answer the request when it is a lane route's; False (nothing read) for any other request."""
        route = self.routes.get(scope["path"]) if scope["type"] == "http" and scope["method"] == "POST" else None
        if route is None:
            return False
        started = time.perf_counter()
        head = RequestHead.of(scope)
        token = request_id_var.set(head.request_id)
        status = 500
        try:
            status = await self._answer(scope, receive, send, head, route.handler)
        finally:
            request_id_var.reset(token)
            elapsed = time.perf_counter() - started
            request_metrics.record("POST", route.path, scope["path"], status, elapsed, log_success=False)
        return True

    async def _answer(self, scope: Scope, receive: Receive, send: Send, head: RequestHead, handler: Handler) -> int:
        """Run the handler on the guarded body and send its answer (or the app's rendering of its error); the status."""
        try:
            raw = await self.guard.read(scope, receive, head)
            if raw is None:
                return 499  # the client went away before its body arrived
            status, body = await handler(LaneRequest(scope, head, raw))
        except Exception as exc:
            scope["app"] = self.app
            response = await _error_response(self.app, Request(scope, receive, send), exc)
            response.headers["x-request-id"] = head.request_id
            response.raw_headers.extend(SECURITY_HEADERS)
            await response(scope, receive, send)
            return response.status_code
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", b"%d" % len(body)),
            (b"x-request-id", head.request_id.encode()),
            *SECURITY_HEADERS,
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        return status


async def _error_response(app: FastAPI, request: Request, exc: Exception) -> Response:
    """What the app's exception handler for this error (or its nearest base class) answers."""
    for kind in type(exc).__mro__:
        handler = app.exception_handlers.get(kind)
        if handler is not None:
            response = handler(request, exc)
            return response if isinstance(response, Response) else await response
    raise exc


@dataclass(frozen=True, slots=True)
class Query:
    """One statement of a lane's database work: built once at import, run with `params` (a list of them: once per
    item, answering nothing).

    `fetch` says what the work gets back: "all" rows, the first column of the first row ("scalar"),
    or nothing.
    """

    statement: Executable
    params: dict[str, Any] | list[dict[str, Any]]
    fetch: Literal["all", "scalar", "none"] = "all"


@dataclass(frozen=True, slots=True)
class Batch:
    """Statements run in order in one transaction: on PostgreSQL pipelined, one round trip. Each statement sees what
    committed before it started (READ COMMITTED), so a row lock taken by one holds while the next reads and writes.
    Answered by the tuple of the statements' answers."""

    queries: tuple[Query, ...]


# A lane's database work, written once for both backends: a generator that yields its queries (or batches) and
# receives their answers, and returns its result. It never touches a connection itself.
Work = Generator[Query | Batch, Any, Result]


def named_columns(fields: tuple[str, ...], **columns: ColumnElement[Any] | QueryableAttribute[Any]) -> list[Label[Any]]:
    """The columns labelled as a row type's first `fields`, in their order: a lane statement's rows are then read by
    name as `RowType(*values)`, from psycopg's tuples and SQLAlchemy's rows alike."""
    if tuple(columns) != fields[: len(columns)]:
        raise TypeError(f"the fields {fields} are not read from {tuple(columns)}")
    return [column.label(name) for name, column in columns.items()]


class DriverStatement(NamedTuple):
    sql: bytes  # bytes, not text: psycopg would encode text on every execution and hash the new bytes for its caches
    defaults: dict[str, Any]


_driver_statements: dict[int, tuple[Executable, DriverStatement]] = {}


def driver_statement(statement: Executable) -> DriverStatement:
    """The statement compiled once for psycopg: SQL with %(name)s parameters and the compiled defaults."""
    known = _driver_statements.get(id(statement))
    if known is None or known[0] is not statement:
        if not isinstance(statement, ClauseElement):
            raise TypeError(f"{type(statement).__name__} is not a statement a lane can compile")
        compiled = statement.compile(dialect=postgresql.psycopg.dialect())
        known = _driver_statements[id(statement)] = (
            statement,
            DriverStatement(str(compiled).encode(), dict(compiled.params)),
        )
    return known[1]


async def connect_async() -> AsyncConnection:
    """An autocommit async connection to the service's PostgreSQL database (transactions are explicit blocks)."""
    url = make_url(get_settings().effective_database_url).set(drivername="postgresql")
    return await AsyncConnection.connect(url.render_as_string(hide_password=False), autocommit=True)


def run_on_connection(connection: Connection, work: Work[Result]) -> Result:
    """Drive the work on a SQLAlchemy connection (the caller holds the transaction)."""
    answer = None
    while True:
        try:
            step = work.send(answer)
        except StopIteration as done:
            return done.value
        if isinstance(step, Batch):
            answer = tuple(_executed(connection, query) for query in step.queries)
        else:
            answer = _executed(connection, step)


def _executed(connection: Connection, query: Query) -> Any:
    result = connection.execute(query.statement, query.params)
    if isinstance(query.params, list):
        return None
    return result.all() if query.fetch == "all" else result.scalar() if query.fetch == "scalar" else None


class DriverConnection:
    """A lane's psycopg connection and its cursors, kept with it (one per request cost as much as a fifth of a round
    trip): one per statement of the largest batch run on it."""

    __slots__ = ("connection", "cursors")

    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection
        self.cursors = [connection.cursor()]

    def cursors_for(self, queries: tuple[Query, ...]) -> list[AsyncCursor]:
        while len(self.cursors) < len(queries):
            self.cursors.append(self.connection.cursor())
        return self.cursors[: len(queries)]


async def run_on_driver(lane: DriverConnection, work: Work[Result]) -> Result:
    """Drive the work on a lane's psycopg connection."""
    answer = None
    while True:
        try:
            step = work.send(answer)
        except StopIteration as done:
            return done.value
        if isinstance(step, Batch):
            answer = await _run_batch(lane, step)
        else:
            await _execute(lane.cursors[0], step)
            answer = await _fetched(lane.cursors[0], step)


async def run_together_on_driver(lane: DriverConnection, work: Work[Result]) -> Result:
    """Drive the work in one transaction, pipelined: its statements are sent as it yields them, and the server is
    asked for answers only when the work needs them, so BEGIN travels with the first and COMMIT with the last."""
    answer = None
    async with lane.connection.pipeline(), lane.connection.transaction():
        while True:
            try:
                step = work.send(answer)
            except StopIteration as done:
                return done.value
            queries = step.queries if isinstance(step, Batch) else (step,)
            cursors = lane.cursors_for(queries)
            for cursor, query in zip(cursors, queries, strict=True):
                await _execute(cursor, query)
            answers = tuple([await _fetched(cursor, query) for cursor, query in zip(cursors, queries, strict=True)])
            answer = answers if isinstance(step, Batch) else answers[0]
    raise AssertionError("unreachable")


async def _execute(cursor: AsyncCursor, query: Query) -> None:
    statement = driver_statement(query.statement)
    if isinstance(query.params, list):
        await cursor.executemany(statement.sql, [statement.defaults | params for params in query.params])
    else:
        await cursor.execute(statement.sql, statement.defaults | query.params)


async def _run_batch(lane: DriverConnection, batch: Batch) -> tuple[Any, ...]:
    """The batch's statements pipelined: sent together and closed by one Sync, so PostgreSQL runs them as one
    transaction and answers in one round trip (each statement on its own cursor, which keeps its result)."""
    cursors = lane.cursors_for(batch.queries)
    async with lane.connection.pipeline():
        for cursor, query in zip(cursors, batch.queries, strict=True):
            await _execute(cursor, query)
    return tuple([await _fetched(cursor, query) for cursor, query in zip(cursors, batch.queries, strict=True)])


async def _fetched(cursor: AsyncCursor, query: Query) -> Any:
    """The answer to the statement the cursor's current result holds, as its query's `fetch` asks (nothing for a
    statement run once per item)."""
    if isinstance(query.params, list):
        return None
    if query.fetch == "all":
        return await cursor.fetchall()
    if query.fetch == "scalar":
        row = await cursor.fetchone()
        return row[0] if row else None
    return None


class LaneDatabase:
    """Runs lane work: on PostgreSQL from the event loop on a few async psycopg connections per worker, in
    autocommit; on SQLite in one transaction on one thread keeping its own SQLAlchemy connection. No pool checkout,
    ping, ORM session or (on PostgreSQL) thread hop per request. A broken connection is replaced and the work run
    once more on a new one: lane work is safe to repeat (an idempotency key, or nothing written)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.executor: ThreadPoolExecutor | None = None
        self.local = threading.local()
        self.pools: dict[int, _DriverPool] = {}

    async def run(self, work: Callable[..., Work[Result]], *args: Any) -> Result:
        """`work(*args)`: on PostgreSQL each statement or batch it yields commits on its own (no transaction block:
        what must hold together is a `Batch`); on SQLite one transaction holds all of it."""
        if get_settings().is_sqlite:
            return await asyncio.get_running_loop().run_in_executor(self._thread(), self._in_thread, work, args)
        return await self._pool().run(run_on_driver, work, args)

    async def run_together(self, work: Callable[..., Work[Result]], *args: Any) -> Result:
        """`work(*args)` in one transaction on both backends: a row it locks stays locked until its last write."""
        if get_settings().is_sqlite:
            return await self.run(work, *args)
        return await self._pool().run(run_together_on_driver, work, args)

    def _pool(self) -> "_DriverPool":
        loop = asyncio.get_running_loop()
        pool = self.pools.get(id(loop))
        if pool is None or pool.loop is not loop:
            pool = self.pools[id(loop)] = _DriverPool(loop, get_settings().lane_connections)
        return pool

    def _thread(self) -> ThreadPoolExecutor:
        if self.executor is None:
            self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"lane-{self.name}")
        return self.executor

    def _connection(self) -> Connection:
        connection: Connection | None = getattr(self.local, "connection", None)
        engine = get_engine()
        if connection is None or connection.closed or connection.invalidated or connection.engine is not engine:
            connection = self.local.connection = engine.connect()
        return connection

    def _in_thread(self, work: Callable[..., Work[Result]], args: tuple[Any, ...]) -> Result:
        for attempt in (1, 2):
            connection = self._connection()
            try:
                with connection.begin():
                    return run_on_connection(connection, work(*args))
            except DBAPIError as exc:
                if not exc.connection_invalidated or attempt == 2:
                    raise
        raise AssertionError("unreachable")


class _DriverPool:
    """Up to `size` autocommit psycopg connections of one event loop, each serving one request's work at a time
    (idle ones kept with their cursors)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, size: int) -> None:
        self.loop = loop
        self.slots = asyncio.Semaphore(size)
        self.idle: list[DriverConnection] = []

    async def run(
        self,
        drive: Callable[[DriverConnection, Work[Result]], Awaitable[Result]],
        work: Callable[..., Work[Result]],
        args: tuple[Any, ...],
    ) -> Result:
        async with self.slots:
            for attempt in (1, 2):
                lane = self.idle.pop() if self.idle else DriverConnection(await connect_async())
                try:
                    result = await drive(lane, work(*args))
                except psycopg.OperationalError:
                    # Broken (a restart breaks the idle ones too) or a deadlock: the work runs again on a new one.
                    for stale in [lane, *self.idle]:
                        await stale.connection.close()
                    self.idle.clear()
                    if attempt == 2:
                        raise
                    continue
                except BaseException:
                    self._give_back(lane)
                    raise
                self._give_back(lane)
                return result
        raise AssertionError("unreachable")

    def _give_back(self, lane: DriverConnection) -> None:
        connection = lane.connection
        if not connection.closed and connection.info.transaction_status == psycopg.pq.TransactionStatus.IDLE:
            self.idle.append(lane)


Item = TypeVar("Item")


class GroupCommit(Generic[Item, Result]):
    """Group commit: `write` takes every item submitted on one event loop while its previous call was running, and
    answers each its result (or the exception for that item's request alone).

    Under load many requests share one transaction; alone, a request waits for nobody. One call runs at a time per
    event loop, so the next batch grows while the database works on the current one. When `write` raises, every
    request of its batch gets the error.
    """

    def __init__(self, write: Callable[[list[Item]], Awaitable[list[Result | Exception]]], max_batch: int) -> None:
        self.write = write
        self.max_batch = max_batch
        self.groups: dict[int, _Group[Item, Result]] = {}

    async def submit(self, item: Item) -> Result:
        """The item's result once the batch holding it was written."""
        loop = asyncio.get_running_loop()
        group = self.groups.get(id(loop))
        if group is None or group.loop is not loop or group.task.done():
            group = self.groups[id(loop)] = _Group(loop, self.write, self.max_batch)
        return await group.submit(item)


class _Group(Generic[Item, Result]):
    """A group commit's queue and writing task on one event loop."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        write: Callable[[list[Item]], Awaitable[list[Result | Exception]]],
        max_batch: int,
    ) -> None:
        self.loop = loop
        self.write = write
        self.max_batch = max_batch
        self.queue: list[tuple[Item, asyncio.Future[Result]]] = []
        self.wakeup = asyncio.Event()
        self.task = loop.create_task(self._run())

    async def submit(self, item: Item) -> Result:
        future: asyncio.Future[Result] = self.loop.create_future()
        self.queue.append((item, future))
        self.wakeup.set()
        return await future

    async def _run(self) -> None:
        while True:
            await self.wakeup.wait()
            self.wakeup.clear()
            while self.queue:
                batch, self.queue = self.queue[: self.max_batch], self.queue[self.max_batch :]
                await self._write(batch)

    async def _write(self, batch: list[tuple[Item, asyncio.Future[Result]]]) -> None:
        results: list[Result | Exception]
        try:
            results = await self.write([item for item, _ in batch])
        except Exception as exc:
            results = [exc] * len(batch)
        for (_, future), result in zip(batch, results, strict=True):
            if future.done():
                continue  # its request went away
            if isinstance(result, Exception):
                future.set_exception(result)
            else:
                future.set_result(result)
