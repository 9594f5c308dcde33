"""未読 is each person's own: a colleague, the sales manager or another operator opening a case clears nothing for
its owner or for the rest of the back office; each one's lists, counters and timeline say what they have read."""

import pytest

from tests.factories import auth_headers, make_user
from tests.service.crm.conftest import made
from tests.service.crm.requests.test_queue import resubmitted, summary
from tests.service.crm.requests.test_workflow import detail, request_with_sites
from tests.service.crm.test_visibility import make_manager

pytestmark = pytest.mark.dialect


def unread_ids(client, headers, **params) -> list[int]:
    listed = made(client.get("/api/crm/requests", params=params, headers=headers))["items"]
    return [item["id"] for item in listed if item["unread"]]


def open_case(client, headers, request_id: int) -> None:
    made(client.post(f"/api/crm/requests/{request_id}/read", headers=headers))


def sent_back(client, world) -> int:
    """A request of sales A with a deficiency on the whole request."""
    request_id, _ = request_with_sites(client, world, count=0)
    version = detail(client, world, request_id)["request"]["version"]
    body = {"message": "明細画像が不鮮明です", "version": version}
    made(client.post(f"/api/crm/requests/{request_id}/deficiencies", json=body, headers=world.operator))
    return request_id


def test_the_manager_opening_a_case_leaves_its_owners_unread(client, world):
    make_manager(client, world, "sales_a2")
    request_id = sent_back(client, world)
    assert unread_ids(client, world.sales_a, mine=True) == [request_id]
    assert unread_ids(client, world.sales_a2) == [request_id]  # news for the manager too, until they read it

    open_case(client, world.sales_a2, request_id)
    assert unread_ids(client, world.sales_a2) == []
    assert unread_ids(client, world.sales_a, mine=True) == [request_id]
    assert made(client.get("/api/crm/my/summary", headers=world.sales_a))["unread"] == 1
    owner_view = detail(client, world, request_id, world.sales_a)
    assert owner_view["request"]["unread"] is True
    assert [c["is_read"] for c in owner_view["comments"]] == [False]
    assert [c["is_read"] for c in detail(client, world, request_id, world.sales_a2)["comments"]] == [True]

    later = sent_back(client, world)
    open_case(client, world.sales_a, later)  # reading a later case reads nothing of the earlier one
    assert unread_ids(client, world.sales_a, mine=True) == [request_id]
    open_case(client, world.sales_a, request_id)
    assert unread_ids(client, world.sales_a, mine=True) == []
    assert made(client.get("/api/crm/my/summary", headers=world.sales_a))["unread"] == 0


def test_each_operator_has_their_own_unread_count_and_a_new_comment_is_news_again(client, db, world):
    other = auth_headers(make_user(db, "op2", name="投入担当2", grants={"crm": "operator"}))
    db.commit()
    back = resubmitted(client, world)
    assert summary(client, world.operator)["unread"] == summary(client, other)["unread"] == 1

    open_case(client, world.operator, back)
    assert (summary(client, world.operator)["unread"], summary(client, other)["unread"]) == (0, 1)
    assert (summary(client, world.operator)["resubmitted_unread"], summary(client, other)["resubmitted_unread"]) == (
        0,
        1,
    )
    assert unread_ids(client, other, unread=True) == [back]
    assert unread_ids(client, world.operator, unread=True) == []

    made(client.post(f"/api/crm/requests/{back}/comments", json={"message": "急ぎです"}, headers=world.sales_a))
    assert summary(client, world.operator)["unread"] == 1  # the second comment is news again for the one who read
    open_case(client, other, back)
    assert (summary(client, world.operator)["unread"], summary(client, other)["unread"]) == (1, 0)
    home = {
        figure["key"]: figure["value"]
        for figure in made(client.get("/api/crm/dashboard", headers=world.admin))["figures"]
    }
    assert home["crm.unread"] == 1  # the admin has read neither comment: one request with news for them
