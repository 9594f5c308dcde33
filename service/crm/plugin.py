"""What CRM adds to the app: the bill images waiting for their read on /metrics (ops/prometheus/crm_rules.yml)."""

from service.crm.ocr.metrics import ReadingBacklogCollector
from service.plugin import Plugin

PLUGIN = Plugin(collectors=(ReadingBacklogCollector(),))
