"""予約 › 経営ダッシュボード: the numbers of a known nightly summary, the four charts, and the monthly PDF."""

from dashboards import components
from service.database import session_scope, utcnow
from service.reservations import executive
from tests.dashboards.conftest import open_page, texts
from tests.dashboards.test_reservations_console import outcomes, person  # noqa: F401  (outcomes: a fixture)
from tests.service.reservations.conftest import catalog, sandbox  # noqa: F401  (fixtures)

EXECUTIVE = "app_pages/reservations_executive.py"


def test_the_executive_page_shows_the_summary_and_downloads_the_pdf(outcomes, db, open_app, downloads):  # noqa: F811
    with session_scope() as session:
        executive.recompute(session, now=utcnow())

    at = open_page(open_app, person(db, "executive"), EXECUTIVE)

    assert texts(at.title) == ["経営ダッシュボード"]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {
        "今月の予約件数": "3件", "今月の確定件数": "1件", "今月のキャンセル件数": "0件", "今月の売上": "¥8,000",
    }
    assert len(at.get("plotly_chart")) == 4
    services, shops = at.dataframe[0].value, at.dataframe[1].value
    assert services.to_dict("records") == [
        {"順位": 1, "サービス": "ハウスクリーニング", "予約件数": 3, "確定件数": 1, "割合": "100.0%"}
    ]
    assert shops[["提携店", "予約件数"]].to_dict("records") == [{"提携店": "提携店1", "予約件数": 2}]
    month = at.selectbox(key="reservations_executive_report_month").value
    assert month == utcnow().astimezone(components.LOCAL_TZ).strftime("%Y-%m")
    assert downloads[f"qrv-report-{month}.pdf"]().startswith(b"%PDF")

