"""アラート一覧 opened from a mail's link (?id=…): the alert is open for work even when the table's page does not show
it; another customer's alert is not found; a later choice in the picker stands."""

from sqlalchemy import insert

from service.fleet.models import Alert
from tests.dashboards.conftest import open_page, texts
from tests.dashboards.test_fleet_alerts import ALERTS
from tests.factories import make_user
from tests.service.fleet.conftest import ago, make_customer, make_terminal

FIRST_PAGE = 50  # the table's default page size


def test_a_mails_link_opens_its_alert_beyond_the_tables_first_page(db, open_app):
    customer, other = make_customer(db, "ABC商事"), make_customer(db, "XYZ商店")
    terminal, _ = make_terminal(db, customer, "TC-0001", store_name="新宿店")
    stranger, _ = make_terminal(db, other, "TC-9999", store_name="梅田店")
    oldest = Alert(terminal_id=terminal.id, customer_id=customer.id, alert_type="offline", created_at=ago(hours=5))
    foreign = Alert(terminal_id=stranger.id, customer_id=other.id, alert_type="offline", created_at=ago(hours=5))
    db.add_all([oldest, foreign])
    db.flush()
    newer = [
        {"terminal_id": terminal.id, "customer_id": customer.id, "alert_type": "error", "created_at": ago(minutes=n)}
        for n in range(1, FIRST_PAGE + 1)
    ]
    db.execute(insert(Alert).values(status="resolved"), newer)  # resolved, so one open alert per type holds
    support = make_user(db, "support1", grants={"fleet": ("support", str(customer.id))})
    db.commit()

    # resolved alerts fill the first page once 未解決のみ (on when the page opens) is off
    at = open_page(open_app, support, ALERTS, state={"fleet_alerts_open_only": False}, id=str(oldest.id))

    assert oldest.id not in at.dataframe[0].value["ID"].tolist()
    assert at.selectbox(key="fleet_alerts_selected").value == oldest.id
    assert f"#{oldest.id} ABC商事 - 新宿店: オフライン" in [h.value for h in at.subheader]
    assert "初動確認" in [b.label for b in at.button]

    newest = at.dataframe[0].value["ID"].tolist()[0]
    at.selectbox(key="fleet_alerts_selected").select(newest).run()
    assert at.selectbox(key="fleet_alerts_selected").value == newest

    at = open_page(open_app, support, ALERTS, id=str(foreign.id))
    assert "指定されたアラートは見つかりません。一覧から選び直してください。" in texts(at.warning)
    assert at.selectbox(key="fleet_alerts_selected").value is None
