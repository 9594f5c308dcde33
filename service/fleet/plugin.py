"""What the fleet adds to the app: seconds since the last heartbeat and the intake stall on /metrics
(ops/prometheus/fleet_rules.yml)."""

from service.fleet.alerting.metrics import IngestCollector
from service.plugin import Plugin

PLUGIN = Plugin(collectors=(IngestCollector(),))
