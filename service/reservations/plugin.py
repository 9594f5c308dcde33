"""What QRV adds to the app: the MCP server at /mcp, its memory threshold on /metrics, the §4.3 watchdog thread
(not under tests)."""

from service.plugin import Plugin
from service.reservations import watchdog
from service.reservations.mcp_mount import mount_mcp
from service.reservations.metrics import MemoryThresholdCollector

PLUGIN = Plugin(collectors=(MemoryThresholdCollector(),), mount=mount_mcp, start=watchdog.start)
