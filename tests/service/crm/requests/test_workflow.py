"""Statuses (§4): the site arrows, the request's status from its sites, deficiencies, resubmission and cancelling."""

import threading

import pytest
from sqlalchemy import select

from service.audit.models import AuditEntry
from service.audit.service import Actor
from service.crm.corporations import service as corporations
from service.crm.corporations.schemas import CorporationUpdate
from service.crm.models import Corporation
from service.crm.statuses import aggregate
from service.database import session_scope
from service.errors import Conflict
from tests.service.crm.conftest import add_site, made, picture, set_status, submit
from tests.service.crm.conftest import corporation as corporation_fields

D, P, S, C, SC = "deficient", "in_progress", "submitted", "cancelled", "partly_cancelled"


@pytest.mark.parametrize(
    ("sites", "whole", "cancelled", "expected"),
    [
        ([P, D, S], False, False, D),  # いずれかの地点が「不備」 → 不備
        ([P, P], False, False, P),  # 全地点が「対応中」 → 対応中
        ([S, S], False, False, S),  # 全地点が「投入済」 → 投入済
        ([C, C], False, False, C),  # 全地点が「キャンセル」 → キャンセル
        ([P, S], False, False, P),  # 混在（不備なし） → 対応中
        ([S, C], False, False, SC),  # a withdrawn site does not hold the rest open: 一部キャンセル
        ([S, S], True, False, D),  # a deficiency on the whole request
        ([], False, False, P),  # no sites yet
        ([], True, False, D),
        ([], False, True, C),
    ],
)
def test_request_status_from_its_sites(sites, whole, cancelled, expected):
    assert aggregate(sites, whole_deficiency=whole, cancelled=cancelled) == expected


def request_with_sites(client, world, count=2):
    request = made(submit(client, world.sales_a))
    sites = [add_site(client, world, request["request"]["id"], power_branch_name=f"店舗{i}") for i in range(count)]
    return request["request"]["id"], sites


def detail(client, world, request_id, headers=None):
    return made(client.get(f"/api/crm/requests/{request_id}", headers=headers or world.operator))


@pytest.mark.dialect
def test_only_the_spec_transitions_are_allowed(client, world):
    request_id, (site, _) = request_with_sites(client, world)
    done = set_status(client, world, site, S)
    assert done["status"] == S and done["submitted_at"] is not None
    back = client.post(
        f"/api/crm/sites/{site['id']}/status", json={"status": P, "version": done["version"]}, headers=world.operator
    )
    assert back.status_code == 409 and back.json()["error"]["code"] == "transition_not_allowed"
    assert back.json()["error"]["details"]["allowed"] == []
    operator_cancel = client.post(
        f"/api/crm/sites/{site['id']}/status", json={"status": C, "version": done["version"]}, headers=world.operator
    )
    assert operator_cancel.status_code == 403


@pytest.mark.dialect
def test_the_request_status_follows_its_sites_in_the_same_transaction(client, world):
    request_id, (one, two) = request_with_sites(client, world)
    one = set_status(client, world, one, D, reason="お客様番号が読めません")
    assert detail(client, world, request_id)["request"]["status"] == D
    one = set_status(client, world, one, P)
    assert detail(client, world, request_id)["request"]["status"] == P
    set_status(client, world, one, S)
    assert detail(client, world, request_id)["request"]["status"] == P
    set_status(client, world, two, S)
    assert detail(client, world, request_id)["request"]["status"] == S


@pytest.mark.dialect
def test_a_deficiency_needs_a_reason(client, world):
    request_id, (site, _) = request_with_sites(client, world)
    no_reason = client.post(
        f"/api/crm/sites/{site['id']}/status", json={"status": D, "version": site["version"]}, headers=world.operator
    )
    assert no_reason.status_code == 422 and no_reason.json()["error"]["details"] == {
        "field": "message",
        "rule": "required",
    }
    blank = client.post(
        f"/api/crm/requests/{request_id}/deficiencies", json={"message": "   ", "version": 1}, headers=world.operator
    )
    assert blank.status_code == 422
    assert detail(client, world, request_id)["request"]["status"] == P


@pytest.mark.dialect
def test_a_deficiency_notifies_the_sales_person_and_the_badge_clears_when_read(client, world):
    request_id, _ = request_with_sites(client, world, count=0)
    version = detail(client, world, request_id)["request"]["version"]
    made(
        client.post(
            f"/api/crm/requests/{request_id}/deficiencies",
            json={"message": "明細画像が不鮮明です", "version": version},
            headers=world.operator,
        )
    )
    assert client.get("/api/crm/notifications/unread-count", headers=world.sales_a).json() == {"unread": 1}
    assert client.get("/api/crm/notifications/unread-count", headers=world.sales_a2).json() == {"unread": 0}
    mine = client.get("/api/crm/requests", params={"mine": True}, headers=world.sales_a).json()["items"]
    assert [(r["id"], r["status"], r["unread"]) for r in mine] == [(request_id, D, True)]
    note = client.get("/api/crm/notifications", headers=world.sales_a).json()["items"][0]
    assert note["kind"] == "deficiency" and "明細画像が不鮮明です" in note["message"]
    timeline = detail(client, world, request_id, world.sales_a)["comments"]
    assert [(c["type"], c["type_label"], c["audience"], c["is_read"]) for c in timeline] == [
        ("deficiency", "不備通知", "sales", False)
    ]
    assert client.post(f"/api/crm/requests/{request_id}/read", headers=world.sales_a).json() == {"unread": 0}
    assert (
        client.get("/api/crm/requests", params={"mine": True}, headers=world.sales_a).json()["items"][0]["unread"]
        is False
    )


@pytest.mark.dialect
def test_a_resubmission_returns_the_sites_to_work_and_shows_what_changed(client, world):
    request_id, (site, other) = request_with_sites(client, world)
    set_status(client, world, site, D, reason="電話番号と画像を確認してください")
    corporation = detail(client, world, request_id, world.sales_a)["corporation"]
    made(
        client.patch(
            f"/api/crm/corporations/{corporation['id']}",
            json={
                "phone1": "03-9999-0000",
                "credit_card_number": "5555555555554444",
                "version": corporation["version"],
            },
            headers=world.sales_a,
        )
    )
    made(
        client.post(
            f"/api/crm/requests/{request_id}/images",
            files=[("images", ("new.png", picture(), "image/png"))],
            headers=world.sales_a,
        )
    )
    version = detail(client, world, request_id, world.sales_a)["request"]["version"]
    note = made(
        client.post(
            f"/api/crm/requests/{request_id}/resubmit",
            json={"message": "修正しました", "version": version},
            headers=world.sales_a,
        )
    )
    assert note["type"] == "resubmission" and note["audience"] == "back_office"
    changes = note["changes"]
    assert changes["corporation"]["phone1"] == {"before": "03-1234-5678", "after": "03-9999-0000"}
    assert changes["corporation"]["credit_card_number"] == {"before": "[REDACTED]", "after": "[REDACTED]"}
    assert [i["file_name"] for i in changes["images_added"]] == ["new.png"]
    after = detail(client, world, request_id)
    assert after["request"]["status"] == P and {s["status"] for s in after["sites"]} == {P}
    queue = client.get("/api/crm/requests", params={"unread": True}, headers=world.operator).json()["items"]
    assert [r["id"] for r in queue] == [request_id]
    assert "5555555555554444" not in str(after) and "4444" in after["corporation"]["credit_card_number_masked"]


@pytest.mark.dialect
def test_only_a_deficient_request_can_be_resubmitted(client, world):
    request_id, _ = request_with_sites(client, world, count=1)
    version = detail(client, world, request_id)["request"]["version"]
    refused = client.post(f"/api/crm/requests/{request_id}/resubmit", json={"version": version}, headers=world.sales_a)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "not_deficient"


@pytest.mark.dialect
def test_cancel_only_by_the_requester_or_an_admin_and_only_while_open(client, world):
    request_id, (site, other) = request_with_sites(client, world)
    set_status(client, world, other, S)
    version = detail(client, world, request_id)["request"]["version"]
    for headers in (world.sales_a2, world.operator):
        refused = client.post(f"/api/crm/requests/{request_id}/cancel", json={"version": version}, headers=headers)
        assert refused.status_code == 403
    cancelled = made(
        client.post(f"/api/crm/requests/{request_id}/cancel", json={"version": version}, headers=world.sales_a)
    )
    assert {s["id"]: s["status"] for s in cancelled["sites"]} == {site["id"]: C, other["id"]: S}
    assert (cancelled["request"]["status"], cancelled["request"]["status_label"]) == (SC, "一部キャンセル")
    again = client.post(
        f"/api/crm/requests/{request_id}/cancel", json={"version": cancelled["request"]["version"]}, headers=world.admin
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "not_cancellable"


@pytest.mark.dialect
def test_an_admin_cancels_a_request_without_sites(client, world):
    request_id, _ = request_with_sites(client, world, count=0)
    version = detail(client, world, request_id)["request"]["version"]
    cancelled = made(
        client.post(f"/api/crm/requests/{request_id}/cancel", json={"version": version}, headers=world.admin)
    )
    assert cancelled["request"]["status"] == C and cancelled["request"]["status_label"] == "キャンセル"
    refused = client.post(f"/api/crm/requests/{request_id}/sites", json={}, headers=world.operator)
    assert refused.status_code == 409


@pytest.mark.dialect
def test_a_single_site_is_cancelled_by_its_requester(client, world):
    request_id, (site, other) = request_with_sites(client, world)
    cancelled = made(
        client.post(f"/api/crm/sites/{site['id']}/cancel", json={"version": site["version"]}, headers=world.sales_a)
    )
    assert cancelled["status"] == C
    set_status(client, world, other, S)
    assert detail(client, world, request_id)["request"]["status"] == SC


@pytest.mark.dialect
def test_the_security_code_is_deleted_when_the_request_is_done(client, db, world):
    request_id, (site,) = request_with_sites(client, world, count=1)
    corporation_id = detail(client, world, request_id)["corporation"]["id"]
    assert detail(client, world, request_id)["corporation"]["has_security_code"] is True
    set_status(client, world, site, S)
    assert detail(client, world, request_id)["corporation"]["has_security_code"] is False
    stored = db.get(Corporation, corporation_id)
    assert stored.card_security_code_encrypted is None and stored.card_number_encrypted is not None
    purge = db.scalars(select(AuditEntry).where(AuditEntry.action == "purge_security_code")).one()
    assert purge.changes["credit_card_security_code"]["after"] is None and purge.changes["request_id"] == request_id


@pytest.mark.dialect
def test_a_stale_edit_is_409_with_the_current_version(client, world):
    request_id, (site,) = request_with_sites(client, world, count=1)
    first = made(
        client.patch(
            f"/api/crm/sites/{site['id']}", json={"note": "一回目", "version": site["version"]}, headers=world.operator
        )
    )
    stale = client.patch(
        f"/api/crm/sites/{site['id']}", json={"note": "古い画面から", "version": site["version"]}, headers=world.admin
    )
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "stale_version"
    assert stale.json()["error"]["details"]["current_version"] == first["version"] == site["version"] + 1
    assert made(client.get(f"/api/crm/sites/{site['id']}", headers=world.operator))["note"] == "一回目"


@pytest.mark.dialect
def test_of_two_concurrent_edits_of_one_version_exactly_one_wins(client, world):
    corporation_id = made(submit(client, world.sales_a))["corporation"]["id"]
    barrier, outcomes = threading.Barrier(2), []

    def edit(city: str) -> None:
        barrier.wait(timeout=30)
        try:
            with session_scope() as db:
                corporation = db.get(Corporation, corporation_id)
                corporations.update_corporation(
                    db, corporation=corporation, data=CorporationUpdate(city=city, version=1), actor=Actor(type="user")
                )
            outcomes.append("ok")
        except Conflict as exc:
            outcomes.append(exc.details["current_version"])

    threads = [threading.Thread(target=edit, args=(city,)) for city in ("港区", "新宿区")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes, key=str) == [2, "ok"]


@pytest.mark.dialect
def test_every_change_is_audited_with_before_and_after(client, db, world):
    request_id, (site,) = request_with_sites(client, world, count=1)
    made(
        client.patch(
            f"/api/crm/sites/{site['id']}",
            json={"power_customer_number": "9876-5432", "version": site["version"]},
            headers=world.operator,
        )
    )
    entries = db.scalars(select(AuditEntry).where(AuditEntry.domain == "crm").order_by(AuditEntry.seq)).all()
    actions = [(e.action, e.target_type) for e in entries]
    assert actions[:4] == [("create", "corporation"), ("create", "request"), ("create", "image"), ("create", "site")]
    update = entries[-1]
    assert (update.action, update.target_type, update.actor_label) == ("update", "site", "投入担当")
    assert update.changes == {"power_customer_number": {"before": "12-3456-7890", "after": "9876-5432"}}


@pytest.mark.dialect
def test_sales_comments_show_as_unread_for_the_back_office(client, world):
    request_id, _ = request_with_sites(client, world, count=0)
    made(
        client.post(
            f"/api/crm/requests/{request_id}/comments", json={"message": "至急お願いします"}, headers=world.sales_a
        )
    )
    assert client.get("/api/crm/requests", headers=world.operator).json()["items"][0]["unread"] is True
    assert client.get("/api/crm/requests", headers=world.sales_a).json()["items"][0]["unread"] is False
    client.post(f"/api/crm/requests/{request_id}/read", headers=world.operator)
    assert client.get("/api/crm/requests", headers=world.operator).json()["items"][0]["unread"] is False
    made(
        client.post(
            f"/api/crm/requests/{request_id}/comments", json={"message": "確認しました"}, headers=world.operator
        )
    )
    assert client.get("/api/crm/notifications/unread-count", headers=world.sales_a).json() == {"unread": 1}


@pytest.mark.dialect
def test_a_deficiency_and_resubmission_with_every_field_type_filled(client, world):
    """Dates (生年月日), booleans, codes and text in the snapshot; the diff names only what changed."""
    filled = corporation_fields(
        birthday="1980-04-05",
        representative_birthday="1975-12-31",
        billing_address_same=False,
        billing_zip_code="100-0001",
        billing_prefecture="東京都",
        billing_city="千代田区",
        billing_customer_name="テスト商事 経理部",
        invoice="3",
    )
    request = made(submit(client, world.sales_a, corporation=filled))
    request_id = request["request"]["id"]
    version = detail(client, world, request_id)["request"]["version"]
    made(
        client.post(
            f"/api/crm/requests/{request_id}/deficiencies",
            json={"message": "生年月日を確認してください", "version": version},
            headers=world.operator,
        )
    )
    corp = detail(client, world, request_id, world.sales_a)["corporation"]
    made(
        client.patch(
            f"/api/crm/corporations/{corp['id']}",
            json={"birthday": "1981-04-05", "billing_address_same": True, "version": corp["version"]},
            headers=world.sales_a,
        )
    )
    version = detail(client, world, request_id, world.sales_a)["request"]["version"]
    note = made(
        client.post(
            f"/api/crm/requests/{request_id}/resubmit",
            json={"message": "修正しました", "version": version},
            headers=world.sales_a,
        )
    )
    changed = note["changes"]["corporation"]
    assert changed["birthday"] == {"before": "1980-04-05", "after": "1981-04-05"}
    assert changed["billing_address_same"] == {"before": False, "after": True}
    assert changed["billing_city"] == {"before": "千代田区", "after": ""}
    assert "representative_birthday" not in changed and "invoice" not in changed


@pytest.mark.dialect
def test_a_site_is_marked_submitted_only_with_the_carriers_required_fields(client, world):
    request_id = made(submit(client, world.sales_a))["request"]["id"]
    empty = made(client.post(f"/api/crm/requests/{request_id}/sites", json={}, headers=world.operator))
    refused = client.post(
        f"/api/crm/sites/{empty['id']}/status", json={"status": "submitted", "version": 1}, headers=world.operator
    )
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert error["code"] == "site_incomplete" and error["details"]["rule"] == "required_for_submission"
    assert error["details"]["missing"][:2] == ["pps_business_number", "application_type"]
    assert "PPS番号、申込区分、契約プラン" in error["message"]
    assert client.get(f"/api/crm/sites/{empty['id']}", headers=world.operator).json()["status"] == "in_progress"
    move_in = add_site(client, world, request_id, application_type="2", latest_charges=None, moving_in_date=None)
    response = client.post(
        f"/api/crm/sites/{move_in['id']}/status", json={"status": "submitted", "version": 1}, headers=world.operator
    )
    assert response.json()["error"]["details"]["missing"] == ["moving_in_date"]
    assert "入居日/開業日" in response.json()["error"]["message"]
    done = set_status(client, world, add_site(client, world, request_id), "submitted")
    assert done["status"] == "submitted"
