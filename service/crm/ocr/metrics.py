"""CRM's scrape-time gauge on /metrics: the bill images waiting for their read. They wait as rows in their turns
(turns.py), not as messages, so `daicho_celery_queue_length` does not count them. ops/prometheus/crm_rules.yml alerts
when they wait with no read started (CrmOcrReadingStalled, beside the bulk worker's count of `crm.read_image`)."""

import logging

from prometheus_client.core import GaugeMetricFamily

from service.crm.ocr import turns
from service.database import session_scope
from service.metrics import ScrapeTimeGauge


class ReadingBacklogCollector(ScrapeTimeGauge):
    name = "daicho_ocr_images_waiting"
    documentation = "Statement images waiting for their OCR read or being read, every agency's"

    def fill(self, gauge: GaugeMetricFamily) -> None:
        try:
            with session_scope() as db:
                waiting = turns.waiting(db)
        except Exception:  # an unreachable database must not break /metrics
            logging.getLogger("daicho.metrics").warning("OCR backlog unavailable", exc_info=True)
        else:
            gauge.add_metric([], waiting)
