"""What the outbox adds to the app: its gauges on /metrics."""

from service.outbox.metrics import DeliveryAttemptsCollector, QueueLengthCollector
from service.plugin import Plugin

PLUGIN = Plugin(collectors=(QueueLengthCollector(), DeliveryAttemptsCollector()))
