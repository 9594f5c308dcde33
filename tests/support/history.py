"""The lived-in database for tests: the small demo with HISTORY_DAYS of history (`demo load --history`,
service/demo/history.py), loaded once per run and put back by `restore_history()` for each test that wants it."""

import functools

from service.database import get_engine, session_scope
from service.demo.history import load_history
from service.models import metadata
from tests.support.database import Snapshot, restore_snapshot, take_snapshot
from tests.support.small_demo import load_small_demo

HISTORY_DAYS = 30  # every list runs past its first page and every kind the history makes exists; no more


@functools.cache
def history_snapshot() -> Snapshot:
    """Load the history into the (freshly reset) database once and keep its rows."""
    from tests.conftest import pristine_copy_aside

    with session_scope() as db:
        load_small_demo(db)
    with pristine_copy_aside():  # the history's restore drill dumps and restores the whole database
        assert load_history(HISTORY_DAYS)
    return take_snapshot(get_engine(), metadata)


def restore_history() -> None:
    """The database holds the lived-in history again (loaded the first time it is asked for)."""
    if history_snapshot.cache_info().currsize == 0:
        history_snapshot()
        return
    restore_snapshot(get_engine(), metadata, history_snapshot(), from_copy=False)
