"""Free space in the data folder and, on the embedded default, the SQLite database's folder.

Below APP_STORAGE_MIN_FREE_MB work stalls without a word (SQLite refuses writes, a job cannot write its file, the
embedded broker cannot queue), so it is said aloud: `/api/ready` answers 503 with 「保存領域がいっぱいです」, `/metrics`
carries the free bytes (Prometheus's DaichoStorageLow), and the QRV watchdog posts to #qrv-alerts."""

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from prometheus_client.core import GaugeMetricFamily
from sqlalchemy.engine import make_url

from service.config import Settings, get_settings
from service.metrics import ScrapeTimeGauge
from service.plugin import Plugin

MEBIBYTE = 1024 * 1024
STORAGE_FULL = (
    "保存領域がいっぱいです（{volumes}の空きが{mb:,} MBを下回っています）。"
    "不要なファイルを削除するか、ディスクを増設してください"
)
VOLUME_WORDS = {"data_dir": "データフォルダ", "database": "データベース"}


@dataclass(frozen=True)
class Volume:
    name: str
    free_bytes: int


def _nearest_existing(path: Path) -> Path:
    """A data folder not made so far."""
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _folders(settings: Settings) -> Iterator[tuple[str, Path]]:
    yield "data_dir", settings.data_dir
    database = make_url(settings.effective_database_url).database if settings.is_sqlite else None
    if database:
        yield "database", Path(database).resolve().parent


def volumes() -> list[Volume]:
    return [Volume(name, shutil.disk_usage(_nearest_existing(path)).free) for name, path in _folders(get_settings())]


def min_free_bytes() -> int:
    return get_settings().storage_min_free_mb * MEBIBYTE


def low_volumes() -> list[Volume]:
    floor = min_free_bytes()
    return [volume for volume in volumes() if volume.free_bytes < floor]


def full_message(low: list[Volume]) -> str:
    """「保存領域がいっぱいです（データフォルダの空きが1,024 MBを下回っています）。…」"""
    names = "・".join(VOLUME_WORDS[volume.name] for volume in low)
    return STORAGE_FULL.format(volumes=names, mb=get_settings().storage_min_free_mb)


class FreeSpaceCollector(ScrapeTimeGauge):
    """ops/prometheus/rules.yml's DaichoStorageLow compares them to the threshold."""

    name = "daicho_storage_free_bytes"
    documentation = "Free bytes of the file system of each folder the service writes to (data_dir, the SQLite database)"
    labels = ("volume",)

    def fill(self, gauge: GaugeMetricFamily) -> None:
        for volume in volumes():
            gauge.add_metric([volume.name], volume.free_bytes)


class FreeSpaceFloorCollector(ScrapeTimeGauge):
    """APP_STORAGE_MIN_FREE_MB in bytes."""

    name = "daicho_storage_min_free_bytes"
    documentation = "APP_STORAGE_MIN_FREE_MB in bytes: less free space than this on a volume is storage running out"

    def fill(self, gauge: GaugeMetricFamily) -> None:
        gauge.add_metric([], min_free_bytes())


PLUGIN = Plugin(collectors=(FreeSpaceCollector(), FreeSpaceFloorCollector()))
