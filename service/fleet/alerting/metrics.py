"""The fleet's scrape-time gauges on /metrics: seconds since the last heartbeat, and whether the intake is stalled.

ops/prometheus/fleet_rules.yml alerts on them (FleetIngestStalled); the stall email and the dashboards' banner come
from the same `monitoring.ingest_status`.
"""

import logging
from collections.abc import Sequence

from prometheus_client.core import GaugeMetricFamily, Metric

from service.database import session_scope, utcnow
from service.fleet.alerting.monitoring import ingest_status


class IngestCollector:
    """No silence sample before the first heartbeat ever (a fleet without terminals is not silent)."""

    def describe(self) -> Sequence[Metric]:
        """The families without reading the database (registration would otherwise collect once)."""
        return self._families()

    def collect(self) -> Sequence[Metric]:
        silence, stalled = self._families()
        try:
            with session_scope() as db:
                status = ingest_status(db, now=utcnow())
        except Exception:  # an unreachable database must not break /metrics
            logging.getLogger("daicho.metrics").warning("fleet ingest status unavailable", exc_info=True)
        else:
            if status.silence_seconds is not None:
                silence.add_metric([], status.silence_seconds)
            stalled.add_metric([], 1.0 if status.stalled else 0.0)
        return [silence, stalled]

    @staticmethod
    def _families() -> list[GaugeMetricFamily]:
        return [
            GaugeMetricFamily(
                "daicho_fleet_heartbeat_silence_seconds",
                "Seconds since the last heartbeat of any fleet terminal (to the ingest mark's few seconds)",
            ),
            GaugeMetricFamily(
                "daicho_fleet_ingest_stalled",
                "1 while no heartbeat arrives for longer than the ingest gap window (offline detection paused)",
            ),
        ]
