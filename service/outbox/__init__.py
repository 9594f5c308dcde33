"""The notification outbox: every outgoing email, SMS, Slack post, voice call and payment link.

A domain enqueues a message in the transaction of the change that causes it (`service.enqueue`); a worker sends it after
the commit. Hooks (`delivery.on_sent` / `on_failed`, `inbound.register_inbound_handler`) run in the transaction that
records the outcome or the event, and their modules must be imported by both the API and the worker."""
