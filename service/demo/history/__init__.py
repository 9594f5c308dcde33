"""`demo load --history DAYS`: the demo as people have used it, so every list, filter, page and export has something in
it and every kind of audit entry exists.

After the demo is committed, its people work through the service's own API, in process (the routes, checks and audit
entries are the real ones). Dated volume the API cannot backdate is inserted in bulk, `days` back from now. Seeded (the
same DAYS gives the same history) and idempotent: the history's own clerk account marks it as loaded."""

import logging
import random
from collections.abc import Iterator
from contextlib import contextmanager

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from service.database import session_scope
from service.demo.framework import ProgressSink, SilentSink
from service.demo.history.crm import crm_history
from service.demo.history.entry_logs import entry_logs_history
from service.demo.history.fleet import fleet_history
from service.demo.history.loaners import loaners_history
from service.demo.history.office import CLERK, SEED, Chapter, Office
from service.demo.history.platform import closing_history, platform_history
from service.demo.history.reservations import reservations_history
from service.identity import service as identity

REQUEST_LOGGERS = ("daicho.access", "httpx", "httpx2")


def history_loaded(db: Session) -> bool:
    return identity.find_user_by_login(db, CLERK) is not None


def load_history(days: int, *, sink: ProgressSink | None = None) -> bool:
    """False when it was there already (nothing added)."""
    with session_scope() as db:
        if history_loaded(db):
            return False
    from service.main import create_app

    chapters: list[tuple[str, Chapter]] = [
        ("利用者", platform_history),
        ("端末管理", fleet_history),
        ("予約", reservations_history),
        ("代替機", loaners_history),
        ("代理店CRM", crm_history),
        ("入退管理", entry_logs_history),
        ("後片付け", closing_history),
    ]
    bars = sink or SilentSink()
    office = Office(TestClient(create_app()), days, random.Random(SEED + days))
    with _quiet(REQUEST_LOGGERS):
        for label, chapter in chapters:
            bars.start(f"履歴 {label}", 1)  # a bar per chapter, as the demo has one per hook
            chapter(office)
            bars.advance(1)
    return True


@contextmanager
def _quiet(names: tuple[str, ...]) -> Iterator[None]:
    """Warnings still show."""
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
