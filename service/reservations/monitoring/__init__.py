"""Monitoring (§4.1, §4.3): the checks posted to #qrv-alerts, the watchdog thread, the memory gauge on /metrics."""
