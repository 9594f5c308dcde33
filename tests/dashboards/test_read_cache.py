"""The dashboards' read cache (dashboards/api.py): a write clears the reads of what it changed and keeps the others,
reference data is shared by the users holding the same grants and never across scopes, and the menu's to-do counts
are not read again on every run. Requests are counted as the API counts them (its access metrics: the tests' API is
served in this process).

Each person is one AppTest session (one token) running a script that makes the calls the test names, as a page makes
them; the badge's test runs the app itself.
"""

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from dashboards import api
from service.metrics import request_metrics
from tests.dashboards.conftest import RUN_TIMEOUT_SECONDS, installed_components, open_page
from tests.dashboards.test_crm_access import as_user
from tests.factories import make_user, token_for
from tests.service.crm.conftest import COMPLETE_SITE, made, masters_and_storage, submit, world  # noqa: F401 - fixtures
from tests.service.entry_logs.world import make_world
from tests.service.fleet.conftest import CONTACTS

QUEUE_PAGE = "app_pages/crm/queue.py"
QUEUE_SUMMARY, UNREAD = ("GET", "/crm/requests/queue-summary"), ("GET", "/crm/notifications/unread-count")
Call = tuple[str, tuple, dict]


def call(function: str, *args: Any, **kwargs: Any) -> Call:
    """A call of a dashboards module's function, e.g. call("crm_api.list_requests", mine=True)."""
    return function, args, kwargs


def calls_script() -> None:
    """Make the calls the test put in session state, as a page makes them, and keep their answers there."""
    import importlib

    import streamlit as st

    answers = []
    for function, args, kwargs in st.session_state["calls"]:
        module, name = function.rsplit(".", 1)
        answers.append(getattr(importlib.import_module(f"dashboards.{module}"), name)(*args, **kwargs))
    st.session_state["answers"] = answers


@dataclass
class Person:
    """One signed-in person's Streamlit session."""

    at: AppTest

    def calls(self, *calls: Call) -> list:
        self.at.session_state["calls"] = list(calls)
        self.at.run()
        assert not self.at.exception, self.at.exception
        return self.at.session_state["answers"]


def person(user) -> Person:
    at = AppTest.from_function(calls_script, default_timeout=RUN_TIMEOUT_SECONDS)
    at._bidi_component_manager = installed_components()
    at.session_state[api.TOKEN_KEY] = token_for(user)
    return Person(at)


def requests_so_far() -> Counter:
    """The API's requests so far by (method, route)."""
    totals: Counter = Counter()
    for (method, route, _), count in list(request_metrics.requests.items()):
        totals[(method, route)] += count
    return totals


@contextmanager
def counted() -> Iterator[Counter]:
    """The API's requests within the block, by (method, route)."""
    sent: Counter = Counter()
    before = requests_so_far()
    yield sent
    sent.update(requests_so_far() - before)


@pytest.fixture
def live(live_api: str) -> None:
    """The API the sessions call (its address is in APP_API_URL)."""


def statuses(listed: dict) -> dict[int, str]:
    return {row["id"]: row["status"] for row in listed["items"]}


def test_a_write_clears_its_domains_reads_and_not_another_domains(db, live):
    me = person(make_user(db, "both", grants={"fleet": "admin", "crm": "admin"}))
    db.commit()
    reads = (call("fleet_api.list_customers"), call("crm_api.list_agencies"))
    me.calls(*reads)
    with counted() as sent:
        me.calls(*reads)
    assert not sent, "a second run reads from the cache"

    me.calls(call("fleet_api.create_customer", {"company_name": "新規商事", **CONTACTS}))
    me.calls(call("fleet_api.create_customer", {"company_name": "二社目商事", **CONTACTS}))
    with counted() as sent:
        customers, _ = me.calls(*reads)
    assert sent == Counter({("GET", "/fleet/customers"): 1}), "the CRM's reads stay cached"
    assert {row["company_name"] for row in customers["items"]} == {"新規商事", "二社目商事"}


def test_one_agencys_change_clears_its_and_the_back_offices_reads_and_not_another_agencys(db, world, client, live):  # noqa: F811
    mine, theirs = made(submit(client, world.sales_a)), made(submit(client, world.sales_b))
    sales_a, sales_b, office = (person(as_user(db, world, name)) for name in ("sales_a", "sales_b", "operator"))
    own_list, queue = call("crm_api.list_requests", mine=True), call("crm_api.list_requests")
    steady = (call("crm_api.me"), call("crm_api.masters"), call("crm_api.vocabulary"))
    for someone, reads in ((sales_a, own_list), (sales_b, own_list), (office, queue)):
        someone.calls(reads, *steady)

    request = mine["request"]
    sales_a.calls(call("crm_api.cancel_request", request["id"], request["version"]))
    with counted() as sent:
        a_list, b_list, office_list = (
            someone.calls(reads, *steady)[0]
            for someone, reads in ((sales_a, own_list), (sales_b, own_list), (office, queue))
        )
    assert sent == Counter({("GET", "/crm/requests"): 2}), "agency B's list and the reference data stay cached"
    assert statuses(a_list) == {request["id"]: "cancelled"}
    assert statuses(office_list) == {request["id"]: "cancelled", theirs["request"]["id"]: "in_progress"}
    assert statuses(b_list) == {theirs["request"]["id"]: "in_progress"}


def test_a_persons_own_change_clears_only_their_reads_and_a_dry_run_nothing(db, world, client, live):  # noqa: F811
    made(submit(client, world.sales_a))
    sales_a, sales_a2 = person(as_user(db, world, "sales_a")), person(as_user(db, world, "sales_a2"))
    summary = call("crm_api.my_summary")
    sales_a.calls(summary)
    sales_a2.calls(summary)

    sales_a2.calls(call("crm_api.validate", "site", COMPLETE_SITE | {"version": 1}))
    sales_a.calls(call("crm_api.read_all_notifications"))
    with counted() as sent:
        sales_a.calls(summary)
        sales_a2.calls(summary)
    assert sent == Counter({("GET", "/crm/my/summary"): 1}), "only the reader of their own notifications reads again"


def test_opening_a_case_marks_it_read_for_its_reader_and_keeps_the_others_reads(db, world, client, live):  # noqa: F811
    request = made(submit(client, world.sales_a))["request"]
    operator, admin = person(as_user(db, world, "operator")), person(as_user(db, world, "admin"))
    queue = call("crm_api.list_requests")
    for someone in (operator, admin):
        someone.calls(queue)

    operator.calls(call("crm_api.mark_read", request["id"]))
    operator.calls(call("crm_api.mark_read", request["id"]))
    with counted() as sent:
        operator.calls(queue)
        admin.calls(queue)
    assert sent == Counter({("GET", "/crm/requests"): 1}), "only the reader's own list is read again"


def test_a_masters_change_clears_the_masters_of_every_role_and_scope(db, world, live):  # noqa: F811
    sales_a, sales_b, admin = (person(as_user(db, world, name)) for name in ("sales_a", "sales_b", "admin"))
    for someone in (sales_a, sales_b, admin):
        someone.calls(call("crm_api.masters"))

    option = {"code": "OPT099000", "name": "新オプション", "price_label": "100円/月(税込)"}
    admin.calls(call("crm_api.create_option", option))
    with counted() as sent:
        shown = [someone.calls(call("crm_api.masters"))[0] for someone in (sales_a, sales_b)]
    assert sent == Counter({("GET", "/crm/masters"): 2}), "read again once per scope"
    assert all("新オプション" in str(masters) for masters in shown)


def test_reference_data_is_shared_within_a_role_and_scope_and_never_across_scopes(db, live):
    sakura, momiji = make_world(db, "sakura").nursery, make_world(db, "momiji").nursery
    staff = [
        make_user(db, login, grants={"entry_logs": ("staff", str(nursery.id))})
        for login, nursery in (("staff-a", sakura), ("staff-a2", sakura), ("staff-b", momiji))
    ]
    db.commit()
    nurseries = call("entry_logs_api.nurseries")

    with counted() as sent:
        first, second, other = ([row["name"] for row in person(user).calls(nurseries)[0]] for user in staff)
    assert first == second == ["sakura保育園"]
    assert other == ["momiji保育園"], "another nursery's staff never gets the first nursery's list"
    assert sent[("GET", "/entry-logs/nurseries")] == 2, "one read per scope"


def test_the_menus_counts_are_not_read_on_every_run_and_follow_others_writes(db, world, client, open_app):  # noqa: F811
    made(submit(client, world.sales_a))
    at = open_page(open_app, as_user(db, world, "operator"), QUEUE_PAGE)
    with counted() as sent:
        at.run()
        at.run()
    assert sent[QUEUE_SUMMARY] == sent[UNREAD] == 0

    (taken,) = person(as_user(db, world, "admin")).calls(call("crm_api.take_next"))
    assert taken is not None
    with counted() as sent:
        at.run()
    assert sent[QUEUE_SUMMARY] == 1, "another person's taking a request clears the count"


def test_a_page_run_asks_who_is_signed_in_only_when_no_read_of_it_reached_the_service(db, world, client, live):  # noqa: F811
    user = as_user(db, world, "sales_a")
    sales_a = person(user)
    me, unread = ("GET", "/auth/me"), ("GET", "/crm/notifications/unread-count")
    reads = (call("api.start_run"), call("api.me"), call("crm_api.unread_count"), call("api.confirm_run"))
    with counted() as sent:
        assert sales_a.calls(*reads)[-1] is True
    assert (sent[me], sent[unread]) == (1, 1), "the first run: its user, then a read that says they still are"
    with counted() as sent:
        assert sales_a.calls(*reads)[-1] is True
    assert (sent[me], sent[unread]) == (1, 0), "every read cached: the run's end asks the service"

    admin = {"Authorization": f"Bearer {token_for(make_user(db, 'root', grants={'platform': 'admin'}))}"}
    db.commit()
    assert client.put(f"/api/admin/users/{user.id}/grants/fleet", json={"role": "viewer"}, headers=admin).is_success
    with counted() as sent:
        assert sales_a.calls(*reads)[-1] is False, "granted elsewhere: the page is to run again"
    with counted() as sent:
        assert sales_a.calls(*reads)[-1] is True
    assert sent[me] == 1 and [g["domain"] for g in sales_a.at.session_state["answers"][1]["grants"]] == ["crm", "fleet"]


def test_the_writes_a_server_keeps_are_those_of_the_last_hour_and_a_forgotten_part_never_takes_an_old_number():
    now = [0.0]
    writes = api.Writes(clock=lambda: now[0])
    signed_in = [(api.ACCOUNTS, api.PERSON_PART, f"token-{n}") for n in range(3)]
    for part in signed_in:
        writes.add([part])  # each sign-in's logout: a part of its own
    numbers = writes.of(signed_in)
    assert numbers == (1, 2, 3)

    now[0] = api.WRITES_KEPT_SECONDS / 2
    writes.add([signed_in[0]])
    now[0] = api.WRITES_KEPT_SECONDS + 1
    writes.add([(api.ACCOUNTS, api.PERSON_PART, "token-3")])
    assert writes.of(signed_in) == (4, 0, 0), "what was written over an hour ago is forgotten, the rest kept"

    writes.add([signed_in[1]])
    assert writes.of(signed_in[1:2])[0] not in {0, *numbers}, "a read keyed before it was forgotten misses"
