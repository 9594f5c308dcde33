"""端末管理 › インシデント: the dashboard's row for an outage opens it; its steps and resolution reach its alerts."""

import re
from datetime import timedelta

from sqlalchemy import select

from service.database import session_scope, utcnow
from service.fleet.alerting import monitoring
from service.fleet.alerting.alerts import NewAlert, open_alerts
from service.fleet.models import Alert, Incident
from tests.dashboards.conftest import button, click_row, open_page, texts
from tests.dashboards.test_fleet_dashboard import assert_fits_1440
from tests.factories import make_user
from tests.service.fleet.alerting.test_incidents import an_outage
from tests.service.fleet.alerting.test_monitoring import dark_stores_and_one_till_resting
from tests.service.fleet.conftest import make_customer, make_terminal

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
    assert critical.value["重要アラート"].tolist() == [
        "東和モータース - 本店: エラー",
        "東和モータース 5店舗・13台オフライン",
    ]
    assert_fits_1440(critical)

    click_row(at, 1)

    assert texts(at.title) == ["インシデント"] and at.query_params["id"] == str(incident_id)
    assert at.subheader[0].value == f"#{incident_id} 東和モータース 5店舗・13台オフライン"


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
    assert [b.label for b in at.button if b.label == "完了報告を記録"] == ["完了報告を記録"]


def timeline(at) -> list[str]:
    """The incident's record as the page lists it, without the times."""
    return [line.split("【", 1)[1] for line in texts(at.markdown) if line.startswith("- ") and "【" in line]


def test_what_the_customer_was_told_and_the_report_are_written_on_the_page(db, open_app):
    incident_id = an_outage(db, make_customer(db, "東和モータース"), terminals=6, minutes_ago=20).id
    support = make_user(db, "support1", name="佐藤 花子", grants={"fleet": "support"})
    db.commit()
    at = open_page(open_app, support, PAGE, id=str(incident_id))
    assert "**対象店舗**: 店舗1（3台中3台オフライン）、店舗2（3台中3台オフライン）" in texts(at.markdown)
    contact = f"fleet_incidents_contact_{incident_id}"

    button(at, "顧客連絡を記録").click().run()  # nothing typed: said before anything is sent
    assert texts(at.error) == ["顧客への連絡内容を入力してください。"]
    assert timeline(at) == [] and alert_states(incident_id) == {"open"}
    at.text_area(key=f"{contact}_0_customer_contact").input("回線障害の可能性。30分後に再度ご連絡")
    button(at, "顧客連絡を記録").click().run()
    assert at.text_area(key=f"{contact}_1_customer_contact").value == ""  # empty again for the next call
    at.text_area(key=f"{contact}_1_customer_contact").input("復旧見込み15時とお伝えした")
    button(at, "顧客連絡を記録").click().run()

    recorded = timeline(at)
    assert re.fullmatch(r"初動確認】 期限 \d\d\\?:\d\d を1\d分超過", recorded[0])  # late, said in words
    assert re.fullmatch(r"顧客連絡】 期限 \d\d\\?:\d\d 内", recorded[1])
    assert recorded[2:] == [
        "顧客への連絡内容】 回線障害の可能性。30分後に再度ご連絡",
        "顧客への連絡内容】 復旧見込み15時とお伝えした",
    ]
    record = [line for line in texts(at.markdown) if line.startswith("- ") and "【" in line]
    assert all(" 佐藤 花子【" in line for line in record) and len(record) == 4
    badges = [line for line in texts(at.markdown) if "-badge[" in line]
    assert any(re.fullmatch(r":orange-badge\[初動確認: 完了 \d\d\\?:\d\d（佐藤 花子・1\d分超過）\]", b) for b in badges)
    assert alert_states(incident_id) == {"acknowledged"}, "顧客連絡 reaches every alert of it"
    at.text_area(key=f"fleet_incidents_resolve_{incident_id}_0_resolution").input("回線復旧を確認")
    button(at, "インシデントを解決済みにする").click().run()
    report = f"fleet_incidents_report_{incident_id}"
    at.text_area(key=f"{report}_0_cause").input("回線事業者の設備障害")
    button(at, "完了報告を記録").click().run()
    assert texts(at.error) == ["報告内容を入力してください。"]
    at.text_area(key=f"{report}_0_report").input("全店舗の復旧を担当者様にご報告")
    button(at, "完了報告を記録").click().run()

    assert timeline(at)[-2:] == ["原因】 回線事業者の設備障害", "報告内容】 全店舗の復旧を担当者様にご報告"]
    assert "完了報告を記録" not in [b.label for b in at.button]
    assert at.dataframe[0].value["状態"].tolist() == ["解決済み"]


def test_another_customers_incident_in_the_address_is_not_found(db, open_app):
    mine, theirs = make_customer(db, "自社"), make_customer(db, "他社")
    incident_id = an_outage(db, theirs, terminals=2).id
    scoped = make_user(db, "support1", grants={"fleet": ("support", str(mine.id))})
    db.commit()

    at = open_page(open_app, scoped, PAGE, id=str(incident_id))

    assert texts(at.warning) == ["指定されたインシデントは見つかりません。一覧から選び直してください。"]


def test_an_incident_says_how_many_terminals_the_customer_has_as_the_dashboard_counts_them(db, open_app):
    customer = make_customer(db, "東和モータース")
    dark_stores_and_one_till_resting(db, customer)
    support = make_user(db, "support1", grants={"fleet": ("support", str(customer.id))})
    db.commit()
    monitoring.sweep_offline(db, now=utcnow())
    db.commit()
    incident_id = db.scalar(select(Incident.id))
    db.commit()

    at = open_page(open_app, support, PAGE, id=str(incident_id))
    dashboard = open_page(open_app, support, DASHBOARD)

    message = next(line for line in texts(at.markdown) if line.startswith("**詳細メッセージ**"))
    assert "全17台（メンテナンス中1台を除く16台）" in message.replace("\\", "")
    assert ("総端末数", "17台") in [(m.label, m.value) for m in dashboard.metric]
