"""Storage running out under the embedded default is said aloud (service/storage.py), on a real small file system:
/api/ready answers 503 in Japanese, /metrics carries what DaichoStorageLow compares (the rule fires under promtool in
tests/ops/test_monitoring.py), the watchdog posts to #qrv-alerts; and once room is made, the service is ready again."""

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from service.database import session_scope, utcnow
from service.reservations.models import Notification
from service.reservations.monitoring import watchdog
from tests.support.small_disk import small_disk  # noqa: F401  (the fixture)


def storage_gauges(client) -> tuple[dict[str, float], float]:
    """Each volume's free bytes and the floor, as Prometheus scrapes them."""
    families = {family.name: family for family in text_string_to_metric_families(client.get("/metrics").text)}
    free = {sample.labels["volume"]: sample.value for sample in families["daicho_storage_free_bytes"].samples}
    [floor] = families["daicho_storage_min_free_bytes"].samples
    return free, floor.value


@pytest.mark.dialect
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
