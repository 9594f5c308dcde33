"""投入案件一覧 for the input team: the menu's counts (open work, news, unopened resubmissions), the list opening on
open work with unread cases first (a new request nobody of the back office has opened among them), and resubmitted
cases marked as such."""

import pytest

from service.crm.models import DEFICIENT, IN_PROGRESS
from tests.factories import auth_headers, make_user
from tests.service.crm.conftest import made, set_status
from tests.service.crm.requests.test_workflow import detail, request_with_sites

pytestmark = pytest.mark.dialect


def summary(client, headers) -> dict:
    return made(client.get("/api/crm/requests/queue-summary", headers=headers))


def resubmitted(client, world) -> int:
    """A request sent back for one site and resubmitted by its sales person."""
    request_id, (site, _) = request_with_sites(client, world)
    set_status(client, world, site, DEFICIENT, reason="供給地点特定番号が読めません")
    version = detail(client, world, request_id, world.sales_a)["request"]["version"]
    made(
        client.post(
            f"/api/crm/requests/{request_id}/resubmit",
            json={"message": "撮り直しました", "version": version},
            headers=world.sales_a,
        )
    )
    return request_id


def queue(client, headers, **params) -> list[dict]:
    return made(client.get("/api/crm/requests", params=params, headers=headers))["items"]


def open_case(client, headers, request_id: int) -> None:
    made(client.post(f"/api/crm/requests/{request_id}/read", headers=headers))


def test_a_resubmission_is_counted_until_the_operator_opens_it(client, world):
    older, _ = request_with_sites(client, world, count=1)
    back = resubmitted(client, world)
    newer, _ = request_with_sites(client, world, count=1)
    open_case(client, world.operator, older)
    open_case(client, world.operator, newer)
    assert summary(client, world.operator) == {"open": 3, "unread": 1, "resubmitted_unread": 1, "unassigned": 3}

    listed = queue(client, world.operator, status=IN_PROGRESS, unread_first=True)
    assert [item["id"] for item in listed] == [back, newer, older]
    assert [item["resubmitted_at"] is not None for item in listed] == [True, False, False]
    assert [item["unread"] for item in listed] == [True, False, False]

    open_case(client, world.operator, back)
    assert summary(client, world.operator) == {"open": 3, "unread": 0, "resubmitted_unread": 0, "unassigned": 3}
    listed = queue(client, world.operator, status=IN_PROGRESS, unread_first=True)
    assert [item["id"] for item in listed] == [newer, back, older]
    assert listed[1]["resubmitted_at"] is not None  # still marked as resubmitted while it waits


def test_a_new_request_is_unread_to_the_back_office_until_one_of_them_opens_it(client, db, world):
    """Nobody of the back office has opened it: 未読 to each of them, first in the list; its sales person opening it
    changes nothing; once one operator opened it, it is read for all (and opening it again changes nothing)."""
    other = auth_headers(make_user(db, "op2", name="投入担当2", grants={"crm": "operator"}))
    db.commit()
    older, _ = request_with_sites(client, world, count=1)
    open_case(client, world.operator, older)
    new, _ = request_with_sites(client, world, count=1)
    open_case(client, world.sales_a, new)  # the sales side's opening is not the back office's

    for headers in (world.operator, other, world.admin):
        assert summary(client, headers)["unread"] == 1
        listed = queue(client, headers, status=IN_PROGRESS, unread_first=True)
        assert [(item["id"], item["unread"]) for item in listed] == [(new, True), (older, False)]
        assert [item["id"] for item in queue(client, headers, unread=True)] == [new]
        assert detail(client, world, new, headers)["request"]["unread"] is True
    assert [item["unread"] for item in queue(client, world.sales_a, mine=True)] == [False, False]

    open_case(client, other, new)
    open_case(client, other, new)
    for headers in (world.operator, other, world.admin):
        assert summary(client, headers)["unread"] == 0
        assert not any(item["unread"] for item in queue(client, headers, status=IN_PROGRESS))
        assert detail(client, world, new, headers)["request"]["unread"] is False
    newest, _ = request_with_sites(client, world, count=1)
    assert [item["id"] for item in queue(client, world.operator, unread=True)] == [newest]


def test_the_counts_are_the_back_offices_and_only_for_it(client, world):
    resubmitted(client, world)
    refused = client.get("/api/crm/requests/queue-summary", headers=world.sales_a)
    assert refused.status_code == 403
    assert summary(client, world.admin) == {"open": 1, "unread": 1, "resubmitted_unread": 1, "unassigned": 1}
