"""FleetIngestStalled (ops/prometheus/fleet_rules.yml) fires on the app's stall gauge, with the silence (promtool)."""

from tests.service.reservations.test_alert_rules import needs_promtool, promtool


@needs_promtool
def test_the_fleet_rules_load_and_fire_on_a_stall_only():
    checked = promtool("check", "config", "prometheus.yml")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "fleet_rules.yml" in checked.stdout and "SUCCESS: 1 rules found" in checked.stdout
    tested = promtool("test", "rules", "fleet_rules_test.yml")
    assert tested.returncode == 0, tested.stdout + tested.stderr
