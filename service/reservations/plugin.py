"""What QRV adds to the app: the MCP server at /mcp, its memory threshold on /metrics, the §4.3 watchdog thread
(not under tests)."""

from service.plugin import Plugin
from service.reservations.booking.mcp_mount import mount_mcp
from service.reservations.monitoring import watchdog
from service.reservations.monitoring.metrics import MemoryThresholdCollector

PLUGIN = Plugin(collectors=(MemoryThresholdCollector(),), mount=mount_mcp, start=watchdog.start)
