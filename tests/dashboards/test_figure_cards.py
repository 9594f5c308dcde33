"""The named figures' cards (kpi.figure_card) on every dashboard page that shows them: each card says its
period under it and the page says the moment its figures are as of (「YYYY/MM/DD HH:mm 時点」); a card opens its list
filtered to exactly its rows, whose total is the card's number."""

import re
from datetime import timedelta
from urllib.parse import parse_qsl

import pytest

from dashboards.components import kpi
from service.database import utcnow
from tests.dashboards.conftest import open_page, texts
from tests.dashboards.test_fleet_dashboard import fleet  # noqa: F401  (a fixture)
from tests.factories import make_user
from tests.service.entry_logs.conftest import sakura  # noqa: F401  (a fixture)
from tests.service.entry_logs.world import add_log

# Every page that shows named figures: a figure route of tests/test_figure_walk.py each.
FIGURE_PAGES = (
    "app_pages/fleet/dashboard.py",
    "app_pages/fleet/alerts.py",
    "app_pages/fleet/reports.py",
    "app_pages/reservations/executive.py",
    "app_pages/crm/dashboard.py",
    "app_pages/crm/metrics.py",
    "app_pages/loaners/summary.py",
    "app_pages/entry_logs/present.py",
    "app_pages/entry_logs/heatmap.py",
    "app_pages/entry_logs/attendance.py",
)
AS_OF = re.compile(r"^\d{4}/\d{2}/\d{2} \d{2}:\d{2} 時点$")
GRANTS = {"fleet": "operator", "reservations": "operator", "crm": "admin", "loaners": "admin", "entry_logs": "admin"}


@pytest.mark.parametrize("page", FIGURE_PAGES)
def test_every_figure_says_its_period_and_the_page_its_moment(page, fleet, sakura, db, open_app):  # noqa: F811
    staff = make_user(db, "staff1", grants=GRANTS)
    db.commit()

    at = open_page(open_app, staff, page)

    captions = texts(at.caption)
    periods = [text for text in captions if text.startswith("期間: ")]
    assert len(periods) == len(at.metric) > 0
    assert any(AS_OF.match(text) for text in captions)


def test_a_card_opens_its_list_filtered_to_exactly_its_rows(fleet, db, open_app):  # noqa: F811
    operator = make_user(db, "op1", grants={"fleet": "operator"})
    db.commit()
    at = open_page(open_app, operator, "app_pages/fleet/dashboard.py")
    cards = {metric.label: metric.value for metric in at.metric}
    links = [link for link in at.main.get("page_link") if link.proto.label == kpi.OPEN_LIST]
    assert len(links) == len(cards)
    overdue = dict(parse_qsl(links[3].proto.query_string))
    assert (links[3].proto.page, overdue) == ("fleet-alerts", {"overdue": "true", "open_only": "true"})

    listed = open_page(open_app, operator, "app_pages/fleet/alerts.py", **overdue)

    assert listed.checkbox(key="fleet_alerts_overdue").value and listed.checkbox(key="fleet_alerts_open_only").value
    assert f"全{cards['SLA超過（未解決）']}中" in " ".join(texts(listed.caption))


def test_the_entry_card_opens_the_log_list_with_its_days_and_kind_applied(sakura, db, open_app):  # noqa: F811
    staff = make_user(db, "staff2", grants={"entry_logs": "admin"})
    yesterday = utcnow() - timedelta(days=1)
    for parent, kind in [(sakura.parents[0], "Entry"), (sakura.parents[1], "Entry"), (sakura.parents[0], "Exit")]:
        add_log(db, sakura, parent, kind, yesterday)
    db.commit()
    at = open_page(open_app, staff, "app_pages/entry_logs/heatmap.py")
    cards = {metric.label: metric.value for metric in at.metric}
    links = {link.proto.label: link for link in at.main.get("page_link") if link.proto.label == kpi.OPEN_LIST}
    entries = next(link for link in at.main.get("page_link") if "entryType=Entry" in link.proto.query_string)
    assert links and entries.proto.page == "entry-logs"

    listed = open_page(open_app, staff, "app_pages/entry_logs/logs.py", **dict(parse_qsl(entries.proto.query_string)))

    assert listed.selectbox(key="entry_logs_logs_type").value == "Entry"
    assert cards["入（登園）"] == "2件"
    assert "全2件中" in " ".join(texts(listed.caption) + texts(listed.markdown))
