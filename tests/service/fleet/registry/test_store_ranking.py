"""店舗別 (issue 89): the stores ranked by terminals offline, then alerting, then open alerts, with their customer and
their open alerts by kind; the same rows in the CSV; a scoped caller sees their customer's stores only."""

import pytest
from sqlalchemy import update

from service.config import get_settings
from service.fleet.alerting.alerts import NewAlert, open_alerts
from service.fleet.models import Terminal
from tests.service.fleet.conftest import ago, make_customer, make_terminal, user_headers
from tests.support.downloads import csv_download


def store(db, customer, name: str, *, count: int, offline: int = 0, alerts: tuple[str, ...] = ()) -> list[Terminal]:
    """`count` tills, the first `offline` of them silent, the alerts opened on the tills in turn."""
    serial = f"TC-{customer.id}-{name}-{{}}"
    tills = [
        make_terminal(db, customer, serial.format(i), enrolled=False, store_name=f"{name} レジ{i + 1}番")[0]
        for i in range(count)
    ]
    online = [t.id for t in tills[offline:]]
    db.execute(update(Terminal).where(Terminal.id.in_(online)).values(status="online"))
    raised = [NewAlert(tills[i % count].id, customer.id, kind, kind) for i, kind in enumerate(alerts)]
    open_alerts(db, raised, now=ago(minutes=5))
    return tills


def a_morning(db):
    """Four stores of two customers, none ranked by their name or their customer's."""
    east, west = make_customer(db, "東和モータース"), make_customer(db, "あおば商事")
    store(db, east, "上野店", count=4)
    store(db, east, "品川店", count=3, offline=1, alerts=("offline", "error"))
    store(db, west, "梅田店", count=5, offline=3, alerts=("offline", "offline", "offline"))
    store(db, west, "難波店", count=2, alerts=("high_cpu", "error"))
    return east, west


@pytest.mark.dialect
def test_the_worst_store_comes_first_with_its_customer_and_its_open_alerts(client, db, monkeypatch):
    a_morning(db)
    headers = user_headers(db, role="support")
    db.commit()

    page = client.get("/api/fleet/stores", headers=headers).json()

    assert page["total"] == 4
    assert [(s["store"], s["company_name"], s["offline"], s["alerting"], s["open_alerts"]) for s in page["items"]] == [
        ("梅田店", "あおば商事", 3, 3, 3),
        ("品川店", "東和モータース", 1, 2, 2),
        ("難波店", "あおば商事", 0, 2, 2),
        ("上野店", "東和モータース", 0, 0, 0),
    ]
    assert [s["alert_summary"] for s in page["items"]] == [
        "オフライン 3件",
        "オフライン 1件・エラー 1件",
        "エラー 1件・店舗PC CPU使用率高 1件",
        "",
    ]
    troubled = client.get("/api/fleet/stores", params={"troubled_only": True}, headers=headers).json()
    assert [s["store"] for s in troubled["items"]] == ["梅田店", "品川店", "難波店"]
    # the next page goes on where the first stopped (the order is total)
    second = client.get("/api/fleet/stores", params={"page": 2, "page_size": 2}, headers=headers).json()
    assert [s["store"] for s in second["items"]] == ["難波店", "上野店"]
    monkeypatch.setattr(get_settings(), "export_batch", 1)  # the CSV reads on after each store, in the list's order
    header, *rows = csv_download(client.get("/api/fleet/stores/export", headers=headers))
    assert header[:3] == ["顧客企業", "店舗", "端末数"] and "未解決アラートの内訳" in header
    assert [row[1] for row in rows] == ["梅田店", "品川店", "難波店", "上野店"]
    assert rows[1][header.index("未解決アラートの内訳")] == "オフライン 1件・エラー 1件"


@pytest.mark.dialect
def test_a_scoped_caller_ranks_their_customer_s_stores_and_another_customer_is_a_404(client, db):
    east, west = a_morning(db)
    headers = user_headers(db, role="support", scope=str(east.id))
    db.commit()

    page = client.get("/api/fleet/stores", headers=headers).json()
    other = client.get("/api/fleet/stores", params={"customer_id": west.id}, headers=headers)
    searched = client.get("/api/fleet/stores", params={"q": "品川"}, headers=headers).json()

    assert [s["store"] for s in page["items"]] == ["品川店", "上野店"]
    assert other.status_code == 404
    assert [s["store"] for s in searched["items"]] == ["品川店"]
    _, *rows = csv_download(client.get("/api/fleet/stores/export", headers=headers))
    assert [row[1] for row in rows] == ["品川店", "上野店"]
