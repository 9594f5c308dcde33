"""The outbox's scrape-time gauges: queue lengths and the delivery attempts in the error-rate window."""

import logging
from datetime import datetime, timedelta

from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from service.broker import queue_length
from service.config import get_settings
from service.database import session_scope, utcnow
from service.metrics import ScrapeTimeGauge
from service.outbox.models import OutboxAttempt, OutboxMessage
from service.task_queues import QUEUES

FAILED_OUTCOMES = ("transient_error", "permanent_error", "abandoned")


def delivery_attempts(db: Session, *, since: datetime, domain: str | None = None) -> tuple[int, int]:
    conditions = [OutboxAttempt.finished_at >= since]
    if domain is not None:
        conditions.append(OutboxMessage.domain == domain)
    failed, finished = db.execute(
        select(func.coalesce(func.sum(case((OutboxAttempt.outcome.in_(FAILED_OUTCOMES), 1), else_=0)), 0), func.count())
        .join(OutboxMessage, OutboxMessage.id == OutboxAttempt.message_id)
        .where(*conditions)
    ).one()
    return failed, finished


def recent_delivery_attempts(now: datetime) -> tuple[int, int]:
    since = now - timedelta(minutes=get_settings().reservations_error_rate_window_minutes)
    with session_scope() as db:
        return delivery_attempts(db, since=since)


class QueueLengthCollector(ScrapeTimeGauge):
    name, documentation, labels = "daicho_celery_queue_length", "Messages waiting in each Celery queue", ("queue",)

    def fill(self, gauge: GaugeMetricFamily) -> None:
        try:
            for queue in QUEUES:
                gauge.add_metric([queue], queue_length(queue))
        except Exception:  # an unreachable broker must not break /metrics
            logging.getLogger("daicho.metrics").warning("queue length unavailable", exc_info=True)


class DeliveryAttemptsCollector(ScrapeTimeGauge):
    """With the API's 5xx counters they make §4.3's error rate (ops/prometheus/rules.yml, QrvErrorRate)."""

    name = "daicho_delivery_attempts_recent"
    documentation = "Outbox delivery attempts finished in the last APP_RESERVATIONS_ERROR_RATE_WINDOW_MINUTES"
    labels = ("result",)

    def fill(self, gauge: GaugeMetricFamily) -> None:
        try:
            failed, finished = recent_delivery_attempts(utcnow())
        except Exception:  # an unreachable database must not break /metrics
            logging.getLogger("daicho.metrics").warning("delivery attempts unavailable", exc_info=True)
        else:
            gauge.add_metric(["failed"], failed)
            gauge.add_metric(["all"], finished)
