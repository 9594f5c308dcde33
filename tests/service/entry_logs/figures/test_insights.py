"""園内にいる保護者 (entered today, not left yet, by the local day) and the heatmap of scans per local weekday and
hour."""

from datetime import UTC, datetime, timedelta

import pytest

from service.entry_logs import insights
from tests.service.entry_logs.world import add_log


@pytest.mark.dialect
def test_present_parents_are_those_who_entered_today_and_did_not_leave(client, db, staff, sakura):
    noon = datetime(2026, 1, 14, 3, 0, tzinfo=UTC)  # 12:00 in Tokyo
    p0, p1, p2 = sakura.parents
    add_log(db, sakura, p0, "Entry", noon - timedelta(hours=10))  # 02:00 today in Tokyo
    add_log(db, sakura, p0, "Exit", noon - timedelta(hours=13))  # 23:00 yesterday in Tokyo: not today's
    add_log(db, sakura, p1, "Entry", noon - timedelta(hours=2))
    add_log(db, sakura, p1, "Exit", noon - timedelta(hours=1))
    add_log(db, sakura, p2, "Entry", noon - timedelta(minutes=5))
    db.commit()
    present = insights.present_parents(db, nursery=sakura.nursery, now=noon)
    db.commit()
    assert [(p.parent_name, p.child_names) for p in present] == [
        ("sakura保護者2", ["sakura園児2"]),
        ("sakura保護者0", ["sakura園児0", "sakura園児3"]),
    ]
    response = client.get(f"/api/entry-logs/nurseries/{sakura.nursery.id}/present-parents", headers=staff)
    assert response.status_code == 200
    assert response.json() == {"closingTime": None, "closingTimePassed": False, "parents": []}


@pytest.mark.dialect
def test_heatmap_counts_scans_per_local_weekday_and_hour(client, db, staff, sakura):
    wednesday_9 = datetime(2026, 1, 14, 0, 10, tzinfo=UTC)  # Wed 09:10 in Tokyo
    for minutes in (0, 20, 40):
        add_log(db, sakura, sakura.parents[0], "Entry", wednesday_9 + timedelta(minutes=minutes))
    add_log(db, sakura, sakura.parents[1], "Exit", wednesday_9 + timedelta(days=4, hours=8))  # Sun 17:10
    db.commit()
    url = f"/api/entry-logs/nurseries/{sakura.nursery.id}/heatmap"
    body = client.get(url, params={"from": "2026-01-01", "to": "2026-01-31"}, headers=staff).json()
    assert body["timezone"] == "Asia/Tokyo" and body["total"] == 4
    assert body["cells"] == [{"weekday": 2, "hour": 9, "count": 3}, {"weekday": 6, "hour": 17, "count": 1}]
    exits = client.get(url, params={"entryType": "Exit"}, headers=staff).json()
    assert exits["cells"] == [{"weekday": 6, "hour": 17, "count": 1}]
