"""What §4.3's alerting rules read from /metrics (ops/prometheus/rules.yml; under promtool and a real Prometheus in
tests/ops/test_monitoring.py): the recent delivery attempts and the memory threshold setting."""

from service.config import get_settings


def test_metrics_report_the_recent_delivery_attempts(client, db):
    body = client.get("/metrics").text
    assert 'daicho_delivery_attempts_recent{result="failed"}' in body
    assert 'daicho_delivery_attempts_recent{result="all"}' in body


def test_metrics_report_the_memory_threshold_setting(client, monkeypatch):
    monkeypatch.setattr(get_settings(), "reservations_memory_alert_pct", 75.0)
    assert "daicho_memory_alert_threshold_ratio 0.75" in client.get("/metrics").text
