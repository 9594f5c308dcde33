"""An outage of many terminals, in a real browser: the dashboard's one row for it opens the incident, and resolving the
incident there resolves every alert of it."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from service.database import session_scope, utcnow
from service.fleet.alerting.alerts import NewAlert, open_alerts
from service.fleet.models import Alert
from tests.browser.test_row_click import click_row
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.service.fleet.alerting.test_incidents import OUTAGE, STORES, an_outage
from tests.service.fleet.conftest import make_customer, make_terminal
from tests.support.streamlit_browser import drawn, sign_in

# browser tests check pages, not the backend: each module runs in one pass of `make check` (docs/testing.md)
pytestmark = [pytest.mark.slow, pytest.mark.postgres_only, pytest.mark.outside]


def test_the_dashboard_row_opens_the_incident_and_resolving_it_resolves_its_alerts(db, dashboards_url, new_page):
    customer = make_customer(db, "東和モータース")
    incident_id = an_outage(db, customer).id
    broken, _ = make_terminal(db, customer, serial="TC-ERR", store_name="本店")
    open_alerts(db, [NewAlert(broken.id, customer.id, "error", "プリンタ異常")], now=utcnow() - timedelta(minutes=2))
    make_user(db, "fleet-support", name="サポート", grants={"fleet": "support"})
    db.commit()
    page = new_page()
    sign_in(page, dashboards_url, "fleet-support", DEFAULT_PASSWORD, "ダッシュボード")

    click_row(page, 1)  # the error first, then the outage's one row

    heading = f"#{incident_id} 東和モータース {STORES}店舗・{OUTAGE}台オフライン"
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    assert page.url.endswith(f"?id={incident_id}")
    drawn(page)  # the note typed into the field this run draws, not into one it replaces
    page.get_by_label("対応内容（任意）").fill("回線事業者の障害復旧を確認")
    page.get_by_role("button", name="インシデントを解決済みにする").click()

    expect(page.get_by_text(f"インシデント #{incident_id} とそのアラートを解決済みにしました。")).to_be_visible()
    with session_scope() as check:
        states = check.execute(select(Alert.status, Alert.resolved_by).where(Alert.customer_id == customer.id)).all()
    assert sorted(states) == [("open", "")] + [("resolved", "サポート")] * OUTAGE
