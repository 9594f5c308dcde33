"""The lived-in database for tests: the small demo with HISTORY_DAYS of history (`demo load --history`,
service/demo/history/), loaded once per run and put back by `restore_history()` for each test that wants it: its
rows, and the files beside them (uploaded pictures, firmware, archives: the folders a backup carries), which tests in
between may have emptied. The copy of those files is removed with the process, however it ends
(tests/support/temporary.py)."""

import functools
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from service.backup.service import file_roots
from service.config import get_settings
from service.database import get_engine, session_scope
from service.demo.history import load_history
from service.models import metadata
from tests.support.database import Snapshot, restore_snapshot, take_snapshot
from tests.support.small_demo import load_small_demo
from tests.support.temporary import process_folder

HISTORY_DAYS = 30  # every list runs past its first page and every kind the history makes exists; no more
FILES_PREFIX = "daicho-history-files-"


@dataclass(frozen=True)
class History:
    rows: Snapshot
    files: Path  # a copy of each file root, by its name in a backup
    loaded_at: datetime  # the moment loading ended: no record of the history is later (its last heartbeats' time)


@functools.cache
def history_snapshot() -> History:
    """Load the history into the (freshly reset) database once and keep its rows and files."""
    from tests.conftest import pristine_copy_aside

    with session_scope() as db:
        load_small_demo(db)
    with pristine_copy_aside():  # the history's restore drill dumps and restores the whole database
        assert load_history(HISTORY_DAYS)
    files = process_folder(FILES_PREFIX)
    try:
        for name, root in file_roots(get_settings()).items():
            if root.exists():
                shutil.copytree(root, files / name)
        return History(take_snapshot(get_engine(), metadata), files, datetime.now(UTC))
    except BaseException:  # nothing is cached: the next call copies again
        shutil.rmtree(files, ignore_errors=True)
        raise


def restore_history() -> datetime:
    """The database holds the lived-in history again (loaded the first time it is asked for), its files too; returns
    the moment it was loaded at, for a test whose clock must stand where the history ends, however long ago that was."""
    if history_snapshot.cache_info().currsize == 0:
        return history_snapshot().loaded_at
    history = history_snapshot()
    restore_snapshot(get_engine(), metadata, history.rows, from_copy=False)
    for name, root in file_roots(get_settings()).items():
        shutil.rmtree(root, ignore_errors=True)
        if (history.files / name).exists():
            shutil.copytree(history.files / name, root)
    return history.loaded_at
