"""The filter walk (issue 91): every option a dashboards page's filters and pickers offer is accepted by the API.

It reads every `pickers.code_select(…)` in dashboards/app_pages and fails for one whose options are not listed in
OFFERED below with where they come from (the vocabulary the service serves, or the dashboards' own words) and the
routes and parameter the choice is sent to. Then it reads each listed table as a person's page does (the served one
from the service) and asks each route with each code: anything but 200 fails, naming the page, the code and the
answer. A kind added to a labels table and not to the API's type (fleet's 店舗オフライン was offered and refused
with 422) fails here.
"""

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import dashboards.labels
import dashboards.sections
from service.entry_logs.models import Nursery
from service.fleet.models import Customer, Terminal
from service.roles import PLATFORM
from tests.factories import auth_headers, make_user

pytestmark = pytest.mark.walk

PAGES = Path(__file__).resolve().parent.parent / "dashboards" / "app_pages"
WALKER_GRANTS = {
    PLATFORM: "admin",
    "fleet": "admin",
    "reservations": "operator",
    "loaners": "admin",
    "crm": "admin",
    "entry_logs": "admin",
}
Options = Callable[[Any, dict], dict[str, str]]  # (client, headers) -> the codes a page offers


def served(url: str, *keys: str) -> Options:
    """A table of a served vocabulary, as the page reads it."""

    def read(client: Any, headers: dict) -> dict[str, str]:
        answer = client.get(url, headers=headers)
        assert answer.status_code == 200, (url, answer.text)
        table = answer.json()
        for key in keys:
            table = table[key]
        return table

    return read


def here(table: dict[str, str]) -> Options:
    """The dashboards' own words for a filter."""
    return lambda _client, _headers: table


@dataclass(frozen=True)
class Offered:
    options: Options
    param: str
    routes: tuple[str, ...]  # {terminal} and {nursery} are the walk's own records


FLEET, RESV = "/api/fleet/vocabulary", "/api/reservations/vocabulary"
ALERTS = ("/api/fleet/alerts", "/api/fleet/alerts/export")
TERMINALS = ("/api/fleet/terminals", "/api/fleet/terminals/export")
# (page under dashboards/app_pages, its picker's options as written there) -> what it offers and where it goes
OFFERED = {
    ("fleet/alerts.py", "fleet_api.words('alert_statuses')"): Offered(
        served(FLEET, "alert_statuses"), "status", ALERTS
    ),
    ("fleet/alerts.py", "fleet_api.words('alert_types')"): Offered(served(FLEET, "alert_types"), "alert_type", ALERTS),
    ("fleet/incidents.py", "fleet_api.words('alert_statuses')"): Offered(
        served(FLEET, "alert_statuses"), "status", ("/api/fleet/incidents", "/api/fleet/incidents/export")
    ),
    ("fleet/terminals.py", "fleet_api.words('terminal_statuses')"): Offered(
        served(FLEET, "terminal_statuses"), "status", TERMINALS
    ),
    ("fleet/firmware.py", "fleet_api.words('terminal_statuses')"): Offered(
        served(FLEET, "terminal_statuses"), "status", TERMINALS
    ),
    ("fleet/terminal.py", "fleet_api.words('event_levels')"): Offered(
        served(FLEET, "event_levels"),
        "level",
        ("/api/fleet/terminals/{terminal}/events", "/api/fleet/terminals/{terminal}/events/export"),
    ),
    ("reservations/support.py", "vocabulary['inquiry_channels']"): Offered(
        served(RESV, "inquiry_channels"), "channel", ("/api/reservations/inquiries",)
    ),
    ("reservations/support.py", "vocabulary['inquiry_requester_types']"): Offered(
        served(RESV, "inquiry_requester_types"), "requester_type", ("/api/reservations/inquiries",)
    ),
    ("reservations/support.py", "vocabulary['inquiry_statuses']"): Offered(
        served(RESV, "inquiry_statuses"), "status", ("/api/reservations/inquiries",)
    ),
    ("reservations/queue.py", "common.vocab()['priorities']"): Offered(
        served(RESV, "priorities"), "priority", ("/api/reservations/manual-operations",)
    ),
    ("reservations/queue.py", "common.vocab()['operation_statuses']"): Offered(
        served(RESV, "operation_statuses"), "status", ("/api/reservations/manual-operations",)
    ),
    ("reservations/queue.py", "common.vocab()['operation_types']"): Offered(
        served(RESV, "operation_types"), "op_type", ("/api/reservations/manual-operations",)
    ),
    ("reservations/incidents.py", "common.vocab()['incident_levels']"): Offered(
        served(RESV, "incident_levels"), "level", ("/api/reservations/incidents", "/api/reservations/incidents/export")
    ),
    ("reservations/detail.py", "common.vocab()['statuses']"): Offered(
        served(RESV, "statuses"), "status", ("/api/reservations/reservations",)
    ),
    ("loaners/devices.py", "loaners_api.vocabulary()['kinds']"): Offered(
        served("/api/loaners/vocabulary", "kinds"), "kind", ("/api/loaners/views/normal",)
    ),
    ("loaners/returns.py", "followed"): Offered(
        served("/api/loaners/vocabulary", "return_statuses"), "held_status", ("/api/loaners/views/returns",)
    ),
    ("admin/audit.py", "words['actions']"): Offered(
        served("/api/admin/audit/vocabulary", "actions"), "action", ("/api/admin/audit",)
    ),
    ("admin/audit.py", "words['domains']"): Offered(
        served("/api/admin/audit/vocabulary", "domains"), "domain", ("/api/admin/audit",)
    ),
    ("admin/audit.py", "words['target_types']"): Offered(
        served("/api/admin/audit/vocabulary", "target_types"), "target_type", ("/api/admin/audit",)
    ),
    ("admin/outbox.py", "words()['statuses']"): Offered(
        served("/api/admin/outbox/vocabulary", "statuses"), "status", ("/api/admin/outbox", "/api/admin/outbox/export")
    ),
    ("admin/outbox.py", "words()['channels']"): Offered(
        served("/api/admin/outbox/vocabulary", "channels"), "channel", ("/api/admin/outbox", "/api/admin/outbox/export")
    ),
    ("admin/outbox.py", "sections.DOMAIN_LABELS"): Offered(
        here(dashboards.sections.DOMAIN_LABELS), "domain", ("/api/admin/outbox",)
    ),
    ("crm/audit.py", "words['actions']"): Offered(
        served("/api/crm/audit/vocabulary", "actions"), "action", ("/api/crm/audit",)
    ),
    ("crm/audit.py", "words['target_types']"): Offered(
        served("/api/crm/audit/vocabulary", "target_types"), "target_type", ("/api/crm/audit",)
    ),
    ("crm/users.py", "roles()"): Offered(
        served("/api/crm/vocabulary", "roles"), "role", ("/api/crm/users", "/api/crm/users/export")
    ),
    ("crm/queue.py", "common.status_choices()"): Offered(
        served("/api/crm/masters", "statuses"), "status", ("/api/crm/requests",)
    ),
    ("crm/my_requests.py", "common.status_choices()"): Offered(
        served("/api/crm/masters", "statuses"), "status", ("/api/crm/requests",)
    ),
    ("crm/agencies.py", "active_filter()"): Offered(
        here({"true": "有効", "false": "無効"}), "active", ("/api/crm/agencies",)
    ),
    ("entry_logs/logs.py", "common.type_labels()"): Offered(
        served("/api/entry-logs/vocabulary", "entryTypes"), "entryType", ("/api/entry-exit-logs?nurseryId={nursery}",)
    ),
}


def pickers_on_pages() -> Iterator[tuple[str, str]]:
    """(page, its options as written) of every code_select in the dashboards' pages."""
    for path in sorted(PAGES.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "code_select":
                yield path.relative_to(PAGES).as_posix(), ast.unparse(node.args[1])


def test_every_picker_of_every_page_is_walked():
    found = set(pickers_on_pages())
    unlisted = sorted(found - set(OFFERED))
    assert unlisted == [], f"list these pickers' options and routes in OFFERED: {unlisted}"
    assert sorted(set(OFFERED) - found) == [], "OFFERED names a picker no page has"


@pytest.fixture
def walker(db) -> tuple[dict, dict[str, int]]:
    """A person with every domain's widest reading role, a terminal and a nursery."""
    user = make_user(db, "filter-walker", grants=WALKER_GRANTS)
    customer = Customer(
        company_name="歩行商事", contact_person="田中", contact_email="t@example.jp", contact_phone="03-1234-5678"
    )
    db.add(customer)
    db.flush()
    terminal = Terminal(serial_number="TC200-WALK", customer_id=customer.id, store_name="新宿店")
    nursery = Nursery(code="walk", name="フィルター園")
    db.add_all([terminal, nursery])
    db.commit()
    return auth_headers(user), {"terminal": terminal.id, "nursery": nursery.id}


@pytest.mark.parametrize("picker", sorted(OFFERED), ids=lambda picker: f"{picker[0]}:{picker[1]}")
def test_every_option_a_page_offers_is_accepted_by_the_api(client, walker, picker):
    headers, records = walker
    offered = OFFERED[picker]
    codes = list(offered.options(client, headers))
    assert codes, f"{picker}: offers nothing"
    refused = []
    for route in offered.routes:
        url = route.format(**records)
        for code in codes:
            answer = client.get(url, headers=headers, params={offered.param: code})
            if answer.status_code != 200:
                refused.append(f"{url} {offered.param}={code}: {answer.status_code} {answer.text[:200]}")
    assert refused == [], "\n".join(refused)
