"""入退管理 › 混雑時間帯: arrivals and departures by weekday and hour in Japan time, from the API's counts."""

import json
import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from tests.dashboards.conftest import open_page, texts
from tests.dashboards.test_entry_logs_logs import sakura, staff_of  # noqa: F401 - fixtures
from tests.service.entry_logs.world import add_log

HEATMAP = "app_pages/entry_logs/heatmap.py"
TOKYO = ZoneInfo("Asia/Tokyo")
WEEKDAYS = ["月", "火", "水", "木", "金", "土", "日"]


PERIOD = re.compile(r"\d{4}/\d{2}/\d{2}〜\d{4}/\d{2}/\d{2}(（今日まで）)?")


def charts(at) -> dict[str, dict]:
    """Each heatmap's title without its period and its counts as {(weekday, hour label): count} for the non-empty
    cells; every title says its period (「・2026/11/01〜2026/11/25（今日まで）」)."""
    shown = {}
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        [heat] = spec["data"]
        cells = {
            (weekday, hour): count
            for weekday, row in zip(heat["y"], heat["z"], strict=True)
            for hour, count in zip(heat["x"], row, strict=True)
            if count
        }
        title, period = spec["layout"]["title"]["text"].removesuffix("）").split("・", 1)
        assert PERIOD.fullmatch(period), period
        shown[title + "）"] = cells
    return shown


def test_arrivals_and_departures_are_counted_by_weekday_and_hour(db, sakura, open_app):  # noqa: F811
    today = datetime.now(TOKYO).date()
    expected_in: dict[tuple[str, str], int] = {}
    for days_ago in (1, 2, 8):
        day = today - timedelta(days=days_ago)
        arrival = datetime.combine(day, time(8, 40), tzinfo=TOKYO)
        add_log(db, sakura, sakura.parents[0], "Entry", arrival)
        add_log(db, sakura, sakura.parents[1], "Entry", arrival + timedelta(minutes=10))
        key = (WEEKDAYS[day.weekday()], "8時")
        expected_in[key] = expected_in.get(key, 0) + 2
    pickup_day = today - timedelta(days=3)
    add_log(db, sakura, sakura.parents[0], "Exit", datetime.combine(pickup_day, time(17, 5), tzinfo=TOKYO))
    too_old = datetime.combine(today - timedelta(days=40), time(17, 5), tzinfo=TOKYO)
    add_log(db, sakura, sakura.parents[0], "Exit", too_old)
    db.commit()

    at = open_page(open_app, staff_of(db, sakura), HEATMAP)

    assert charts(at) == {
        "↓ 入（登園）（6件）": expected_in,
        "↑ 出（降園）（1件）": {(WEEKDAYS[pickup_day.weekday()], "17時"): 1},
    }
    busiest = max(expected_in.items(), key=lambda item: (item[1], -WEEKDAYS.index(item[0][0])))
    assert [(m.label, m.value) for m in at.metric] == [("入（登園）", "6件"), ("出（降園）", "1件")]
    assert {
        f"ピーク: {busiest[0][0]}曜 8時台（{busiest[1]}件）",
        f"ピーク: {WEEKDAYS[pickup_day.weekday()]}曜 17時台（1件）",
    } <= set(texts(at.caption))
    assert sum(text.startswith("期間: ") and PERIOD.search(text) is not None for text in texts(at.caption)) == 2


def test_a_longer_period_takes_in_older_scans_and_a_reversed_one_is_refused(db, sakura, open_app):  # noqa: F811
    today = datetime.now(TOKYO).date()
    old = today - timedelta(days=40)
    add_log(db, sakura, sakura.parents[0], "Exit", datetime.combine(old, time(6, 30), tzinfo=TOKYO))
    db.commit()
    at = open_page(open_app, staff_of(db, sakura), HEATMAP)
    assert "↑ 出（降園）（0件）" in charts(at)

    at.date_input(key="entry_logs_heatmap_from").set_value(old).run()
    assert charts(at)["↑ 出（降園）（1件）"] == {(WEEKDAYS[old.weekday()], "6時"): 1}

    at.date_input(key="entry_logs_heatmap_from").set_value(today + timedelta(days=1)).run()
    assert texts(at.error) == ["期間の開始と終了を、開始が終了より前になるように指定してください。"]
    assert not at.get("plotly_chart")
