"""Every package's plugin is installed by create_app: its gauges on /metrics once per process, however many apps."""

from service.main import create_app

PACKAGE_GAUGES = (
    "daicho_celery_queue_length",  # outbox
    "daicho_delivery_attempts_recent",  # outbox
    "daicho_backup_last_success_age_seconds",  # backup
    "daicho_fleet_ingest_stalled",  # fleet
    "daicho_memory_alert_threshold_ratio",  # reservations
    "daicho_ocr_images_waiting",  # crm
    "daicho_storage_free_bytes",  # storage
    "daicho_storage_min_free_bytes",  # storage
)


def test_a_second_app_leaves_each_package_gauge_on_metrics_once(client):
    second = create_app()
    assert "/mcp" in {getattr(route, "path", None) for route in second.router.routes}
    body = client.get("/metrics").text
    for name in PACKAGE_GAUGES:
        assert body.count(f"# TYPE {name} gauge") == 1, name
