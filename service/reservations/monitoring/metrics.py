"""QRV's scrape-time gauge on /metrics: the memory threshold of §4.1.1's host-memory alert."""

from prometheus_client.core import GaugeMetricFamily

from service.config import get_settings
from service.metrics import ScrapeTimeGauge


class MemoryThresholdCollector(ScrapeTimeGauge):
    """The configured memory threshold, which ops/prometheus/rules.yml's QrvHostMemoryHigh compares host memory to."""

    name = "daicho_memory_alert_threshold_ratio"
    documentation = "APP_RESERVATIONS_MEMORY_ALERT_PCT as a ratio (0.8 for 80%)"

    def fill(self, gauge: GaugeMetricFamily) -> None:
        gauge.add_metric([], get_settings().reservations_memory_alert_pct / 100)
