"""The dialect guard: which tests reach dialect-specific SQL, and which of those `make test` runs on SQLite only.

`make test` runs on PostgreSQL only the tests that reach what differs between the backends; `make check` runs every
test on PostgreSQL with this guard watching each statement a test's body sends. A statement is dialect-specific when it
carries what `service/dialect.py` writes differently per backend (its PostgreSQL functions, upserts, data-modifying
CTEs, array parameters) or a row lock (`with_for_update`, which SQLite ignores). A test that sent one and is not in the
fast PostgreSQL set fails the run, named, with the marker that fixes it.

Only the test's call phase counts: fixtures' set-up and the per-test reset are the harness, the same for every test.
"""

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

# What a dialect-specific statement carries on PostgreSQL: each alternative is written by service/dialect.py's
# PostgreSQL class or by a row lock; a new PostgreSQL-only construct there adds its words here.
DIALECT_SQL = re.compile(
    r"""\bFOR\s+(?:NO\s+KEY\s+)?UPDATE\b | \bFOR\s+(?:KEY\s+)?SHARE\b   # row locks (and SKIP LOCKED with them)
    | \bpg_\w+\s*\(                                                  # pg_notify, advisory locks
    | \bON\s+CONFLICT\b                                              # upserts (dialect.insert)
    | \bAS\s+\(\s*(?:INSERT|UPDATE|DELETE)\b                         # data-modifying CTEs
    | =\s*ANY\s*\( | \bunnest\s*\( | \bjson_to_recordset\s*\(         # array and JSON parameters
    | \b(?:timezone|to_char|extract|date_trunc|date_part|width_bucket|percentile_disc|json_build_object)\s*\(
    """,
    re.IGNORECASE | re.VERBOSE,
)
MARKER = "dialect"


def is_dialect_specific(statement: str) -> bool:
    return DIALECT_SQL.search(statement) is not None


class DialectGuard:
    """A pytest plugin: notes each test whose body sent a dialect-specific statement; at the end, names those the fast
    PostgreSQL set leaves out (left_out says whether it leaves a test item out)."""

    def __init__(self, left_out: Callable[[pytest.Item], bool], report: Path | None) -> None:
        self.left_out = left_out
        self.report = report
        self.watching: str | None = None  # the node id of the test whose body is running
        self.reached: set[str] = set()
        self.misplaced: list[str] = []
        event.listen(Engine, "before_cursor_execute", self._statement)

    def _statement(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if self.watching is not None and self.watching not in self.reached and is_dialect_specific(statement):
            self.reached.add(self.watching)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item: pytest.Item):
        self.watching = item.nodeid
        try:
            yield
        finally:
            self.watching = None
        if item.nodeid in self.reached and self.left_out(item):
            self.misplaced.append(item.nodeid)

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        event.remove(Engine, "before_cursor_execute", self._statement)
        if self.report is not None:
            self.report.write_text("".join(f"{test}\n" for test in self.misplaced), encoding="utf-8")
        if self.misplaced and session.exitstatus == 0:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        terminalreporter.section("dialect guard")
        for line in summary_lines(self.misplaced, len(self.reached)):
            terminalreporter.write_line(line)


def summary_lines(misplaced: list[str], reached: int) -> list[str]:
    if not misplaced:
        return [f"dialect guard: OK ({reached} tests reach dialect-specific SQL, none on SQLite only in `make test`)"]
    return [
        f"dialect guard: FAILED: {len(misplaced)} tests reach dialect-specific SQL but `make test` runs them on SQLite "
        f"only; mark each `@pytest.mark.{MARKER}`:",
        *(f"  {test}" for test in misplaced),
    ]
