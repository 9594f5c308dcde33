"""What the backups add to the app: the last good backup's age on /metrics."""

from service.backup.metrics import BackupAgeCollector
from service.plugin import Plugin

PLUGIN = Plugin(collectors=(BackupAgeCollector(),))
