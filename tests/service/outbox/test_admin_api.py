"""The 送信履歴 API: list with filters and pages, detail with attempts, audited retry; admins only."""

import pytest
from sqlalchemy import select

from service.audit.models import AuditEntry
from service.database import session_scope, utcnow
from service.outbox.delivery import deliver
from tests.factories import auth_headers, make_user
from tests.service.outbox.helpers import enqueue_committed, read

LIST_FIELDS = {
    "id",
    "channel",
    "recipient",
    "subject",
    "status",
    "attempts",
    "provider_message_id",
    "delivery_status",
    "last_error",
    "domain",
    "ref_type",
    "ref_id",
    "created_at",
    "sent_at",
    "next_attempt_at",
}


def admin_headers(db):
    headers = auth_headers(make_user(db, "admin1", grants={"platform": "admin"}))
    db.commit()
    return headers


def failed_sms(settings) -> int:
    message_id = enqueue_committed(channel="sms", recipient="+15005550001", body="予約確認", domain="reservations")
    assert deliver(session_scope, message_id, now=utcnow(), settings=settings).outcome == "failed"
    return message_id


@pytest.mark.dialect
def test_list_filters_by_status_channel_and_domain_and_pages_newest_first(client, db, settings):
    headers = admin_headers(db)
    ids = [enqueue_committed(recipient=f"p{n}@example.jp", domain="entry_logs") for n in range(3)]
    slack = enqueue_committed(channel="slack", recipient="#ops", domain="fleet")
    failed = failed_sms(settings)

    page = client.get("/api/admin/outbox", params={"page": 1, "page_size": 2}, headers=headers).json()
    assert page["total"] == 5 and page["page"] == 1 and page["page_size"] == 2
    assert [item["id"] for item in page["items"]] == [failed, slack]
    assert set(page["items"][0]) == LIST_FIELDS

    def ids_for(**params):
        return [i["id"] for i in client.get("/api/admin/outbox", params=params, headers=headers).json()["items"]]

    assert ids_for(channel="email") == ids[::-1]
    assert ids_for(domain="fleet") == [slack]
    assert ids_for(status="failed") == [failed]
    assert ids_for(status="pending", channel="slack") == [slack]


def test_an_unknown_filter_value_is_a_clear_422(client, db):
    response = client.get("/api/admin/outbox", params={"status": "lost"}, headers=admin_headers(db))
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["loc"] == ["query", "status"]


@pytest.mark.dialect
def test_detail_shows_the_body_and_every_attempt(client, db, settings):
    headers = admin_headers(db)
    message_id = failed_sms(settings)
    detail = client.get(f"/api/admin/outbox/{message_id}", headers=headers).json()
    assert detail["body"] == "予約確認" and detail["status"] == "failed"
    assert detail["last_error"] == "sandbox: invalid number"
    [attempt] = detail["attempts_log"]
    assert attempt["number"] == 1 and attempt["outcome"] == "invalid_recipient"
    assert attempt["error"] == "sandbox: invalid number" and attempt["finished_at"] is not None
    assert set(attempt) == {"number", "started_at", "finished_at", "outcome", "error", "provider_message_id"}


@pytest.mark.dialect
def test_retry_puts_a_failed_message_back_due_now_and_is_audited(client, db, settings):
    headers = admin_headers(db)
    message_id = failed_sms(settings)

    response = client.post(f"/api/admin/outbox/{message_id}/retry", headers=headers)

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["attempts"], body["last_error"]) == ("pending", 0, None)
    assert len(body["attempts_log"]) == 1
    with session_scope() as session:
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "outbox_retry"))
    assert entry.actor_label == "admin1" and entry.target_id == str(message_id)
    assert entry.changes["status"] == {"before": "failed", "after": "pending"}
    assert entry.changes["attempts"] == {"before": 1, "after": 0}
    assert entry.changes["last_error"]["before"] == "sandbox: invalid number"
    assert deliver(session_scope, message_id, now=utcnow(), settings=settings).outcome == "failed"
    assert [a.number for a in read(message_id).attempt_log] == [1, 2]


def test_only_a_failed_message_can_be_retried(client, db):
    headers = admin_headers(db)
    message_id = enqueue_committed()
    response = client.post(f"/api/admin/outbox/{message_id}/retry", headers=headers)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "outbox_not_failed"
    assert read(message_id).status == "pending"


def test_an_unknown_id_is_404(client, db):
    response = client.get("/api/admin/outbox/999999", headers=admin_headers(db))
    assert response.status_code == 404


def test_people_without_the_platform_admin_role_get_403(client, db):
    headers = auth_headers(make_user(db, "operator1", grants={"reservations": "operator"}))
    db.commit()
    message_id = enqueue_committed()
    for method, path in (
        ("GET", "/api/admin/outbox"),
        ("GET", f"/api/admin/outbox/{message_id}"),
        ("POST", f"/api/admin/outbox/{message_id}/retry"),
    ):
        response = client.request(method, path, headers=headers)
        assert response.status_code == 403, path
        assert response.json()["error"]["code"] == "forbidden"
    assert client.get("/api/admin/outbox").status_code == 401
