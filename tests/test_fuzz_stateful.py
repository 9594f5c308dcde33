"""The stateful fuzzer: schemathesis chains real calls along OpenAPI links and checks every answer on the way.

Three chains, each create → read → update → delete (or its domain's equivalent), with the ids and versions each
answer gives passed on to the next call:
- 代理店CRM requests: POST /api/crm/requests → GET, PATCH (with the version read) → POST …/cancel;
- 端末管理 alerts (no create operation: the lived-in database's alerts): GET /api/fleet/alerts → GET one, notes,
  acknowledge → resolve;
- 入退管理: POST /api/entry-logs/parents → GET, PATCH, a station scan of that parent (POST /api/entry-exit-logs) →
  the log list and DELETE of that log → DELETE the parent.
The links live in this test's copy of the schema, not in the service's OpenAPI. Values no generator can guess (the
CRM payload, the nursery of a new parent) are narrowed to a valid one; negative examples still vary them. Each step
runs the stateless stage's checks plus use_after_free and ensure_resource_availability, with a fixed seed and a
bounded number of scenarios and steps, on the lived-in database (tests/support/history.py). A failure names the calls
and gives a curl for each.
"""

import copy
import itertools
import json
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.core.transport import Response
from schemathesis.specs.openapi.checks import ensure_resource_availability, use_after_free
from sqlalchemy import select

from service.crm.models import Agency
from service.database import session_scope, utcnow
from service.entry_logs.models import Nursery
from service.entry_logs.station import issue_station_token
from tests.conftest import openapi_spec
from tests.factories import make_user, token_for
from tests.service.crm.conftest import corporation
from tests.support.history import restore_history
from tests.support.live_server import live_api  # noqa: F401 (fixture)
from tests.test_fuzz_api import CALLERS, CHECKS, SEED

pytestmark = pytest.mark.walk

SCENARIOS = 8
MAX_STEPS = 8
SCAN = ("POST", "/api/entry-exit-logs")
NEW_REQUEST = {
    "corporation": corporation(last_name="株式会社ファズ商事", last_name_kana="カブシキガイシャファズショウジ"),
    "remarks": "ファズ",
}
REQUEST = "/api/crm/requests/{request_id}"
ALERT = "/api/fleet/alerts/{alert_id}"
PARENT = "/api/entry-logs/parents/{parent_id}"
# source (method, path, status) -> [(target method, target path, parameters, request body)]
ID, VERSION = "$response.body#/id", "$response.body#/version"
FIRST_ALERT = "$response.body#/items/0/id"
Links = dict[tuple[str, str, str], list[tuple[str, str, dict[str, str], dict[str, str] | None]]]
CRM_LINKS: Links = {
    ("post", "/api/crm/requests", "201"): [
        ("get", REQUEST, {"request_id": ID}, None),
        ("patch", REQUEST, {"request_id": ID}, {"version": VERSION}),
        ("post", f"{REQUEST}/cancel", {"request_id": ID}, {"version": VERSION}),
    ],
    ("patch", REQUEST, "200"): [
        ("get", REQUEST, {"request_id": ID}, None),
        ("post", f"{REQUEST}/cancel", {"request_id": ID}, {"version": VERSION}),
    ],
}
ALERT_LINKS: Links = {
    ("get", "/api/fleet/alerts", "200"): [
        ("get", ALERT, {"alert_id": FIRST_ALERT}, None),
        ("post", f"{ALERT}/notes", {"alert_id": FIRST_ALERT}, None),
        ("post", f"{ALERT}/acknowledge", {"alert_id": FIRST_ALERT}, None),
        ("post", f"{ALERT}/resolve", {"alert_id": FIRST_ALERT}, None),
    ],
    ("get", ALERT, "200"): [
        ("post", f"{ALERT}/acknowledge", {"alert_id": ID}, None),
        ("post", f"{ALERT}/resolve", {"alert_id": ID}, None),
    ],
}
ENTRY_LINKS: Links = {
    ("post", "/api/entry-logs/parents", "201"): [
        ("get", PARENT, {"parent_id": ID}, None),
        ("patch", PARENT, {"parent_id": ID}, None),
        ("delete", PARENT, {"parent_id": ID}, None),
        ("post", "/api/entry-exit-logs", {}, {"parentId": ID, "nurseryId": "$response.body#/nurseryId"}),
    ],
    ("patch", PARENT, "200"): [
        ("get", PARENT, {"parent_id": ID}, None),
        ("delete", PARENT, {"parent_id": ID}, None),
    ],
    ("post", "/api/entry-exit-logs", "201"): [
        ("get", "/api/entry-exit-logs", {"query.nurseryId": "$response.body#/nurseryId"}, None),
        ("delete", "/api/entry-exit-logs/{log_id}", {"log_id": ID}, None),
    ],
}
CHAINS = {"crm_requests": CRM_LINKS, "fleet_alerts": ALERT_LINKS, "entry_logs": ENTRY_LINKS}
STATEFUL_SETTINGS = settings(
    max_examples=SCENARIOS,
    stateful_step_count=MAX_STEPS,
    deadline=None,
    derandomize=True,
    database=None,
    # the server keeps its state between scenarios, so a replay differs: report the first failure as found
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def chained_schema(links: Links, agency_id: int, nursery_id: int) -> dict[str, Any]:
    """A chain's operations from the app's OpenAPI, with its links and the narrowed inputs."""
    full = openapi_spec()
    wanted = {(method, path) for method, path, _ in links} | {
        (method, path) for targets in links.values() for method, path, *_ in targets
    }
    paths: dict[str, dict[str, Any]] = {}
    for method, path in wanted:
        paths.setdefault(path, {})[method] = copy.deepcopy(full["paths"][path][method])
    operation_ids = {(m, p): operation["operationId"] for p, ops in paths.items() for m, operation in ops.items()}
    for (method, path, status), targets in links.items():
        declared = paths[path][method]["responses"][status].setdefault("links", {})
        for target_method, target_path, parameters, body in targets:
            link: dict[str, Any] = {"operationId": operation_ids[(target_method, target_path)]}
            if parameters:
                link["parameters"] = parameters
            if body:
                link["requestBody"] = body
            declared[f"{target_method}{target_path}"] = link
    schemas = copy.deepcopy(full["components"]["schemas"])
    # the CRM payload is JSON inside a form field, and images are the stateless stage's business
    create = schemas["Body_create_request_api_crm_requests_post"]  # the chains share one world
    create["properties"] = {
        "payload": {"type": "string", "enum": [json.dumps(NEW_REQUEST | {"agency_id": agency_id}, ensure_ascii=False)]}
    }
    schemas["ParentCreate"]["properties"]["nurseryId"] = {"type": "integer", "enum": [nursery_id]}
    return full | {"paths": paths, "components": full["components"] | {"schemas": schemas}}


@dataclass(frozen=True)
class World:
    """What a scenario starts from: the chains' fixed ids and the callers' tokens."""

    agency_id: int
    nursery_id: int
    admin: str
    station: str


CALLER_SERIAL = itertools.count()  # each scenario's admin is a new account (the database is not put back between them)


def lived_in_world() -> World:
    """The lived-in database's first agency and nursery, a new platform admin and a station signed in at the nursery.

    The database is put back to the lived-in history once per chain; its scenarios then work on what the ones before
    them left, as people do (the fixed seed makes that the same every run)."""
    with session_scope() as db:
        agency = db.scalars(select(Agency).where(Agency.is_active).order_by(Agency.id)).first()
        nursery = db.scalars(select(Nursery).order_by(Nursery.id)).first()
        assert agency is not None and nursery is not None, "the lived-in history has an agency and a nursery"
        login = f"fuzz-platform-admin-{next(CALLER_SERIAL)}"
        admin = token_for(make_user(db, login, grants=CALLERS["platform-admin"]))
        return World(agency.id, nursery.id, admin, issue_station_token(db, nursery, now=utcnow()).token)


def state_machine(links: Links, base_url: str, answered: set[tuple[str, str, int]]) -> type:
    """A chain's state machine on the live server, on the lived-in database: each call with its caller's token."""
    restore_history()
    first = lived_in_world()
    schema = schemathesis.openapi.from_dict(
        chained_schema(links, first.agency_id, first.nursery_id),
        config=SchemathesisConfig.from_dict(
            {
                "seed": SEED,
                "generation": {"mode": "all", "with-security-parameters": False},
                "phases": {"stateful": {"inference": {"algorithms": []}, "max-steps": MAX_STEPS}},
                "output": {"sanitization": {"enabled": False}},
            }
        ),
    )

    class Chains(schema.as_state_machine()):  # type: ignore[misc]
        world = first

        def setup(self) -> None:
            self.world = lived_in_world()

        def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
            station_call = (case.operation.method.upper(), case.operation.path) == SCAN
            token = self.world.station if station_call else self.world.admin
            return {"base_url": base_url, "headers": {"Authorization": f"Bearer {token}"}}

        def after_call(self, response: Response, case: schemathesis.Case) -> None:
            super().after_call(response, case)
            answered.add((case.operation.method.upper(), case.operation.path, response.status_code))

        def validate_response(self, response: Response, case: schemathesis.Case, *_: Any, **kwargs: Any) -> None:
            __tracebackhide__ = True
            checks = [*CHECKS, use_after_free, ensure_resource_availability]
            case.validate_response(response, checks=checks, transport_kwargs=kwargs, recorder=self.recorder)

    return Chains


@pytest.mark.parametrize("chain", CHAINS)
def test_create_read_update_delete_chain_answers_what_it_declares(chain: str, live_api: str) -> None:
    answered: set[tuple[str, str, int]] = set()
    state_machine(CHAINS[chain], live_api, answered).run(settings=STATEFUL_SETTINGS)
    written = {(method, path) for method, path, status in answered if method != "GET" and 200 <= status < 300}
    assert written, f"the {chain} chain never wrote anything: {sorted(answered)}"
