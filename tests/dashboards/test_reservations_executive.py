"""予約 › 経営ダッシュボード: the numbers of a known nightly summary, the four charts, and the monthly PDF."""

import json
from datetime import datetime, timedelta

from sqlalchemy import select
from streamlit.proto.Metric_pb2 import Metric as MetricProto

from dashboards import clock
from service.database import session_scope, utcnow
from service.reservations.models import ServiceType
from service.reservations.reports import executive
from tests.dashboards.conftest import open_page, texts
from tests.dashboards.test_reservations_console import outcomes, person  # noqa: F401  (outcomes: a fixture)
from tests.service.reservations.conftest import catalog, sandbox  # noqa: F401  (fixtures)
from tests.service.reservations.reports.test_executive import made_at

EXECUTIVE = "app_pages/reservations/executive.py"


def test_the_executive_page_shows_the_summary_and_downloads_the_pdf(outcomes, db, open_app, downloads):  # noqa: F811
    with session_scope() as session:
        executive.recompute(session, now=utcnow())

    at = open_page(open_app, person(db, "executive"), EXECUTIVE)

    assert texts(at.title) == ["経営ダッシュボード"]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {
        "予約件数": "3件",
        "確定件数": "1件",
        "キャンセル件数": "0件",
        "売上": "0.8万円",
        "キャンセル率": "0.0%",
    }
    assert "（8,000円）" in at.metric[3].proto.help
    today = datetime.now(clock.JAPAN_TIME)
    assert texts(at.caption).count(f"期間: {today.year}年{today.month}月（{today.day}日まで）") == 5
    assert any(text.endswith(" 時点") for text in texts(at.caption))
    assert any(text.startswith("集計日時: ") for text in texts(at.caption))
    assert "月間売上推移（過去12か月）" in texts(at.subheader)
    charts = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
    assert len(charts) == 4
    revenue = next(c for c in charts if c["data"][0].get("name") == "売上")
    assert revenue["layout"]["yaxis"]["title"]["text"] == "売上（万円）"
    assert revenue["layout"]["yaxis"]["tickformat"] == ",.1~f" and revenue["data"][0]["y"][-1] == 0.8
    services, shops = at.dataframe[0].value, at.dataframe[1].value
    assert services.to_dict("records") == [
        {"順位": 1, "サービス": "ハウスクリーニング", "予約件数": 3, "確定件数": 1, "割合": "100.0%"}
    ]
    assert shops[["提携店", "予約件数"]].to_dict("records") == [{"提携店": "提携店1", "予約件数": 2}]
    month = at.selectbox(key="reservations_executive_report_month").value
    assert month == utcnow().astimezone(clock.JAPAN_TIME).strftime("%Y-%m")
    assert downloads[f"qrv-report-{month}.pdf"]().startswith(b"%PDF")
    week = at.selectbox(key="reservations_executive_weekly_week")
    monday = week.value  # §6.2: last week's, chosen when the page opens
    this_monday = clock.today() - timedelta(days=clock.today().weekday())
    assert monday == this_monday - timedelta(days=7)
    assert week.options[:2] == [  # the newest week first: the one running, then last week
        f"{this_monday:%Y/%m/%d}〜{this_monday + timedelta(days=6):%m/%d}（今週・途中まで）",
        f"{monday:%Y/%m/%d}〜{monday + timedelta(days=6):%m/%d}",
    ]
    assert downloads[f"qrv-weekly-{monday}.pdf"]().startswith(b"%PDF")


def test_the_cards_compare_the_month_so_far_with_the_same_days_of_the_previous_month(
    outcomes,
    db,
    open_app,  # noqa: F811
):
    this_month = datetime.now(clock.JAPAN_TIME).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    previous_month = (this_month - timedelta(days=1)).replace(day=1)
    made_at(db, db.scalars(select(ServiceType)).one(), previous_month, "cancelled")
    db.commit()
    with session_scope() as session:
        executive.recompute(session, now=utcnow())

    at = open_page(open_app, person(db, "executive"), EXECUTIVE)

    assert [(m.label, m.proto.delta) for m in at.metric] == [
        ("予約件数", "+2（前月同期比）"),
        ("確定件数", "+1（前月同期比）"),
        ("キャンセル件数", "-1（前月同期比）"),
        ("売上", "+0.8万円（前月同期比）"),
        ("キャンセル率", "-100.0ポイント（前月同期比）"),
    ]
    assert {m.proto.color for m in at.metric} == {MetricProto.GREEN}, "fewer cancellations is good news"
    assert "今月1日〜" in at.metric[0].proto.help
