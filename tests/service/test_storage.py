"""Storage running out under the embedded default is said aloud (service/storage.py), on a real small file system:
/api/ready answers 503 in Japanese, /metrics carries what DaichoStorageLow compares (and promtool fires it on what was
scraped), the watchdog posts to #qrv-alerts; and once room is made, the service is ready again."""

import json

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from service.database import session_scope, utcnow
from service.reservations import watchdog
from service.reservations.models import Notification
from tests.service.reservations.test_alert_rules import RULES, needs_promtool, promtool
from tests.support.small_disk import small_disk  # noqa: F401  (the fixture)


def storage_gauges(client) -> tuple[dict[str, float], float]:
    """Each volume's free bytes and the floor, as Prometheus scrapes them."""
    families = {family.name: family for family in text_string_to_metric_families(client.get("/metrics").text)}
    free = {sample.labels["volume"]: sample.value for sample in families["daicho_storage_free_bytes"].samples}
    [floor] = families["daicho_storage_min_free_bytes"].samples
    return free, floor.value


def test_a_full_data_folder_is_reported_until_room_is_made(client, db, small_disk, backend):
    assert client.get("/api/ready").json()["checks"]["storage"] is True
    small_disk.fill()

    answer = client.get("/api/ready")
    free, floor = storage_gauges(client)
    posted = watchdog.run_once(now=utcnow(), workers=None)
    small_disk.make_room()
    again = client.get("/api/ready")

    assert answer.status_code == 503
    error = answer.json()["error"]
    assert error["code"] == "not_ready" and error["details"] == {"database": True, "broker": True, "storage": False}
    assert error["message"].startswith("保存領域がいっぱいです（データフォルダの空きが4 MBを下回っています）")
    assert free["data_dir"] < floor == 4 * 1024 * 1024
    assert set(free) == ({"data_dir", "database"} if backend == "sqlite" else {"data_dir"})
    assert backend == "postgres" or free["database"] > floor  # the run's SQLite file lies on the machine's disk
    assert posted == ["storage_low"]
    with session_scope() as session:
        assert session.scalars(select(Notification.message)).all() == [error["message"]]
    assert again.status_code == 200 and again.json()["checks"] == {"database": True, "broker": True, "storage": True}


def humanize1024(value: float) -> str:
    """Prometheus's template function: the value in powers of 1024 with Go's %.4g (2093056 -> 1.996Mi)."""
    for prefix in ("", "ki", "Mi", "Gi", "Ti"):
        if value < 1024:
            return f"{value:.4g}{prefix}"
        value /= 1024
    return f"{value:.4g}Pi"


@needs_promtool
def test_daicho_storage_low_fires_on_what_the_full_service_reports(client, db, small_disk, tmp_path):
    """ops/prometheus/rules.yml's DaichoStorageLow under promtool, fed the series scraped from the service while its
    data folder is full: it fires for that volume alone, saying how much is left."""
    small_disk.fill()
    free, floor = storage_gauges(client)
    labels = 'job="daicho-api",instance="api:8000"'
    series = [{"series": f"daicho_storage_min_free_bytes{{{labels}}}", "values": f"{floor:.0f}x5"}] + [
        {"series": f'daicho_storage_free_bytes{{{labels},volume="{name}"}}', "values": f"{value:.0f}x5"}
        for name, value in free.items()
    ]
    description = f"api:8000 の保存領域（data_dir）の空きが {humanize1024(free['data_dir'])}B です。"
    fired = {
        "exp_labels": {"severity": "critical", "job": "daicho-api", "instance": "api:8000", "volume": "data_dir"},
        "exp_annotations": {
            "summary": "保存領域がいっぱいです",
            "description": description + "不要なファイルを削除するか、ディスクを増設してください。",
        },
    }
    case = {
        "rule_files": [str(RULES / "rules.yml")],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": series,
                "alert_rule_test": [{"eval_time": "3m", "alertname": "DaichoStorageLow", "exp_alerts": [fired]}],
            }
        ],
    }
    cases = tmp_path / "storage_rules_test.yml"
    cases.write_text(json.dumps(case, ensure_ascii=False))  # JSON is YAML
    tested = promtool("test", "rules", str(cases))
    assert tested.returncode == 0, tested.stdout + tested.stderr
