import math

from prometheus_client.core import GaugeMetricFamily

from service.backup.service import last_good_backup_age
from service.database import utcnow
from service.metrics import ScrapeTimeGauge


class BackupAgeCollector(ScrapeTimeGauge):
    """+Inf when there is none."""

    name = "daicho_backup_last_success_age_seconds"
    documentation = "Seconds since the newest complete backup in APP_BACKUP_DIR was made"

    def fill(self, gauge: GaugeMetricFamily) -> None:
        age = last_good_backup_age(utcnow())
        gauge.add_metric([], math.inf if age is None else age)
