"""予約's chapter: reservations worked, the catalogue and shops changed, incidents, inquiries and the on-call
rota."""

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from service.config import get_settings
from service.database import session_scope, utcnow
from service.demo.history.office import MISTYPED_EMAIL, Office
from service.outbox import delivery
from service.outbox.models import OutboxMessage
from service.reservations.support import surveys

NO_SMS_PHONE = "+15005550009"  # a requester's number that takes no SMS (the sandbox, as Twilio's test number)


def reservations_history(office: Office) -> None:
    operator, support = "resv-operator", "resv-support"
    listed = office.get(operator, "/api/reservations/reservations", page_size=100)["items"]
    by_status: dict[str, list[str]] = {}
    for reservation in listed:
        by_status.setdefault(reservation["status"], []).append(reservation["code"])
    me = office.get(operator, "/api/auth/me")
    for code in by_status.get("payment_timeout", [])[:2]:
        office.post(support, f"/api/reservations/reservations/{code}/notes", {"body": "依頼者から電話"})
        opened = {"reservation_code": code, "op_type": "payment_timeout", "reason": "決済期限切れの問い合わせ"}
        operation = office.post(support, "/api/reservations/manual-operations", opened)
        ops = f"/api/reservations/manual-operations/{operation['id']}"
        office.post(operator, f"{ops}/assign", {"assignee_id": me["id"]})
        office.post(operator, f"{ops}/resolve", {"resolution": "対応済み"})
    _work_reservation(office, operator, by_status)
    services = office.get(operator, "/api/reservations/services")
    trial = {"name": "履歴お試しクリーニング", "price": 5000, "duration_minutes": 60}
    made = office.post(operator, "/api/reservations/services", trial)
    office.call(operator, "PATCH", f"/api/reservations/services/{made['id']}", json={"price": 5500})
    office.call(operator, "DELETE", f"/api/reservations/services/{made['id']}")
    shop = office.post(
        operator,
        "/api/reservations/shops",
        {"name": "履歴クリーン", "phone": "03-1234-5678", "service_type_ids": [services[0]["id"]]},
    )
    stop = {"reason": "店舗から「今後の自動電話は不要」と連絡あり"}
    office.post(operator, f"/api/reservations/shops/{shop['id']}/auto-calls/stop", stop)
    office.post(operator, f"/api/reservations/shops/{shop['id']}/auto-calls/lift")
    office.call(operator, "PATCH", f"/api/reservations/shops/{shop['id']}", json={"active": False})
    office.call(operator, "DELETE", f"/api/reservations/shops/{shop['id']}")
    for day in (40, 3):
        when = _ago(timedelta(days=day))
        incident = {"title": "SMS送信不可", "level": "high", "occurred_at": when, "impact": "12件"}
        made = office.post(support, "/api/reservations/incidents", incident)
        if day > 10:
            recovered = _ago(timedelta(days=day - 1))
            office.call(support, "PATCH", f"/api/reservations/incidents/{made['id']}", json={"recovered_at": recovered})
        office.post(support, f"/api/reservations/incidents/{made['id']}/escalate")
    _support_inquiries(office, support)
    key = office.post(operator, "/api/reservations/mcp-clients", {"name": "履歴AI"})
    office.post(operator, f"/api/reservations/mcp-clients/{key['id']}/revoke")
    _on_call(office, operator, support)


def _on_call(office: Office, operator: str, support: str) -> None:
    people = [p["id"] for p in office.get(operator, "/api/reservations/assignees") if p["role"] == "operator"]
    members = [{"user_id": user_id, "phone": f"090-0000-{index:04d}"} for index, user_id in enumerate(people, 1)]
    monday = utcnow().date() - timedelta(days=utcnow().weekday() + 7)
    office.call(
        operator,
        "PUT",
        "/api/reservations/on-call/rotation",
        json={"period": "week", "starts_on": monday.isoformat(), "members": members},
    )
    taken = office.get(operator, "/api/reservations/on-call")["overrides"]
    today = utcnow().date()
    windows = [
        {"start_date": str(today + timedelta(days=first)), "end_date": str(today + timedelta(days=last))}
        for first, last in ((3, 4), (10, 12), (17, 19))
    ]
    free = [
        w for w in windows if all(w["end_date"] < o["start_date"] or o["end_date"] < w["start_date"] for o in taken)
    ]
    for days in free[:2]:
        override = office.post(operator, "/api/reservations/on-call/overrides", {"user_id": people[-1], **days})
    office.call(operator, "DELETE", f"/api/reservations/on-call/overrides/{override['id']}")
    when = utcnow().replace(microsecond=0, tzinfo=None).isoformat()
    incident = {"title": "決済システム停止", "level": "critical", "occurred_at": when, "impact": "決済不可"}
    made = office.post(support, "/api/reservations/incidents", incident)
    office.post(support, f"/api/reservations/incidents/{made['id']}/acknowledge")


def _ago(delta: timedelta) -> str:
    """Japan time, to the second, as a form sends it."""
    japan = ZoneInfo(get_settings().timezone)
    return (utcnow() - delta).astimezone(japan).replace(microsecond=0, tzinfo=None).isoformat()


# (days ago, minutes to the first response, hours to the resolution, rating): the last within the hour, so this week and
# this quarter always hold some
INQUIRIES = (  # days ago, minutes to the first response, hours to resolution, rating, channel
    (40, 30, 20, 4, "email"),
    (10, 15, 30, 3, "email"),
    (5, 90, 6, 5, "email"),
    (2, 0, 26, None, "phone"),
    (0, 10, 0.5, 4, "phone"),
    (0, None, None, None, "email"),
)


def _support_inquiries(office: Office, support: str) -> None:
    """§7."""
    path = "/api/reservations/inquiries"
    made: list[dict] = []
    for days, answered, resolved, rating, channel in INQUIRIES:
        received = timedelta(days=days, hours=1 if days else 0, minutes=50)
        inquiry: dict[str, Any] = {
            "channel": channel,
            "requester_type": "requester",
            "requester": "山田",
            "contact_phone": "090-1234-5678",
            "received_at": _ago(received),
            "question": "キャンセルの手順を教えてください",
        }
        if answered is not None:
            inquiry |= {"first_responded_at": _ago(received - timedelta(minutes=answered)), "answer": "手順を案内"}
        made.append(asked := office.post(support, path, inquiry))
        if resolved is not None:
            done = {"resolved_at": _ago(received - timedelta(hours=resolved))} | (
                {"satisfaction": rating} if rating else {}
            )
            office.call(support, "PATCH", f"{path}/{asked['id']}", json=done)
    newest = made[-2]["id"]
    office.call(support, "PATCH", f"{path}/{newest}", json={"satisfaction": None})
    office.post(support, f"{path}/{newest}/survey", {"channel": "sms"})
    answered_on_page = {"token": surveys.survey_token(newest), "rating": "5"}
    office.client.post(f"/api/reservations/survey/{newest}", data=answered_on_page)


def _notice_sent_by_email(office: Office, operator: str, code: str) -> None:
    """The reservation is over, so the operation is not urgent."""
    with session_scope() as db:
        waiting = list(db.scalars(select(OutboxMessage.id).where(OutboxMessage.recipient == NO_SMS_PHONE)))
    for message_id in waiting:
        delivery.deliver(session_scope, message_id, now=utcnow())
    found = office.get(operator, "/api/reservations/manual-operations", op_type="sms_failed", priority="low")
    for operation in found["items"][:1]:
        sent = {"email": f"history-{code.lower()}@example.jp"}
        office.post(operator, f"/api/reservations/manual-operations/{operation['id']}/send-email", sent)


def _work_reservation(office: Office, operator: str, by_status: dict[str, list[str]]) -> None:
    path = "/api/reservations/reservations"
    for code in by_status.get("pending_shop_response", [])[:1]:
        detail = office.get(operator, f"{path}/{code}")
        office.call(operator, "PATCH", f"{path}/{code}", json={"details": "3LDK 水回り 追記あり"})
        shops = office.get(operator, "/api/reservations/shops", page_size=1, service_type_id=detail["service_type_id"])
        office.post(operator, f"{path}/{code}/accept", {"shop_id": shops["items"][0]["id"]})
    for code in by_status.get("all_declined", [])[:1]:
        found = {"name": "電話で見つけた店", "phone": "03-1234-5678", "notes": "担当 佐藤様"}
        office.post(operator, f"{path}/{code}/accept", {"one_off_shop": found})
    for code in by_status.get("change_requested", [])[:1]:
        office.post(operator, f"{path}/{code}/resume-calling")
    for code in by_status.get("awaiting_payment", [])[:1]:
        amount = office.get(operator, f"{path}/{code}")["amount"]
        office.call(operator, "PATCH", f"{path}/{code}", json={"requester_email": MISTYPED_EMAIL})
        office.post(operator, f"{path}/{code}/payment-link", {"channel": "email"})
        office.call(operator, "PATCH", f"{path}/{code}", json={"amount": amount + 1000})
    for code in by_status.get("confirmed", [])[:1]:
        office.call(operator, "PATCH", f"{path}/{code}", json={"requester_phone": NO_SMS_PHONE})
        office.post(operator, f"{path}/{code}/cancel", {"reason": "依頼者の都合"})
        _notice_sent_by_email(office, operator, code)
