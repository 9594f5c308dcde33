"""代理店別数値 (§3.6): requests, by status, acquired sites and 不備率 per agency, by month or day; the dashboard."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from service.crm.metrics import service as metrics
from service.crm.periods import local_today
from service.database import utcnow
from service.tenancy import TenantScope
from tests.service.crm.conftest import add_site, made, set_status, submit

pytestmark = pytest.mark.dialect


def file_requests(client, world):
    """Agency A: 4 requests (1 不備, 1 投入済 with 2 sites, 1 キャンセル, 1 対応中); agency B: 1 request 対応中."""
    ids = [made(submit(client, world.sales_a, files=[]))["request"]["id"] for _ in range(4)]
    set_status(client, world, add_site(client, world, ids[0]), "deficient", reason="画像不鮮明")
    for _ in range(2):
        set_status(client, world, add_site(client, world, ids[1]), "submitted")
    version = made(client.get(f"/api/crm/requests/{ids[2]}", headers=world.sales_a))["request"]["version"]
    made(client.post(f"/api/crm/requests/{ids[2]}/cancel", json={"version": version}, headers=world.sales_a))
    made(submit(client, world.sales_b, files=[]))
    return ids


def card_values(page: dict) -> tuple:
    """The page answer's cards: requests, 不備 and acquired sites."""
    cards = {figure["key"]: figure["value"] for figure in page["figures"]}
    return cards["crm.requests"], cards["crm.deficient"], cards["crm.acquired_sites"]


def test_agency_metrics_count_requests_by_status_sites_and_deficiency_rate(client, world):
    file_requests(client, world)
    metrics = client.get("/api/crm/metrics/agencies", headers=world.operator).json()
    rows = {r["agency_name"]: r for r in metrics["agencies"]}
    a = rows["株式会社AAA代理店"]
    assert (a["requests"], a["deficient"], a["in_progress"], a["submitted"], a["cancelled"]) == (4, 1, 1, 1, 1)
    assert (a["acquired_sites"], a["deficiency_rate"], a["ever_deficient"]) == (2, 0.25, 1)
    b = rows["株式会社BBB代理店"]
    assert (b["requests"], b["in_progress"], b["acquired_sites"], b["deficiency_rate"]) == (1, 1, 0, 0.0)
    assert (metrics["total"]["requests"], metrics["total"]["acquired_sites"]) == (5, 2)
    assert card_values(metrics) == (5, 1, 2) and metrics["reasons"] == [{"reason": "画像不鮮明", "count": 1}]
    only_b = client.get(
        "/api/crm/metrics/agencies", params={"agency_id": world.agency_b}, headers=world.operator
    ).json()
    assert [r["agency_id"] for r in only_b["agencies"]] == [world.agency_b]
    assert card_values(only_b) == (1, 0, 0) and only_b["reasons"] == []
    tomorrow = (local_today(utcnow()) + timedelta(days=1)).isoformat()
    later = client.get("/api/crm/metrics/agencies", params={"since": tomorrow}, headers=world.operator).json()
    assert later["total"]["requests"] == 0 and len(later["agencies"]) == 2


def test_the_series_by_month_and_by_day_for_the_chart(client, world):
    file_requests(client, world)
    today = local_today(utcnow())
    daily = client.get(
        "/api/crm/metrics/series", params={"granularity": "day", "agency_id": world.agency_a}, headers=world.admin
    ).json()
    assert len(daily["points"]) == 31 and daily["points"][-1]["period"] == today.isoformat()
    last = daily["points"][-1]
    assert (last["requests"], last["deficient"], last["submitted"], last["acquired_sites"]) == (4, 1, 1, 2)
    assert sum(p["requests"] for p in daily["points"]) == 4
    monthly = client.get("/api/crm/metrics/series", headers=world.operator).json()
    assert len(monthly["points"]) == 12 and monthly["points"][-1]["period"] == today.strftime("%Y-%m")
    assert monthly["points"][-1]["requests"] == 5
    too_long = client.get(
        "/api/crm/metrics/series",
        params={"granularity": "day", "since": "2024-01-01", "until": "2026-01-01"},
        headers=world.operator,
    )
    assert too_long.status_code == 422 and too_long.json()["error"]["details"]["rule"] == "max_days"


def test_the_month_series_is_this_month_and_the_eleven_before_it_in_every_month(db):
    """Whatever the month (their lengths differ), on its first day just after midnight in Japan."""
    everything = TenantScope("crm", None, None)
    shown = {}
    for month in range(1, 13):
        now = datetime(2027, month, 1, 0, 30, tzinfo=ZoneInfo("Asia/Tokyo"))
        points = metrics.series(
            db, scope=everything, agency_id=None, granularity="month", since=None, until=None, now=now
        ).points
        shown[month] = (len(points), points[0].period, points[-1].period)
    assert shown[1] == (12, "2026-02", "2027-01") and shown[12] == (12, "2027-01", "2027-12")
    assert {count for count, _, _ in shown.values()} == {12}


def test_drill_down_lists_that_agencys_requests(client, world):
    ids = file_requests(client, world)
    drill = client.get(
        "/api/crm/requests",
        params={"agency_id": world.agency_a, "status": ["deficient", "in_progress"]},
        headers=world.operator,
    ).json()
    assert sorted(r["id"] for r in drill["items"]) == sorted([ids[0], ids[3]])


def test_the_admin_dashboard(client, world):
    file_requests(client, world)
    board = client.get("/api/crm/dashboard", headers=world.admin).json()
    assert [(f["label"], f["value"], f["period_label"][:3]) for f in board["by_status"]] == [
        ("不備", 1, "全期間"),
        ("対応中", 2, "全期間"),
        ("投入済", 1, "全期間"),
        ("一部キャンセル", 0, "全期間"),
        ("キャンセル", 1, "全期間"),
    ]
    shown = [(f["key"], f["value"], f["counter"]) for f in board["figures"]]
    assert shown == [
        ("crm.requests", 5, "件"),  # today
        ("crm.requests", 5, "件"),  # this month
        ("crm.acquired_sites", 2, "地点"),
        ("crm.unread", 5, "件"),  # new: nobody of the back office has opened them
        ("crm.active_agencies", 2, "社"),
        ("crm.sales_users", 3, "人"),
    ]
    assert board["figures"][0]["period_label"].endswith("（今日）")
    for figure in board["by_status"] + board["figures"]:  # each card opens exactly its rows
        listed = client.get("/api" + figure["list_route"], params=figure["list_query"], headers=world.admin).json()
        assert listed["total"] == figure["value"] or figure["grouped_by"], figure["key"]
    assert board["top_agencies"][0]["agency_name"] == "株式会社AAA代理店"
