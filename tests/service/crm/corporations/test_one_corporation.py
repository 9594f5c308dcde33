"""One company is one corporation (decision 1, §3.1b): a new request naming a corporation the agency has — the same
法人番号, or without one the same name and phone — is answered with that corporation (409 duplicate_corporation) and
nothing is stored; a name-and-phone match may be confirmed as another company; duplicates that exist are merged by an
admin, their requests and sites moving with an audit entry."""

import pytest
from sqlalchemy import func, select

from service.audit.models import AuditEntry
from service.crm.models import Corporation, Image, Request, Site
from tests.service.crm.conftest import FIRST_NUMBER, add_site, corporation, made, submit


def counts(db) -> tuple[int, ...]:
    found = tuple(db.scalar(select(func.count()).select_from(table)) or 0 for table in (Corporation, Request, Image))
    db.commit()
    return found


@pytest.mark.dialect
def test_the_same_corporation_number_is_answered_with_the_corporation_the_agency_has(client, db, world):
    first = made(submit(client, world.sales_a))
    before = counts(db)
    again = submit(client, world.sales_a2, corporation=corporation(corporation_number=FIRST_NUMBER, city="別の市"))
    error = again.json()["error"]
    assert (again.status_code, error["code"], error["details"]["rule"], error["details"]["match"]) == (
        409,
        "duplicate_corporation",
        "duplicate_corporation",
        "corporation_number",
    )
    assert error["details"]["field"] == "corporation_number" and error["details"]["confirmable"] is False
    named = error["details"]["corporations"]
    assert [(c["id"], c["display_name"], c["requests"]) for c in named] == [
        (first["corporation"]["id"], "株式会社テスト商事", 1)
    ]
    assert FIRST_NUMBER in error["message"] and "既存の法人に地点を追加してください" in error["message"]
    confirmed = submit(client, world.sales_a2, corporation=corporation(corporation_number=FIRST_NUMBER), confirm=True)
    assert confirmed.status_code == 409  # a 法人番号 is one company: never a second corporation
    assert counts(db) == before  # nothing stored, no image either
    added = made(submit(client, world.sales_a2, corporation_id=first["corporation"]["id"], remarks="2地点目"))
    assert added["corporation"]["id"] == first["corporation"]["id"]
    other_agency = submit(client, world.sales_b, corporation=corporation(corporation_number=FIRST_NUMBER))
    assert other_agency.status_code == 201  # another agency's customers are its own


@pytest.mark.dialect
def test_without_a_number_the_same_name_and_phone_is_asked_to_be_confirmed(client, db, world):
    unnumbered = corporation(corporation_number="", phone1="03-1234-5678")
    first = made(submit(client, world.sales_a, corporation=unnumbered))
    same = submit(client, world.sales_a, corporation=unnumbered | {"phone1": "0312345678"})
    details = same.json()["error"]["details"]
    assert (same.status_code, details["match"], details["field"], details["confirmable"]) == (
        409,
        "name_and_phone",
        "phone1",
        True,
    )
    assert [c["id"] for c in details["corporations"]] == [first["corporation"]["id"]]
    assert submit(client, world.sales_a, corporation=unnumbered | {"phone1": "03-9999-0000"}).status_code == 201
    confirmed = made(submit(client, world.sales_a, corporation=unnumbered, confirm=True))
    assert confirmed["corporation"]["id"] != first["corporation"]["id"]  # told it is another company of that name
    assert counts(db)[0] == 3


def test_the_check_digit_is_checked_in_japanese(client, world):
    wrong = submit(client, world.sales_a, corporation=corporation(corporation_number="1000012050002"))
    error = wrong.json()["error"]
    assert (wrong.status_code, error["details"]["rule"]) == (422, "corporation_number_check_digit")
    assert "法人番号のチェックデジットが一致しません" in error["message"]


@pytest.mark.dialect
def test_an_edit_cannot_give_a_corporation_another_ones_number(client, world):
    first = made(submit(client, world.sales_a))
    second = made(submit(client, world.sales_a))
    body = {"corporation_number": FIRST_NUMBER, "version": second["corporation"]["version"]}
    taken = client.patch(f"/api/crm/corporations/{second['corporation']['id']}", json=body, headers=world.sales_a)
    assert (taken.status_code, taken.json()["error"]["code"]) == (409, "duplicate_corporation")
    assert [c["id"] for c in taken.json()["error"]["details"]["corporations"]] == [first["corporation"]["id"]]
    same = {"corporation_number": FIRST_NUMBER, "city": "港区", "version": first["corporation"]["version"]}
    kept = client.patch(f"/api/crm/corporations/{first['corporation']['id']}", json=same, headers=world.sales_a)
    assert kept.status_code == 200  # its own number again


@pytest.mark.dialect
def test_an_admin_merges_a_duplicate_and_its_requests_and_sites_move(client, db, world):
    unnumbered = corporation(corporation_number="")
    kept = made(submit(client, world.sales_a, corporation=unnumbered))
    duplicate = made(submit(client, world.sales_a2, corporation=unnumbered, confirm=True))
    site = add_site(client, world, duplicate["request"]["id"])
    other = made(submit(client, world.sales_b))
    path = f"/api/crm/corporations/{kept['corporation']['id']}/merge"
    body = {"duplicate_id": duplicate["corporation"]["id"]}
    assert client.post(path, json=body, headers=world.sales_a).status_code == 403
    assert client.post(path, json=body, headers=world.operator).status_code == 403
    for refused, rule in (
        ({"duplicate_id": kept["corporation"]["id"]}, "merge_itself"),
        ({"duplicate_id": other["corporation"]["id"]}, "same_agency"),
        ({"duplicate_id": 999999}, "exists"),
    ):
        answer = client.post(path, json=refused, headers=world.admin)
        assert (answer.status_code, answer.json()["error"]["details"]["rule"]) == (422, rule)
    merged = client.post(path, json=body, headers=world.admin)
    assert merged.status_code == 200
    db.expire_all()
    assert db.get(Corporation, duplicate["corporation"]["id"]) is None
    moved = db.get(Request, duplicate["request"]["id"])
    assert (moved.corporation_id, db.get(Site, site["id"]).corporation_id) == (kept["corporation"]["id"],) * 2
    db.commit()
    listed = client.get(
        "/api/crm/requests", params={"corporation_id": kept["corporation"]["id"]}, headers=world.operator
    ).json()
    assert {item["id"] for item in listed["items"]} == {kept["request"]["id"], duplicate["request"]["id"]}
    entries = db.scalars(
        select(AuditEntry).where(AuditEntry.domain == "crm", AuditEntry.target_type == "corporation")
    ).all()
    merge = next(e for e in entries if e.action == "merge")
    assert (merge.target_id, merge.changes["merged_corporation"], merge.changes["moved_requests"]) == (
        str(kept["corporation"]["id"]),
        duplicate["corporation"]["id"],
        [duplicate["request"]["id"]],
    )
    assert merge.changes["moved_sites"] == [site["id"]]
    assert any(e.action == "delete" and e.target_id == str(duplicate["corporation"]["id"]) for e in entries)
    db.commit()
    again = client.post(path, json=body, headers=world.admin)
    assert again.status_code == 422  # the duplicate is gone
