"""入退管理's named figures (GET /api/entry-logs/figures): each is the total of the list its answer names (the log
list and its CSV, 園内にいる保護者, the attendance list under its 出席状態), over the period it says, and follows the
lists when their rows change."""

from datetime import timedelta

import pytest

from tests.service.entry_logs.world import add_log, staff_headers
from tests.support.clock import clock_at, japan_time

NOON = japan_time(2026, 1, 14, 12, 0)  # a Wednesday


def listed(client, figure: dict, headers: dict) -> int:
    """The number of rows the figure's list shows under its query (the log list's total; the others' rows)."""
    body = client.get("/api" + figure["list_route"], params=figure["list_query"], headers=headers).json()
    return body["totalCount"] if "totalCount" in body else len(body.get("parents", body.get("children", [])))


def figures(client, headers: dict, **params) -> dict[str, dict]:
    answer = client.get("/api/entry-logs/figures", params=params, headers=headers)
    assert answer.status_code == 200, answer.text
    shown = {figure["key"]: figure for figure in answer.json()}
    for figure in shown.values():
        assert listed(client, figure, headers) == figure["value"], figure["key"]
        if figure["export_route"]:
            rows = client.get("/api" + figure["export_route"], params=figure["list_query"], headers=headers)
            assert len(rows.content.decode("utf-8-sig").splitlines()) - 1 == figure["value"], figure["key"]
    return shown


def values(shown: dict[str, dict]) -> dict[str, int]:
    return {key.removeprefix("entry_logs."): figure["value"] for key, figure in shown.items()}


@pytest.mark.dialect
def test_each_figure_is_the_total_of_the_list_it_opens_and_follows_it(client, db, sakura):
    p0, p1, p2 = sakura.parents
    with clock_at(NOON):
        add_log(db, sakura, p0, "Entry", NOON - timedelta(hours=4))
        add_log(db, sakura, p1, "Entry", NOON - timedelta(hours=3, minutes=30))
        add_log(db, sakura, p1, "Exit", NOON - timedelta(hours=3))
        add_log(db, sakura, p2, "Entry", NOON - timedelta(days=1))
        headers = staff_headers(db, sakura)
        for child, status in ((sakura.children[0], "present"), (sakura.children[1], "absent")):
            client.put(f"/api/attendance/{child.id}/2026-01-14", json={"status": status}, headers=headers)

        today = figures(client, headers)
        two_days = figures(client, headers, **{"from": "2026-01-13", "to": "2026-01-14"})
        one_class = figures(client, headers, className="ひよこ組")  # children 0, 2 and 3

        add_log(db, sakura, p0, "Exit", NOON - timedelta(minutes=5))
        db.commit()
        client.put(f"/api/attendance/{sakura.children[2].id}/2026-01-14", json={"status": "present"}, headers=headers)
        later = figures(client, headers)

    # child 3 is 出席 by its parent's 入 (p0's), with nothing recorded by staff
    assert values(today) == {"entries": 2, "exits": 1, "present": 1, "attended": 2, "absent": 1, "unrecorded": 1}
    assert (values(two_days)["entries"], two_days["entry_logs.entries"]["period_label"]) == (
        3,
        "2026/01/13〜2026/01/14（今日まで）",
    )
    assert (values(one_class)["attended"], values(one_class)["absent"], values(one_class)["unrecorded"]) == (2, 0, 1)
    assert values(later) == {"entries": 2, "exits": 2, "present": 0, "attended": 3, "absent": 1, "unrecorded": 0}
    labels = {key: (f["label"], f["counter"], f["period_label"]) for key, f in today.items()}
    assert labels["entry_logs.entries"] == ("入（登園）", "件", "2026/01/14（今日）")
    assert labels["entry_logs.present"] == ("園内にいる保護者", "人", "現在")
    assert labels["entry_logs.unrecorded"] == ("未記録", "人", "2026/01/14（今日）")
    assert today["entry_logs.present"]["list_route"] == f"/entry-logs/nurseries/{sakura.nursery.id}/present-parents"
    assert today["entry_logs.attended"]["list_query"] == {
        "nurseryId": str(sakura.nursery.id),
        "date": "2026-01-14",
        "status": "present",
    }


def test_another_nurserys_figures_are_not_found_and_a_reversed_period_is_refused(client, db, sakura, himawari):
    headers = staff_headers(db, sakura)
    other = client.get("/api/entry-logs/figures", params={"nurseryId": himawari.nursery.id}, headers=headers)
    reversed_days = client.get(
        "/api/entry-logs/figures", params={"from": "2026-01-14", "to": "2026-01-13"}, headers=headers
    )
    assert other.status_code == 404
    assert reversed_days.status_code == 422 and reversed_days.json()["error"]["details"]["rule"] == "from_before_to"
