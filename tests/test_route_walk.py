"""Every GET route of /api/openapi.json walked as every demo role, on a database with history in it (`demo load
--history`, service/demo/history/, loaded by tests/support/history.py): every page of each list up to the last,
every filter value the OpenAPI and the domains' vocabularies know (and, for a filter whose values are data, those its
list's rows hold), every filtered list's last page too, every export. Nothing answers 5xx, every last page holds the
rows its total leaves for it, and every export has as many rows as its list's total under the same filters (its Excel
download too, counted once for each export). A role refused a list is refused before its filters are read: it is
walked with one value of each filter (all of them where that value is not refused), and its export likewise.

Path parameters are real ids, taken from the lists the route sits under (`/api/fleet/alerts/{alert_id}` from
`/api/fleet/alerts`), or from the database where no list holds them (RESOLVED_FROM_DATABASE).

The walk is split between the two passes of `make check` (HALVES): each role walks every route in one of them, the
roles dealt out in turn, and in each pass a route none of its roles could read is walked by the other pass's roles
too, until one reads it. So a whole run walks every route as every role, and each pass reads every route over the
history: every route's queries run on both backends.

Every answer names people by name (service/identity/people.py): no field that names a person (`…_by`, `author`,
`actor_name`, `…name`) nor any CSV cell outside a ログインID column holds a login id.
"""

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from operator import itemgetter
from typing import Any

import pytest
from sqlalchemy import Select, select

from service.crm.models import Image, Site
from service.demo.history import load_history
from service.entry_logs.models import Parent, RosterImport
from service.fleet.models import Customer, TerminalImport
from service.identity.models import Grant, User
from service.loaners.models import SubmissionImport
from tests.conftest import HALVES
from tests.factories import auth_headers
from tests.support.downloads import workbook_rows
from tests.support.history import HISTORY_DAYS, restore_history

pytestmark = pytest.mark.walk

PAGE_SIZE = 100  # the largest page (service/pagination.py): fewer calls for the same walk
SMALL_PAGE = 7  # the last page is read at this size too: a list of a few rows has a page 2 (an offset) then
DATA_VALUES = 4  # a filter whose values are data is walked with this many of the values its list's rows hold
SCIM_READ = "the company's directory's read, with a SCIM token (tests/service/identity/test_scim*.py)"
NOT_WALKED = {
    "/api/fleet/agent/firmware/{release_id}": "an agent's download, with an agent's token",
    "/api/reservations/cancel/{code}": "a requester's page, with the token only the SMS carries",
    "/api/reservations/survey/{inquiry_id}": "a requester's page, with the token only the survey's SMS or mail carries",
    "/api/reservations/sandbox/checkout/{session_id}": "the payment sandbox's page, not a role's",
    "/api/entry-logs/nurseries/{nursery_id}/card-jobs/{job_id}": "no card job exists until someone prints cards",
    "/api/entry-logs/nurseries/{nursery_id}/card-jobs/{job_id}/file": "no card job exists until someone prints cards",
    "/api/entry-exit-logs/parents/{parent_id}/photo": "a scan station's read, with a station's token",
    "/api/entry-exit-logs/forgotten-card/people": "a station's lookup, with the token its PIN unlock answers",
    "/api/auth/oidc/start": "the company's sign-in, with a provider (tests/service/identity/test_company_sign_in.py)",
    "/api/auth/oidc/callback": "the provider's answer, in the browser that began (test_company_sign_in.py)",
    "/api/scim/v2/Users": SCIM_READ,
    "/api/scim/v2/Users/{user_id}": SCIM_READ,
    "/api/scim/v2/Groups": SCIM_READ,
    "/api/scim/v2/Groups/{group_id}": SCIM_READ,
    "/api/scim/v2/ServiceProviderConfig": SCIM_READ,
    "/api/scim/v2/ResourceTypes": SCIM_READ,
    "/api/scim/v2/ResourceTypes/{name}": SCIM_READ,
    "/api/scim/v2/Schemas": SCIM_READ,
    "/api/scim/v2/Schemas/{urn}": SCIM_READ,
}
# query parameter -> (vocabulary route, key): the coded values a filter takes, as the pages offer them
VOCABULARY_FILTERS = {
    "/api/admin/audit": {
        "domain": ("/api/admin/audit/vocabulary", "domains"),
        "action": ("/api/admin/audit/vocabulary", "actions"),
        "target_type": ("/api/admin/audit/vocabulary", "target_types"),
    },
    "/api/crm/audit": {
        "action": ("/api/crm/audit/vocabulary", "actions"),
        "target_type": ("/api/crm/audit/vocabulary", "target_types"),
    },
    "/api/admin/outbox": {"domain": ("/api/admin/audit/vocabulary", "domains")},
    "/api/crm/requests": {"status": ("/api/crm/vocabulary", "status_labels")},
    "/api/loaners/devices": {"held_status": ("/api/loaners/vocabulary", "held_statuses")},
    "/api/loaners/views/normal": {"held_status": ("/api/loaners/vocabulary", "held_statuses")},
    "/api/loaners/views/summary/devices": {"held_status": ("/api/loaners/vocabulary", "held_statuses")},
}
PAGING = {"page_size", "pageSize"}
# a field that names who, if anyone (not the audit's actor_label: as recorded, a failed sign-in's typed login id)
PERSON_FIELD = re.compile(r"(_by|author|actor_name|name)$")
LOGIN_COLUMN = "ログインID"
# the query parameters some routes need, by name
REQUIRED = {"month": date.today().strftime("%Y-%m"), "week": date.today().isoformat()}
# a list whose export has a row per part of an item: the CSV has the items' parts (獲得案件: a corporation's sites;
# 入退管理ログ: the children of the log's parent, one row for a parent without)
ROWS_PER_ITEM: dict[str, Callable[[dict], int]] = {
    "/api/crm/acquired": itemgetter("site_count"),
    "/api/entry-exit-logs": lambda log: max(len(log["childNames"]), 1),
}
# path parameters no list holds: their real ids from the database
RESOLVED_FROM_DATABASE = {
    "/api/crm/images/{image_id}": select(Image.id).order_by(Image.ocr_page_path.is_(None), Image.id),  # read first
    "/api/crm/sites/{site_id}": Site.id,
    "/api/entry-logs/nurseries/{nursery_id}/roster-imports/{import_id}": RosterImport.id,
    "/api/fleet/imports/{import_id}": TerminalImport.id,
    "/api/loaners/imports/{import_id}": SubmissionImport.id,
    "/api/fleet/reports/monthly/{customer_id}": Customer.id,
    "/api/entry-logs/nurseries/{nursery_id}/pickup-passes/{parent_id}": select(Parent.id).where(Parent.is_pass),
}


@dataclass
class Walk:
    client: Any
    headers: dict[str, str]
    role: str
    database_ids: dict[str, list[str]]
    logins: frozenset[str] = frozenset()  # every account's login id: never shown where a person's name is
    failures: list[str] = field(default_factory=list)
    answered: set[str] = field(default_factory=set)  # route templates that answered 200
    calls: int = 0
    status: int = 0  # the last call's
    # the answers the walk looks things up in (a list's rows for the paths under it, a vocabulary's codes), each read
    # once per role: the same call again answers the same (a GET changes nothing the walk reads)
    lookups: dict[tuple[str, str], Any] = field(default_factory=dict)
    # the exports whose Excel download was counted (once each, by the first role reading rows from it: it costs),
    # shared by every role's walk
    workbooks: set[str] = field(default_factory=set)

    def get(self, template: str, path: str, params: dict | None = None):
        response = self.client.get(path, params=params or {}, headers=self.headers)
        self.calls += 1
        self.status = response.status_code
        if response.status_code >= 500:
            self.failures.append(
                f"{self.role}: GET {path} {params or ''} -> {response.status_code} {response.text[:300]}"
            )
        elif response.status_code == 200:
            self.answered.add(template)
            self.failures += [
                f"{self.role}: GET {path} {params or ''} names {shown}" for shown in self.logins_in(response)
            ]
        return response

    def logins_in(self, response) -> list[str]:
        """Where the answer shows a login id as a person: `field: login` (JSON) or `column: login` (CSV)."""
        kind = response.headers.get("content-type", "")
        if kind.startswith("application/json"):
            return [f"{key}: {value}" for key, value in person_fields(response.json()) if value in self.logins]
        if kind == "text/csv; charset=utf-8":
            head, *rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")))) or [[]]
            return [
                f"{column}: {cell}"
                for row in rows
                for column, cell in zip(head, row, strict=False)
                if cell in self.logins and column != LOGIN_COLUMN
            ]
        return []


def person_fields(body: Any) -> Iterator[tuple[str, Any]]:
    """Every (key, value) in the body whose key names a person, at any depth."""
    if isinstance(body, list):
        for item in body:
            yield from person_fields(item)
    elif isinstance(body, dict):
        for key, value in body.items():
            if PERSON_FIELD.search(key) and isinstance(value, str):
                yield key, value
            yield from person_fields(value)


def get_routes(spec: dict) -> dict[str, list[dict]]:
    """GET route template -> its query parameters (a choice declared once as an enum: its schema in place)."""
    return {
        path: [in_place(p, spec) for p in ops["get"].get("parameters", []) if p["in"] == "query"]
        for path, ops in spec["paths"].items()
        if "get" in ops and path not in NOT_WALKED
    }


def in_place(parameter: dict, spec: dict) -> dict:
    """A parameter whose schema (or one of its alternatives) refers to a component, with the component's schema."""

    def resolved(schema: dict) -> dict:
        ref = schema.get("$ref", "")
        return spec["components"]["schemas"][ref.rsplit("/", 1)[1]] if ref else schema

    schema = parameter.get("schema", {})
    if "anyOf" in schema:
        schema = schema | {"anyOf": [resolved(alternative) for alternative in schema["anyOf"]]}
    return parameter | {"schema": resolved(schema)}


def enum_values(parameter: dict) -> list[Any]:
    schema = parameter.get("schema", {})
    for alternative in schema.get("anyOf", [schema]):
        if alternative.get("enum"):
            return list(alternative["enum"])
        if alternative.get("type") == "boolean":
            return [True, False]
        if alternative.get("type") == "array" and alternative.get("items", {}).get("enum"):
            return list(alternative["items"]["enum"])
    return []


def items_of(body: Any) -> list | None:
    if isinstance(body, list):
        return body
    if isinstance(body, dict):
        for key in ("items", "logs"):
            if isinstance(body.get(key), list):
                return body[key]
    return None


def total_of(body: Any) -> int | None:
    if isinstance(body, dict):
        for key in ("total", "totalCount", "total_count"):
            if isinstance(body.get(key), int):
                return body[key]
    return None


PARAMETER = re.compile(r"\{(\w+)(?::\w+)?\}")


def key_for(name: str) -> list[str]:
    """The fields of a list's items a path parameter may be: user_id (a CRM user's), else id; code, name, kind."""
    return [name, "id"]


def values_under(walk: Walk, template: str, path: str, name: str) -> list[str]:
    """The parameter's values in the list at `path`: its first and last item's."""
    if ("list", path) not in walk.lookups:
        response = walk.get(template, path, {"page_size": PAGE_SIZE} if "{" not in template else None)
        walk.lookups["list", path] = (items_of(response.json()) or []) if response.status_code == 200 else []
    rows = walk.lookups["list", path]
    values = [next((str(row[k]) for k in key_for(name) if k in row), None) for row in rows if isinstance(row, dict)]
    found = [value for value in values if value is not None]
    return list(dict.fromkeys(found[:1] + found[-1:]))


def resolve(walk: Walk, template: str) -> list[str]:
    """Concrete paths for a template: each parameter's values from the list its route sits under."""
    names = PARAMETER.findall(template)
    if not names:
        return [template]
    name = names[-1]
    at = template.index("{" + name)
    prefix, rest = template[:at].rstrip("/"), template[at:]
    paths = []
    own = template[: at + len(name) + 2]
    for parent in resolve(walk, prefix):
        values = walk.database_ids.get(own) or values_under(walk, prefix, parent, name)
        for value in values:
            paths.append(parent + "/" + PARAMETER.sub(value, rest, count=1))
    return paths


def csv_rows(response) -> int:
    return len(list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))) - 1


def check_workbook(walk: Walk, template: str, path: str, total: int | None) -> None:
    """The export's Excel download has as many rows as its list (the first time a role reads rows from it)."""
    if template in walk.workbooks or not total:
        return
    walk.workbooks.add(template)
    response = walk.get(template, path, {"format": "xlsx"})
    rows = len(workbook_rows(response.content)) - 1 if response.status_code == 200 else None
    if rows != total:
        walk.failures.append(f"{walk.role}: GET {path} as Excel has {rows} rows, the list {total}")


def every_page(walk: Walk, template: str, path: str, params: dict, page_param: str) -> int | None:
    """Walk the list page by page up to the last; the rows its export should have (None when it is not a page)."""
    return every_page_and_rows(walk, template, path, params, page_param)[0]


def every_page_and_rows(
    walk: Walk, template: str, path: str, params: dict, page_param: str
) -> tuple[int | None, list[dict]]:
    """every_page's count, and the list's rows (its items that are records)."""
    page, parts, rows = 1, 0, []
    while True:
        response = walk.get(template, path, params | {"page": page, page_param: PAGE_SIZE})
        if response.status_code != 200:
            return None, rows
        body = response.json()
        total = total_of(body)
        rows += [item for item in items_of(body) or [] if isinstance(item, dict)]
        if template in ROWS_PER_ITEM:
            parts += sum(ROWS_PER_ITEM[template](item) for item in items_of(body) or [])
        if total is None or page * PAGE_SIZE >= total:
            return (parts if template in ROWS_PER_ITEM else total), rows
        page += 1


def last_small_page(walk: Walk, template: str, path: str, params: dict, total: int | None, page_param: str) -> None:
    """Read the list's last page (under its filters) at SMALL_PAGE rows: it answers, and holds the rows left after the
    pages before it."""
    if total is None or total <= SMALL_PAGE or template in ROWS_PER_ITEM:
        return
    last = -(-total // SMALL_PAGE)
    response = walk.get(template, path, params | {"page": last, page_param: SMALL_PAGE})
    rows = len(items_of(response.json()) or []) if response.status_code == 200 else None
    if rows != total - (last - 1) * SMALL_PAGE:
        walk.failures.append(
            f"{walk.role}: GET {path} {params or ''} page {last} of {SMALL_PAGE} has {rows} rows of {total}"
        )


def filtered_total(walk: Walk, template: str, path: str, params: dict, page_param: str) -> int | None:
    """The filtered list's total from its first page, its last page read too (at SMALL_PAGE rows)."""
    response = walk.get(template, path, params | {page_param: PAGE_SIZE})
    total = total_of(response.json()) if response.status_code == 200 else None
    last_small_page(walk, template, path, params, total, page_param)
    return total


def filter_values(walk: Walk, template: str, parameters: list[dict], rows: list[dict]) -> Iterator[dict]:
    """One query per filter value: the OpenAPI's enums and booleans, the vocabulary's codes, and for a filter whose
    values are data (a loaner's 0-4 status, its 管轄 or location, a model's category) the values the list's own rows
    hold, as a page's choices offer them (up to DATA_VALUES of them: the first and last rows' first)."""
    vocabularies = VOCABULARY_FILTERS.get(template.removesuffix("/export"), {})
    for parameter in parameters:
        name = parameter["name"]
        values = enum_values(parameter)
        if name in vocabularies:
            route, key = vocabularies[name]
            if ("vocabulary", route) not in walk.lookups:
                answer = walk.client.get(route, headers=walk.headers)
                walk.lookups["vocabulary", route] = answer.json() if answer.status_code == 200 else {}
            values = list(walk.lookups["vocabulary", route].get(key, []))
        elif not values:
            values = data_values(rows, name)
        for value in values:
            yield {name: value}


def data_values(rows: list[dict], name: str) -> list[Any]:
    """The distinct values the rows hold in the field the filter is named after (`jurisdiction`, `location_id`)."""
    held = [row[name] for row in rows if isinstance(row.get(name), str | int) and not isinstance(row[name], bool)]
    ends = held[:1] + held[-1:]
    return list(dict.fromkeys(ends + held))[:DATA_VALUES]


def required_value(parameter: dict) -> Any:
    """A required query parameter's value: its first choice, or the one REQUIRED gives its name."""
    choices = enum_values(parameter)
    return choices[0] if choices else REQUIRED[parameter["name"]]


def walk_route(walk: Walk, template: str, parameters: list[dict], exports: dict[str, tuple[str, str]]) -> None:
    page_param = next((p["name"] for p in parameters if p["name"] in PAGING), None)
    required = {p["name"]: required_value(p) for p in parameters if p.get("required")}
    for path in resolve(walk, template):
        if page_param is None:
            walk.get(template, path, required)
            continue
        whole, rows = every_page_and_rows(walk, template, path, {}, page_param)
        refused = walk.status == 403
        totals = {(): whole}
        last_small_page(walk, template, path, {}, whole, page_param)
        count = every_page if template in ROWS_PER_ITEM else filtered_total
        shown_refused: set[str] = set()  # filters of a refused list that one of their values was refused under too
        for params in filter_values(walk, template, parameters, rows):
            if shown_refused & set(params):
                continue  # the role's refusal comes before the filter is read: one value of each filter shows it
            totals[tuple(params.items())] = count(walk, template, path, params, page_param)
            if refused and walk.status == 403:
                shown_refused |= set(params)
        export = exports.get(template)
        if export is None:
            continue
        check_workbook(walk, export[0], path + export[1], totals[()])
        for params, total in totals.items():
            response = walk.get(export[0], path + export[1], dict(params))
            if response.status_code == 200 and total is not None and csv_rows(response) != total:
                walk.failures.append(
                    f"{walk.role}: GET {path}{export[1]} {dict(params)} has {csv_rows(response)} rows, the list {total}"
                )


def export_routes(routes: dict[str, list[dict]]) -> dict[str, tuple[str, str]]:
    """List template -> (export template, suffix): `…/export` beside its list, and `…/x.csv` beside `…/x`."""
    found = {}
    for template in routes:
        if template.endswith("/export") and template.removesuffix("/export") in routes:
            found[template.removesuffix("/export")] = (template, "/export")
        elif template.endswith(".csv") and template.removesuffix(".csv") in routes:
            found[template.removesuffix(".csv")] = (template, ".csv")
    return found


def demo_roles(db) -> dict[str, User]:
    """One demo user for each set of grants the demo gives (a role, scoped or not), named by its login."""
    chosen: dict[frozenset, User] = {}
    for user in db.scalars(select(User).join(Grant).where(User.is_active).order_by(User.id).distinct()):
        shape = frozenset((g.domain, g.role, g.scope is not None) for g in user.grants)
        chosen.setdefault(shape, user)
    return {user.login_id: user for user in chosen.values()}


def dealt(roles: dict[str, User], half: int) -> tuple[dict[str, User], dict[str, User]]:
    """The roles one half walks, dealt out in turn, and the other half's."""
    logins = list(roles)
    return {login: roles[login] for login in logins[half::2]}, {login: roles[login] for login in logins[1 - half :: 2]}


def ids_of(source: Any) -> Select:
    """A column's ids in order, or a query's (some rows of a table only)."""
    return source if isinstance(source, Select) else select(source).order_by(source)


@pytest.mark.parametrize("half", HALVES)
def test_every_get_route_answers_every_demo_role_on_a_database_with_history(half, client, db):
    restore_history()
    spec = client.get("/api/openapi.json").json()
    routes = get_routes(spec)
    exports = export_routes(routes)
    mine, theirs = dealt(demo_roles(db), half)
    database_ids = {
        template: [str(i) for i in db.scalars(ids_of(source))][:3]
        for template, source in RESOLVED_FROM_DATABASE.items()
    }
    logins = frozenset(db.scalars(select(User.login_id)))
    db.commit()  # the test holds no transaction while the walk reads

    walked_beside = {export for export, _ in exports.values()}  # an export: beside its list, with its filters
    walked = {template: parameters for template, parameters in routes.items() if template not in walked_beside}

    workbooks: set[str] = set()

    def walk_as(login: str, user: User, templates: dict[str, list[dict]]) -> Walk:
        walk = Walk(client, auth_headers(user), login, database_ids, logins, workbooks=workbooks)
        for template, parameters in templates.items():
            walk_route(walk, template, parameters, exports)
        return walk

    def unread() -> set[str]:
        return set(walked) - set().union(*(walk.answered for walk in walks))

    walks = [walk_as(login, user, walked) for login, user in mine.items()]
    for login, user in theirs.items():  # a route only the other half's roles read is read in this pass too
        if missing := unread():
            walks.append(walk_as(login, user, {t: p for t, p in walked.items() if t in missing}))
    failures = [failure for walk in walks for failure in walk.failures]
    assert failures == [], "\n".join(failures)
    unanswered = unread()
    assert unanswered == set(), f"routes no demo role could read on the lived-in database: {sorted(unanswered)}"
    assert load_history(HISTORY_DAYS) is False  # loading it again adds nothing
