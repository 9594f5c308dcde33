"""Time in each status and first-time-right, on a history seeded day by day through the API: each request's time in
its status and in total, the agency's wait (不備 → resubmission) apart from the input team's time; per agency the
share entered without any 不備 (初回完了率), the median of the days to 投入済 (the spreadsheet's) and the most frequent
不備 reasons, in the period chosen — the cards (named figures) equal the CSV of the list they open, and the agency
table and its CSV say the same."""

import statistics
from datetime import timedelta

import pytest
import time_machine

from service.database import utcnow
from service.identity.security import issue_token
from tests.service.crm.conftest import COMPLETE_SITE, made, set_status, submit
from tests.support.clock import JAPAN
from tests.support.downloads import csv_download

pytestmark = pytest.mark.dialect

DAY = timedelta(days=1)
BLURRED, WRONG_NUMBER = "明細画像が不鮮明です", "お客様番号が違います"


class History:
    """The world's people acting at chosen moments (each call made with a token issued at that moment)."""

    def __init__(self, client, world, start):
        self.client, self.world, self.start = client, world, start

    def headers(self, who: str) -> dict:
        token = issue_token(subject=str(self.world.ids[who]), kind="user", now=utcnow()).token
        return {"Authorization": f"Bearer {token}"}

    def at(self, days: float):
        return time_machine.travel(self.start + timedelta(days=days), tick=False)

    def file(self, days: float, who: str = "sales_a") -> tuple[int, dict]:
        """A request filed and its site added."""
        with self.at(days):
            request_id = made(submit(self.client, self.headers(who)))["request"]["id"]
            path = f"/api/crm/requests/{request_id}/sites"
            return request_id, made(self.client.post(path, json=COMPLETE_SITE, headers=self.headers("operator")))

    def status(self, days: float, site: dict, status: str, reason: str = "") -> dict:
        with self.at(days):
            return set_status(self.client, self.world, site, status, reason=reason, headers=self.headers("operator"))

    def sales(self, days: float, request_id: int, action: str, body: dict) -> None:
        """The sales person's action on the request (resubmit, cancel), with the version they read."""
        with self.at(days):
            headers = self.headers("sales_a")
            path = f"/api/crm/requests/{request_id}"
            version = made(self.client.get(path, headers=headers))["request"]["version"]
            made(self.client.post(f"{path}/{action}", json=body | {"version": version}, headers=headers))

    def site(self, days: float, site_id: int) -> dict:
        with self.at(days):
            return made(self.client.get(f"/api/crm/sites/{site_id}", headers=self.headers("operator")))

    def get(self, days: float, path: str, **params):
        with self.at(days):
            return self.client.get(path, params=params, headers=self.headers("operator"))


def seeded(client, world) -> tuple[History, dict[str, int]]:
    """Agency A: four requests entered (2.0 days without 不備, 4.5 days with one 不備 waiting 2 days on the agency,
    1.0 and 3.0 days without), one 不備 since day 2, one cancelled after a 不備; agency B: one entered in half a day."""
    start = (utcnow() + 2 * DAY).astimezone(JAPAN).replace(hour=9, minute=0, second=0, microsecond=0)
    history = History(client, world, start)
    ids = {}
    ids["right"], site = history.file(0)
    history.status(2, site, "submitted")
    ids["sent_back"], site = history.file(0)
    site = history.status(1, site, "deficient", BLURRED)
    history.sales(3, ids["sent_back"], "resubmit", {"message": "直しました"})
    history.status(4.5, history.site(3, site["id"]), "submitted")
    ids["quick"], site = history.file(1)
    history.status(2, site, "submitted")
    ids["slow"], site = history.file(0)
    history.status(3, site, "submitted")
    ids["waiting"], site = history.file(1)
    history.status(2, site, "deficient", BLURRED)
    ids["dropped"], site = history.file(1)
    history.status(1.5, site, "deficient", WRONG_NUMBER)
    history.sales(2, ids["dropped"], "cancel", {})
    ids["other_agency"], site = history.file(0, "sales_b")
    history.status(0.5, site, "submitted")
    return history, ids


def days_of(seconds: int) -> float:
    return seconds / DAY.total_seconds()


def test_each_request_shows_its_time_in_status_in_total_and_the_agencys_wait_apart(client, world):
    history, ids = seeded(client, world)
    listed = made(history.get(5, "/api/crm/requests", agency_id=world.agency_a))["items"]
    times = {item["id"]: item["times"] for item in listed}
    spent = {
        name: tuple(
            days_of(times[ids[name]][key])
            for key in ("in_status_seconds", "total_seconds", "agency_seconds", "input_team_seconds")
        )
        for name in ("right", "sent_back", "waiting", "dropped")
    }
    assert spent == {
        "right": (3.0, 2.0, 0.0, 2.0),  # 投入済 on day 2: its total stops there
        "sent_back": (0.5, 4.5, 2.0, 2.5),  # 不備 from day 1 to the resubmission on day 3
        "waiting": (3.0, 4.0, 3.0, 1.0),  # 不備 since day 2, still waiting on the agency
        "dropped": (3.0, 1.0, 0.5, 0.5),  # cancelled on day 2 after half a day in 不備
    }
    assert (times[ids["sent_back"]]["days_to_submitted"], times[ids["sent_back"]]["first_time_right"]) == (4.5, False)
    assert times[ids["waiting"]]["first_time_right"] is None
    detail = made(history.get(5, f"/api/crm/requests/{ids['waiting']}"))["request"]["times"]
    assert detail == times[ids["waiting"]]


def figures(history, **params) -> dict[str, dict]:
    return {f["key"]: f for f in made(history.get(5, "/api/crm/metrics/figures", **params))}


def csv_measures(history, figure: dict) -> tuple[float, float, int]:
    """The share of はい in the figure's list CSV's 初回完了 column, the median of its 投入済までの日数,
    its rows."""
    rows = csv_download(history.get(5, "/api" + figure["export_route"], **figure["list_query"]))
    header, body = rows[0], rows[1:]
    first_time = [row[header.index("初回完了")] for row in body]
    took = [float(row[header.index("投入済までの日数")]) for row in body]
    return round(first_time.count("はい") / len(body), 4), statistics.median(took), len(body)


def test_first_time_right_and_the_median_days_per_agency_equal_their_csv_in_the_period_chosen(client, world):
    history, ids = seeded(client, world)
    cards = figures(history, agency_id=world.agency_a)
    share, median = cards["crm.first_time_right"], cards["crm.days_to_submitted"]
    assert (share["value"], share["basis"], share["unit"]) == (0.75, 4, "percent")
    assert (median["value"], median["basis"], median["unit"]) == (
        2.5,
        4,
        "days",
    )  # of 1.0, 2.0, 3.0, 4.5: the middle two's mean
    assert share["list_query"] == {"agency_id": str(world.agency_a), "status": "submitted"}
    assert csv_measures(history, share) == (0.75, 2.5, 4)

    since_day_1 = (history.start + DAY).date().isoformat()
    later = figures(history, agency_id=world.agency_a, since=since_day_1)
    assert (later["crm.first_time_right"]["value"], later["crm.days_to_submitted"]["value"]) == (1.0, 1.0)
    assert csv_measures(history, later["crm.first_time_right"]) == (1.0, 1.0, 1)
    everyone = figures(history)
    assert (everyone["crm.first_time_right"]["value"], everyone["crm.days_to_submitted"]["value"]) == (0.8, 2.0)

    table = made(history.get(5, "/api/crm/metrics/agencies"))
    row_a = next(row for row in table["agencies"] if row["agency_id"] == world.agency_a)
    assert (row_a["first_time_right"], row_a["first_time_right_rate"], row_a["median_days_to_submitted"]) == (
        3,
        0.75,
        2.5,
    )
    assert [(r["reason"], r["count"]) for r in row_a["top_reasons"]] == [(BLURRED, 2), (WRONG_NUMBER, 1)]
    assert (table["total"]["first_time_right_rate"], table["total"]["median_days_to_submitted"]) == (0.8, 2.0)
    exported = csv_download(history.get(5, "/api/crm/metrics/agencies/export"))
    line = dict(zip(exported[0], next(row for row in exported[1:] if row[0] == "株式会社AAA代理店"), strict=True))
    assert (line["初回完了件数"], line["初回完了率（%）"], line["投入済までの日数（中央値）"]) == ("3", "75.0", "2.5")
    assert line["主な不備理由"] == f"{BLURRED}（2件）／{WRONG_NUMBER}（1件）"
    reasons = made(history.get(5, "/api/crm/metrics/deficiency-reasons", agency_id=world.agency_b))
    assert reasons == []
