"""A real small file system for the service's data folder: a tmpfs of a few MiB mounted for one test (root only;
without the right to mount, the test is skipped saying so), with a file that fills it past the free-space floor."""

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from service.config import get_settings
from service.storage import MEBIBYTE

SIZE_MB, FLOOR_MB, FILL_MB = 8, 4, 6  # filled: about 2 MiB free, under the 4 MiB floor


@dataclass(frozen=True)
class SmallDisk:
    data_dir: Path

    def fill(self) -> None:
        (self.data_dir / "filler.bin").write_bytes(bytes(FILL_MB * MEBIBYTE))

    def make_room(self) -> None:
        (self.data_dir / "filler.bin").unlink()


@pytest.fixture
def small_disk(tmp_path: Path, monkeypatch) -> Iterator[SmallDisk]:
    """The service's data folder on its own 8 MiB file system, with a floor of 4 MiB free (APP_STORAGE_MIN_FREE_MB)."""
    mount = tmp_path / "small-disk"
    mount.mkdir()
    command = ["mount", "-t", "tmpfs", "-o", f"size={SIZE_MB}m", "tmpfs", str(mount)]
    mounted = subprocess.run(command, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if mounted.returncode != 0:
        pytest.skip(f"no small file system: mounting a tmpfs needs root ({mounted.stderr.strip()})")
    settings = get_settings()
    monkeypatch.setattr(settings, "data_dir", mount)
    monkeypatch.setattr(settings, "storage_min_free_mb", FLOOR_MB)
    try:
        yield SmallDisk(mount)
    finally:
        subprocess.run(["umount", str(mount)], check=True, stdin=subprocess.DEVNULL)
