"""The lived-in history's copy of its files (tests/support/history.py) is gone once the test process that made it ended,
however it ended (tests/support/temporary.py): the run ended, a test failed, Ctrl-C; a process killed outright leaves
its folder to the next process making one, which removes it; a live run's folder is never taken, nor removed by a
child forked from it."""

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from service.config import REPO_ROOT
from tests.support.temporary import process_folder, sweep

pytestmark = pytest.mark.embedded_only  # processes and folders only: the same on either backend

# A test process: argv[1] "history" keeps the history's files (its loading stubbed out: what is under test is where
# its files are kept and for how long; its data folder holds a file to copy), else a folder of that prefix. It prints
# the folder, then ends as argv[2] says.
TEST_PROCESS = """
import contextlib, os, signal, sys, types
signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C, whatever the parent ignores
kind, ending = sys.argv[1:3]
if kind == "history":
    sys.modules["tests.conftest"] = types.SimpleNamespace(pristine_copy_aside=contextlib.nullcontext)
    from tests.support import history
    history.session_scope = contextlib.nullcontext
    history.load_small_demo = lambda db: None
    history.load_history = lambda days: True
    history.take_snapshot = lambda engine, metadata: None
    folder = history.history_snapshot().files
    assert (folder / "fleet" / "firmware.bin").read_bytes() == b"firmware"
else:
    from tests.support.temporary import process_folder
    folder = process_folder(kind)
print(folder, flush=True)
if ending == "fails":
    raise AssertionError("a test failed")
if ending == "forks":  # a child forked from the run (a picture decoder) ends running the run's exit handlers
    child = os.fork()
    if child == 0:
        sys.exit(0)
    os.waitpid(child, 0)
    print(folder.is_dir(), flush=True)
if ending == "waits":
    signal.pause()
"""


@contextmanager
def process_keeping(tmp_path: Path, kind: str, ending: str) -> Iterator[tuple[subprocess.Popen, Path]]:
    """The process and its folder."""
    data = tmp_path / "data"
    (data / "fleet").mkdir(parents=True)
    (data / "fleet" / "firmware.bin").write_bytes(b"firmware")
    process = subprocess.Popen(
        [sys.executable, "-c", TEST_PROCESS, kind, ending],
        cwd=REPO_ROOT,
        env={**os.environ, "APP_DATA_DIR": str(data), "PYTHONPATH": str(REPO_ROOT)},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        assert line, process.communicate()[1]
        yield process, Path(line)
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()


def a_prefix() -> str:
    """Folders of a test's own: its sweeps judge no one else's."""
    return f"daicho-folders-test-{uuid.uuid4().hex[:8]}-"


def test_the_history_files_are_gone_once_the_run_ended(tmp_path):
    with process_keeping(tmp_path, "history", "ends") as (process, files):
        assert process.wait() == 0
    assert files.name.startswith("daicho-history-files-") and not files.exists()


def test_the_history_files_are_gone_once_the_run_was_interrupted(tmp_path):
    with process_keeping(tmp_path, "history", "waits") as (process, files):
        assert (files / "fleet" / "firmware.bin").is_file()
        process.send_signal(signal.SIGINT)
        _, errors = process.communicate()
        assert process.returncode != 0 and "KeyboardInterrupt" in errors
    assert not files.exists()


def test_a_folder_is_gone_once_its_process_failed(tmp_path):
    with process_keeping(tmp_path, a_prefix(), "fails") as (process, folder):
        _, errors = process.communicate()
        assert process.returncode == 1 and "a test failed" in errors
    assert not folder.exists()


def test_a_child_forked_from_the_process_leaves_its_folder_to_it(tmp_path):
    with process_keeping(tmp_path, a_prefix(), "forks") as (process, folder):
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "True"  # the forked child has ended
        assert process.wait() == 0
    assert not folder.exists()


def test_a_killed_process_folder_is_removed_by_the_next_one_and_a_live_process_folder_is_kept(tmp_path):
    prefix = a_prefix()
    with process_keeping(tmp_path / "live", prefix, "waits") as (live, kept):
        with process_keeping(tmp_path / "killed", prefix, "waits") as (killed, left):
            killed.kill()  # SIGKILL: no exit handler runs
            assert killed.wait() == -signal.SIGKILL
            assert left.is_dir()
        mine = process_folder(prefix)  # sweeps first
        assert not left.exists()
        assert kept.is_dir()  # its process lives
        assert sweep(prefix) == []  # and this process's own folder is kept too
        assert mine.is_dir()
        live.send_signal(signal.SIGINT)
        live.communicate()
    assert not kept.exists()
