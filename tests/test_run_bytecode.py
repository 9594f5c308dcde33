"""`make test`'s bytecode cache (tools/test.py): the run compiles our sources once into a folder of its own, and the
processes it starts, where PYTHONDONTWRITEBYTECODE was set, read and write their bytecode there, never beside the
sources."""

import subprocess
import sys
from pathlib import Path

import pytest

from service.config import REPO_ROOT
from tools import test as make_test


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, dict[str, str]]:
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    folder = tmp_path / "bytecode"
    return folder, make_test.bytecode_cache(str(folder))


def test_the_run_compiles_every_package_into_its_own_folder(cache: tuple[Path, dict[str, str]]) -> None:
    folder, env = cache
    assert "PYTHONDONTWRITEBYTECODE" not in env
    assert env["PYTHONPYCACHEPREFIX"] == str(folder)
    for package in ("service", "dashboards", "jobs", "agent", "scanner_station", "clientkit", "tools", "tests"):
        compiled = folder / REPO_ROOT.relative_to("/") / package  # the sources' tree under the folder
        assert list(compiled.glob("__init__.cpython-*.pyc")), f"{package} was not compiled into the run's folder"


def test_a_process_of_the_run_writes_what_it_compiles_into_the_folder(
    cache: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    folder, env = cache
    script = tmp_path / "scripts" / "helper.py"
    script.parent.mkdir()
    script.write_text("VALUE = 1\n")
    imported = [sys.executable, "-c", "import helper"]
    subprocess.run(imported, cwd=script.parent, env=env | {"PYTHONPATH": str(script.parent)}, check=True)
    assert list((folder / script.parent.relative_to("/")).glob("helper.cpython-*.pyc"))
    assert not (script.parent / "__pycache__").exists()
