"""端末管理 › インシデント: the dashboard's row for an outage opens it; its steps and resolution reach its alerts."""

from datetime import timedelta

from sqlalchemy import select

from service.database import session_scope, utcnow
from service.fleet.alerts import NewAlert, open_alerts
from service.fleet.models import Alert
from tests.dashboards.conftest import button, click_row, open_page, texts
from tests.dashboards.test_fleet_dashboard import assert_fits_1440
from tests.factories import make_user
from tests.service.fleet.conftest import make_customer, make_terminal
from tests.service.fleet.test_incidents import an_outage

DASHBOARD = "app_pages/fleet/dashboard.py"
PAGE = "app_pages/fleet/incidents.py"


def alert_states(incident_id: int) -> set[str]:
    with session_scope() as db:
        return set(db.scalars(select(Alert.status).where(Alert.incident_id == incident_id)))


def test_the_dashboard_row_of_an_outage_opens_the_incident(db, open_app):
    customer = make_customer(db, "東和モータース")
    incident_id = an_outage(db, customer).id
    broken, _ = make_terminal(db, customer, serial="TC-ERR", store_name="本店")
    open_alerts(db, [NewAlert(broken.id, customer.id, "error", "プリンタ異常")], now=utcnow() - timedelta(minutes=2))
    support = make_user(db, "support1", grants={"fleet": "support"})
    db.commit()
    at = open_page(open_app, support, DASHBOARD)
    critical = at.dataframe[0]
    assert critical.value["重要アラート"].tolist() == ["東和モータース - 本店: エラー", "東和モータース 13台オフライン"]
    assert_fits_1440(critical)

    click_row(at, 1)

    assert texts(at.title) == ["インシデント"] and at.query_params["id"] == str(incident_id)
    assert at.subheader[0].value == f"#{incident_id} 東和モータース 13台オフライン"


def test_one_acknowledgement_and_the_resolution_on_the_page_reach_every_alert(db, open_app):
    customer = make_customer(db, "東和モータース")
    incident_id = an_outage(db, customer, terminals=3).id
    serials = [f"{customer.id}-{n:03d}" for n in (2, 1, 0)]
    operator = make_user(db, "op1", grants={"fleet": "operator"})
    db.commit()
    at = open_page(open_app, operator, PAGE, id=str(incident_id))
    assert at.dataframe[0].value[["顧客企業", "端末数", "状態"]].to_dict("records") == [
        {"顧客企業": "東和モータース", "端末数": 3, "状態": "未対応"}
    ]
    assert at.dataframe[1].value["シリアル番号"].tolist() == serials, "its terminals, one alert each"

    button(at, "初動確認").click().run()
    assert alert_states(incident_id) == {"acknowledged"}
    assert any("**担当者**: op1" in line for line in texts(at.markdown)), "初動確認 makes its presser the 担当者"
    assert "自分が担当する" not in [b.label for b in at.button]
    at.text_area(key=f"fleet_incidents_resolve_{incident_id}_0_resolution").input("回線事業者の障害復旧を確認")
    button(at, "インシデントを解決済みにする").click().run()

    assert alert_states(incident_id) == {"resolved"}
    assert "**対応内容**: 回線事業者の障害復旧を確認" in texts(at.markdown)
    assert [b.label for b in at.button if b.label == "完了報告済み"] == ["完了報告済み"]


def test_another_customers_incident_in_the_address_is_not_found(db, open_app):
    mine, theirs = make_customer(db, "自社"), make_customer(db, "他社")
    incident_id = an_outage(db, theirs, terminals=2).id
    scoped = make_user(db, "support1", grants={"fleet": ("support", str(mine.id))})
    db.commit()

    at = open_page(open_app, scoped, PAGE, id=str(incident_id))

    assert texts(at.warning) == ["指定されたインシデントは見つかりません。一覧から選び直してください。"]
