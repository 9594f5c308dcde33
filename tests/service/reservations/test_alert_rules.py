"""§4.3 as Prometheus alerting rules: ops/prometheus/rules.yml is valid and its unit tests pass under promtool."""

import shutil
import subprocess
from pathlib import Path

import pytest

from service.config import get_settings

RULES = Path(__file__).resolve().parents[3] / "ops" / "prometheus"
PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(
    PROMTOOL is None, reason="promtool is missing (Debian's prometheus package; make test installs it as root)"
)


def promtool(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([PROMTOOL, *args], cwd=RULES, capture_output=True, text=True, stdin=subprocess.DEVNULL)


@needs_promtool
def test_the_rules_and_the_scrape_config_pass_promtool_check():
    checked = promtool("check", "config", "prometheus.yml")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS: 7 rules found" in checked.stdout  # six of §4.1.1/§4.3 and the platform's stale backup


@needs_promtool
def test_the_rules_fire_for_api_5xx_failed_deliveries_down_cpu_memory_queue_and_a_stale_backup():
    tested = promtool("test", "rules", "rules_test.yml")
    assert tested.returncode == 0, tested.stdout + tested.stderr


def test_metrics_report_the_recent_delivery_attempts(client, db):
    body = client.get("/metrics").text
    assert 'daicho_delivery_attempts_recent{result="failed"}' in body
    assert 'daicho_delivery_attempts_recent{result="all"}' in body


def test_metrics_report_the_memory_threshold_setting(client, monkeypatch):
    monkeypatch.setattr(get_settings(), "reservations_memory_alert_pct", 75.0)
    assert "daicho_memory_alert_threshold_ratio 0.75" in client.get("/metrics").text
