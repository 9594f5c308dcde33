"""Temporary folders that live as long as the test process that made them, however it ends.

`process_folder(prefix)` is removed as the process exits (atexit: the run ended, a test failed, Ctrl-C, SystemExit),
by that process only: a child forked from it (a picture decoder, a worker) leaves it alone when the child exits. A
process killed outright (SIGKILL, or SIGTERM, whose default action runs no exit handler) cannot remove it: the next
process making a folder of that prefix does. A folder's owner holds a lock on its OWNER file as long as it lives (the
kernel lets go of it when the process ends, however it ends), so a folder whose lock is free is a dead run's and one
still locked, a live run's (in whatever pid namespace it runs) is left alone."""

import atexit
import fcntl
import os
import shutil
import tempfile
from pathlib import Path

OWNER = ".owner"  # locked by the owning process for as long as it lives
MAKING = ".making-"  # a folder not yet owned is named so that no sweep matches it


def process_folder(prefix: str) -> Path:
    """A new folder named `prefix…` in the temporary directory, removed when this process exits."""
    sweep(prefix)
    making = Path(tempfile.mkdtemp(prefix=f"{MAKING}{prefix}"))
    lock = os.open(making / OWNER, os.O_CREAT | os.O_RDWR | os.O_CLOEXEC, 0o600)
    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    folder = making.with_name(making.name.removeprefix(MAKING))
    making.rename(folder)
    atexit.register(_remove, folder, lock, os.getpid())
    return folder


def sweep(prefix: str) -> list[Path]:
    """Remove the folders of `prefix` whose owner has ended; the ones removed."""
    removed = []
    for folder in Path(tempfile.gettempdir()).glob(f"{prefix}*"):
        try:
            lock = os.open(folder / OWNER, os.O_RDWR | os.O_CLOEXEC)
        except OSError:  # not a folder, one made before owners were marked, or another user's: not ours to judge
            continue
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:  # its process lives
            continue
        else:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
        finally:
            os.close(lock)
    return removed


def _remove(folder: Path, lock: int, owner: int) -> None:
    if os.getpid() != owner:  # a forked child inherits the exit handlers, not the folder
        return
    shutil.rmtree(folder, ignore_errors=True)
    os.close(lock)
