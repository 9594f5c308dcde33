"""A client (agent/, scanner_station/) built as its wheel and installed into a fresh venv, away from the repository."""

import os
import subprocess
import sys
import venv
from pathlib import Path

from service.config import REPO_ROOT

TIMEOUT_SECONDS = 600


def run(argv: list, cwd: Path, **kwargs) -> subprocess.CompletedProcess:
    """Run outside the repository, with no PYTHONPATH: only what the venv holds can be imported."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | kwargs.pop("env", {})
    done = subprocess.run(
        [str(a) for a in argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, **kwargs
    )
    return done


def install_client(directory: str, where: Path) -> Path:
    """Build `directory`'s wheel, install it with its dependencies into a new venv under `where`; its bin folder."""
    wheels, home = where / "wheels", where / "venv"
    built = run([sys.executable, "-m", "pip", "wheel", "--no-deps", REPO_ROOT / directory, "-w", wheels], where)
    assert built.returncode == 0, built.stderr
    venv.create(home, with_pip=True)
    bin_dir = home / ("Scripts" if os.name == "nt" else "bin")
    (wheel,) = wheels.glob("*.whl")
    # no bytecode compiled ahead (it changes nothing the test checks and costs ~2 s), no check for a newer pip
    quick = ["--no-compile", "--disable-pip-version-check"]
    installed = run([bin_dir / "python", "-m", "pip", "install", *quick, wheel], where)
    assert installed.returncode == 0, installed.stderr
    return bin_dir
