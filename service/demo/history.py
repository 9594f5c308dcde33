"""`demo load --history DAYS`: the demo as people have used it, so every list, filter, page and export has something in
it and every kind of audit entry exists.

After the demo is committed, its people work through the service's own API, in process (the routes, checks and audit
entries are the real ones). Dated volume the API cannot backdate is inserted in bulk, `days` back from now. Seeded (the
same DAYS gives the same history) and idempotent: the history's own clerk account marks it as loaded."""

import base64
import hashlib
import io
import json
import logging
import random
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.audit import service as audit
from service.backup import service as backups
from service.config import get_settings, parse_fernet_keys
from service.crm import crypto as card_crypto
from service.crm.ocr import reading
from service.crm.validation import check_digit
from service.database import get_engine, session_scope, utcnow
from service.demo import entry_logs as demo_entry_logs
from service.demo.crm import bill_reading, sample_bills
from service.demo.framework import ProgressSink, SilentSink
from service.dialect import insert_rows
from service.entry_logs import counts
from service.entry_logs.lookups import local_today
from service.entry_logs.models import EntryLog, Nursery, Parent
from service.entry_logs.roster import roster_import
from service.fleet import escalations, firmware
from service.fleet.models import TerminalEvent
from service.identity import service as identity
from service.identity.security import issue_token
from service.loaners.archives import rotation
from service.loaners.imports import imports
from service.outbox import delivery
from service.outbox.models import OutboxMessage
from service.reservations.support import surveys

SEED = 20261125
CLERK = "history-clerk"  # created by the history, deactivated at its end: its presence says the history is loaded
CLERK_PASSWORD = "history-clerk-1"
STEP_DONE = (200, 409)  # a report only for some
MISTYPED_EMAIL = "invalid-yamada@example.jp"  # a requester's address typed wrong: the sandbox refuses it for good
NO_SMS_PHONE = "+15005550009"  # a requester's number that takes no SMS (the sandbox, as Twilio's test number)
REQUEST_LOGGERS = ("daicho.access", "httpx", "httpx2")
SUMMARY_TERMINALS = 12  # terminals with a daily summary event for every day of the history
ROTATION_BATCH = 1000
SHEET_HEADER = (
    "タイムスタンプ,メールアドレス,0-1.担当者,0-2.拠点管理番号,0-4.ステータス,"
    "1-1.貸出先,1-2.貸出日,3-0.社内ステータス\n"
)
SHEET_EVERY_DAYS = 30  # over three years and the history's days
SHEET_ROW = "{day} 09:00:00,old@example.com,山田,{number},3.社内にて保管中,,,1.貸出可能"
# Each its own 法人番号 (passing the check digit): one company is one corporation
HISTORY_COMPANIES = tuple(
    (name, f"{check_digit(base)}{base}")
    for name, base in (("株式会社履歴商事", "900000000001"), ("株式会社取消商事", "900000000002"))
)


class HistoryCallFailed(RuntimeError):
    """The demo or the API changed under it."""


@dataclass
class Office:
    """Calls to the API in process, each as the demo login that would make it."""

    client: TestClient
    days: int
    rng: random.Random
    tokens: dict[str, str] = field(default_factory=dict)

    def headers(self, login: str) -> dict[str, str]:
        if login not in self.tokens:
            with session_scope() as db:
                user = identity.find_user_by_login(db, login)
                if user is None:
                    raise HistoryCallFailed(f"demo login {login!r} is missing: load the demo first")
                self.tokens[login] = issue_token(subject=str(user.id), kind="user", now=utcnow()).token
        return {"Authorization": f"Bearer {self.tokens[login]}"}

    def call(
        self,
        login: str | None,
        method: str,
        path: str,
        *,
        expect: tuple[int, ...] = (),
        bearer: str | None = None,
        **kwargs: Any,
    ) -> Any:
        """A refusal (or a status not in `expect`) stops the history loudly."""
        headers = self.headers(login) if login else {"Authorization": f"Bearer {bearer}"} if bearer else {}
        response = self.client.request(method, path, headers=headers, **kwargs)
        if not (response.status_code in expect if expect else response.is_success):
            raise HistoryCallFailed(f"{method} {path} as {login}: {response.status_code} {response.text[:500]}")
        if response.headers.get("content-type", "").startswith("application/json") and response.content:
            return response.json()
        return None

    def get(self, login: str, path: str, **params: Any) -> Any:
        return self.call(login, "GET", path, params=params)

    def post(self, login: str | None, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self.call(login, "POST", path, json=body, **kwargs)


Chapter = Callable[[Office], None]


def history_loaded(db: Session) -> bool:
    return identity.find_user_by_login(db, CLERK) is not None


def load_history(days: int, *, sink: ProgressSink | None = None) -> bool:
    """False when it was there already (nothing added)."""
    with session_scope() as db:
        if history_loaded(db):
            return False
    from service.main import create_app

    chapters: list[tuple[str, Chapter]] = [
        ("利用者", platform_history),
        ("端末管理", fleet_history),
        ("予約", reservations_history),
        ("代替機", loaners_history),
        ("代理店CRM", crm_history),
        ("入退管理", entry_logs_history),
        ("後片付け", closing_history),
    ]
    bars = sink or SilentSink()
    office = Office(TestClient(create_app()), days, random.Random(SEED + days))
    with _quiet(REQUEST_LOGGERS):
        for label, chapter in chapters:
            bars.start(f"履歴 {label}", 1)  # a bar per chapter, as the demo has one per hook
            chapter(office)
            bars.advance(1)
    return True


@contextmanager
def _quiet(names: tuple[str, ...]) -> Iterator[None]:
    """Warnings still show."""
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


# --- platform ----------------------------------------------------------------------------------------------------


def platform_history(office: Office) -> None:
    """A clerk account made, granted, regranted and its grant removed; sign-ins, failed ones and a sign-out."""
    clerk = office.post(
        "admin",
        "/api/admin/users",
        {"login_id": CLERK, "name": "履歴 事務員", "email": "history-clerk@example.jp", "password": CLERK_PASSWORD},
    )
    grants = f"/api/admin/users/{clerk['id']}/grants"
    office.call("admin", "PUT", f"{grants}/fleet", json={"role": "operator"})
    office.call("admin", "PUT", f"{grants}/fleet", json={"role": "viewer"})
    office.call("admin", "PUT", f"{grants}/loaners", json={"role": "admin"})
    office.call("admin", "DELETE", f"{grants}/loaners")
    for wrong in ("wrong-password-1", "wrong-password-2"):
        office.post(None, "/api/auth/login", {"login_id": CLERK, "password": wrong}, expect=(401,))
    session = office.post(None, "/api/auth/login", {"login_id": CLERK, "password": CLERK_PASSWORD})
    office.client.post("/api/auth/logout", headers={"Authorization": f"Bearer {session['access_token']}"})


def closing_history(office: Office) -> None:
    """The failed message sent again, the keys rotated and a backup restored (the yearly drills); the clerk account is
    deactivated, marking the history as loaded."""
    _failed_message_retried(office)
    _keys_rotated()
    _backup_restored()
    clerk = office.get("admin", "/api/admin/users", q=CLERK)["items"][0]
    office.call("admin", "PATCH", f"/api/admin/users/{clerk['id']}", json={"is_active": False})


def _failed_message_retried(office: Office) -> None:
    with session_scope() as db:
        message_ids = list(db.scalars(select(OutboxMessage.id).where(OutboxMessage.recipient == MISTYPED_EMAIL)))
    for message_id in message_ids:
        delivery.deliver(session_scope, message_id, now=utcnow())
    for message in office.get("admin", "/api/admin/outbox", status="failed", page_size=1)["items"]:
        office.post("admin", f"/api/admin/outbox/{message['id']}/retry")


def _keys_rotated() -> None:
    """Rotated and then back under the configured keys, which every process keeps using."""
    settings = get_settings()
    audit_key, card_key = settings.audit_key, settings.crm_card_key
    drill_audit = f"history-drill-audit-key-{SEED}-not-secret"
    drill_card = base64.urlsafe_b64encode(hashlib.sha256(drill_audit.encode()).digest()).decode()
    current_cards = ",".join(key.decode() for key in card_crypto.configured_keys())
    try:
        for (old_audit, new_audit), (old_cards, new_cards) in (
            ((audit_key, drill_audit), (current_cards, drill_card)),
            ((drill_audit, audit_key), (drill_card, card_key)),
        ):
            settings.audit_key, settings.crm_card_key = new_audit, new_cards
            card_crypto._cipher.cache_clear()
            with session_scope() as db:
                audit.rekey(db, old_key=old_audit, new_key=new_audit, actor=audit.operator_actor())
            with session_scope() as db:
                old_keys = parse_fernet_keys(old_cards)
                card_crypto.reencrypt_cards(db, old_keys=old_keys, actor=audit.operator_actor(), batch_size=500)
    finally:
        settings.audit_key, settings.crm_card_key = audit_key, card_key
        card_crypto._cipher.cache_clear()


def _backup_restored() -> None:
    with tempfile.TemporaryDirectory(prefix="daicho-history-") as folder:
        path = backups.create_backup(get_engine(), folder=Path(folder), now=utcnow())
        with session_scope() as db:
            backups.restore_audited(path, get_engine(), db, actor=audit.operator_actor(), force=True)


# --- fleet --------------------------------------------------------------------------------------------------------


def fleet_history(office: Office) -> None:
    admin, operator = "fleet-admin", "fleet-operator"
    customers = office.get(admin, "/api/fleet/customers", page_size=100)["items"]
    customer = customers[0]
    office.call(admin, "PUT", f"/api/fleet/customers/{customer['id']}/business-hours", json={"closed_weekdays": [6]})
    window = {
        "customer_id": customer["id"],
        "recurrence": "daily",
        "start_time": "22:00",
        "duration_minutes": 60,
        "until": "2099-12-31",
        "reason": "夜間作業",
    }
    office.post(admin, "/api/fleet/maintenance-windows", window)
    gone = office.post(admin, "/api/fleet/maintenance-windows", window | {"reason": "臨時点検", "start_time": "03:00"})
    office.call(admin, "DELETE", f"/api/fleet/maintenance-windows/{gone['id']}")
    terminals = office.get(admin, "/api/fleet/terminals", page_size=20, customer_id=customer["id"])["items"]
    for terminal in terminals[:2]:
        path = f"/api/fleet/terminals/{terminal['id']}"
        office.post(admin, f"{path}/diagnostics", {})
        office.post(admin, f"{path}/interval", {"interval_seconds": 60})
        code = office.post(admin, f"{path}/enrollment-code")["code"]
        _agent_installed(office, terminal, code)
        office.post(admin, f"{path}/revoke-token")
    rows = "".join(f"HIST-{n:04d},{customer['company_name']},履歴店\n" for n in range(3))
    csv = ("serial_number,customer,store_name\n" + rows).encode()
    office.post(admin, "/api/fleet/imports", files={"file": ("terminals.csv", csv, "text/csv")})
    with session_scope() as db:  # the escalation job's run
        escalations.escalate_due(db, now=utcnow())
    _work_alerts(office, operator)
    _work_incidents(office, operator)
    _views_saved(office, operator)
    _rollout_completed(office, admin, terminals[2])
    _rollout_cancelled(office, admin, terminals[3:])
    _daily_summaries(office)


def _agent_installed(office: Office, terminal: dict, code: str) -> str:
    enrolled = {
        "enrollment_code": code,
        "serial_number": terminal["serial_number"],
        "firmware_version": terminal["firmware_version"] or "1.2.0",
        "agent_version": "0.1.0",
    }
    token = office.post(None, "/api/fleet/agent/enroll", enrolled)["token"]
    rotated = office.client.post("/api/fleet/agent/token/rotate", headers={"Authorization": f"Bearer {token}"})
    rotated.raise_for_status()
    return rotated.json()["token"]


def _work_alerts(office: Office, operator: str) -> None:
    open_alerts = office.get(operator, "/api/fleet/alerts", open_only=True, page_size=100)["items"]
    for alert in open_alerts[:3]:
        path = f"/api/fleet/alerts/{alert['id']}"
        _steps(office, operator, path)
        office.post(operator, f"{path}/notes", {"body": "履歴: 店舗に連絡済み"})
        office.post(operator, f"{path}/resolve", {"resolution": "再起動で復旧"})
        office.post(operator, f"{path}/reported")


def _views_saved(office: Office, operator: str) -> None:
    office.post(operator, "/api/fleet/views", {"page": "alerts", "name": "朝の未解決", "filters": {"open_only": True}})
    old = office.post(operator, "/api/fleet/views", {"page": "terminals", "name": "旧ビュー", "filters": {"q": "TC"}})
    office.call(operator, "DELETE", f"/api/fleet/views/{old['id']}")


def _work_incidents(office: Office, operator: str) -> None:
    for incident in office.get(operator, "/api/fleet/incidents", open_only=True, page_size=100)["items"][:1]:
        path = f"/api/fleet/incidents/{incident['id']}"
        office.post(operator, f"{path}/take")
        told = {"customer_message": "履歴: 回線障害の可能性と復旧見込みをお伝えした"}
        _steps(office, operator, path, contacted=told)
        office.post(operator, f"{path}/notes", {"body": "履歴: 回線業者に問い合わせ中"})
        office.post(operator, f"{path}/resolve", {"resolution": "回線業者の障害復旧"})
        report = {"cause": "回線業者の設備障害", "report": "履歴: 全店舗の復旧を担当者様にご報告"}
        office.post(operator, f"{path}/reported", report)


def _steps(office: Office, operator: str, path: str, *, contacted: dict | None = None) -> None:
    """Or already done: 409."""
    for step, body in (("acknowledge", {}), ("diagnosed", {}), ("customer-contacted", contacted or {})):
        office.call(operator, "POST", f"{path}/{step}", json=body, expect=STEP_DONE)


def _newest_release(office: Office, admin: str) -> dict:
    releases = office.get(admin, "/api/fleet/firmware/releases", page_size=100)["items"]
    return max(releases, key=lambda r: [int(part) for part in r["version"].split(".")])


def _rollout_completed(office: Office, admin: str, terminal: dict) -> None:
    path = f"/api/fleet/terminals/{terminal['id']}"
    token = _agent_installed(office, terminal, office.post(admin, f"{path}/enrollment-code")["code"])
    release = _newest_release(office, admin)
    target = {"terminal_ids": [terminal["id"]]}
    office.post(admin, "/api/fleet/rollouts", {"release_id": release["id"], "target": target, "waves": [100]})
    command = _heartbeat(office, token, terminal["firmware_version"] or "1.2.0")["commands"][0]
    agent = {"Authorization": f"Bearer {token}"}
    progress = f"/api/fleet/agent/commands/{command['id']}/progress"
    office.client.post(progress, json={"state": "succeeded", "progress": 100}, headers=agent).raise_for_status()
    _heartbeat(office, token, release["version"])
    with session_scope() as db:  # the rollouts job
        firmware.advance_all(db, now=utcnow())


def _heartbeat(office: Office, token: str, version: str) -> dict:
    beat = {"sent_at": utcnow().isoformat(), "status": "online", "firmware_version": version, "cpu": 20.0}
    beat |= {"memory": 30.0, "disk": 40.0, "agent_version": "0.1.0", "events": []}
    answer = office.client.post("/api/fleet/agent/heartbeat", json=beat, headers={"Authorization": f"Bearer {token}"})
    answer.raise_for_status()
    return answer.json()


def _rollout_cancelled(office: Office, admin: str, terminals: list[dict]) -> None:
    target = {"terminal_ids": [t["id"] for t in terminals]}
    rollout = office.post(
        admin, "/api/fleet/rollouts", {"release_id": _newest_release(office, admin)["id"], "target": target}
    )
    for action in ("pause", "resume", "cancel"):
        office.post(admin, f"/api/fleet/rollouts/{rollout['id']}/{action}")


def _daily_summaries(office: Office) -> None:
    now = utcnow()
    with session_scope() as db:
        terminal_ids = list(db.scalars(select(TerminalEvent.terminal_id).distinct().limit(SUMMARY_TERMINALS)))
        rows = [
            {
                "terminal_id": terminal_id,
                "client_event_id": f"{office.rng.getrandbits(128):032x}",
                "occurred_at": at,
                "received_at": at + timedelta(seconds=office.rng.randint(1, 290)),
                "level": "info",
                "kind": "agent_started",
                "message": f"日次集計: 取引 {office.rng.randint(40, 900)} 件",
            }
            for terminal_id in terminal_ids
            for at in (now - timedelta(days=day, hours=office.rng.randint(0, 3)) for day in range(1, office.days + 1))
        ]
        insert_rows(db, TerminalEvent, rows)


# --- reservations --------------------------------------------------------------------------------------------------


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
INQUIRIES = (
    (40, 30, 20, 4),
    (10, 15, 30, 3),
    (5, 90, 6, 5),
    (2, 5, 26, None),
    (0, 10, 0.5, 4),
    (0, None, None, None),
)


def _support_inquiries(office: Office, support: str) -> None:
    """§7."""
    path = "/api/reservations/inquiries"
    made: list[dict] = []
    for days, answered, resolved, rating in INQUIRIES:
        received = timedelta(days=days, hours=1 if days else 0, minutes=50)
        inquiry: dict[str, Any] = {
            "channel": "email",
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


# --- loaners -------------------------------------------------------------------------------------------------------

LENT = {
    "0-1.担当者": "山田太郎",
    "0-4.ステータス": "1.貸出中",
    "1-1.貸出先": "○○商事株式会社",
    "1-4.ユーザー機の預り有無": "有り",
}


def loaners_history(office: Office) -> None:
    admin = "loaners-admin"
    office.post(admin, "/api/loaners/data-types", {"id": "HISTORY", "name": "履歴確認", "display_order": 99})
    question = office.post(admin, "/api/loaners/forms/terminal/questions", {"key": "1-9.履歴", "type": "text"})
    retired = {"active": False}
    office.call(admin, "PATCH", f"/api/loaners/forms/terminal/questions/{question['id']}", json=retired)
    devices = office.get(admin, "/api/loaners/devices", page_size=10, kind="terminal")["items"]
    lent = LENT | {"1-2.貸出日": date.today().isoformat()}
    for device in devices[:3]:
        office.post(admin, f"/api/loaners/devices/{device['id']}/submissions", {"answers": lent})
    office.post(
        admin, "/api/loaners/submissions/bulk", {"device_ids": [d["id"] for d in devices[3:6]], "answers": lent}
    )
    _old_sheet(office, admin, devices[:3])
    run = office.post(admin, "/api/loaners/rotations")
    _rotate(run["id"])


def _old_sheet(office: Office, admin: str, devices: list[dict]) -> None:
    """A month apart from three years and `days` back (the rotation archives the part older than three years)."""
    start = date.today() - timedelta(days=3 * 365 + office.days)
    rows = [
        SHEET_ROW.format(day=(start + timedelta(days=n)).strftime("%Y/%m/%d"), number=device["management_number"])
        for n in range(0, 3 * 365 + office.days, SHEET_EVERY_DAYS)
        for device in devices
    ]
    sheet = (SHEET_HEADER + "\n".join(rows) + "\n").encode()
    files = {"file": ("端末ステータス収集.csv", sheet, "text/csv")}
    checked = office.call(
        admin, "POST", "/api/loaners/imports", data={"form_kind": "terminal", "dry_run": "true"}, files=files
    )
    _import(checked["id"])
    office.post(admin, f"/api/loaners/imports/{checked['id']}/run")
    _import(checked["id"])


def _import(import_id: int) -> None:
    while True:
        with session_scope() as db:
            if not imports.process_chunk(db, import_id=import_id, now=utcnow()):
                return


def _rotate(run_id: int) -> None:
    while True:
        with session_scope() as db:
            if rotation.archive_batch(db, run_id=run_id, limit=ROTATION_BATCH) < ROTATION_BATCH:
                break
    with session_scope() as db:
        rotation.finish(db, run_id=run_id, now=utcnow())


# --- CRM -----------------------------------------------------------------------------------------------------------


def crm_history(office: Office) -> None:
    sales, operator, admin = "crm-sales", "crm-operator", "crm-admin"
    me = office.get(sales, "/api/crm/me")
    bill = sample_bills()[0][0]
    kept = 0
    for number, (name, corporation_number) in enumerate(HISTORY_COMPANIES):
        corporation = _corporation(office.rng, name, corporation_number)
        payload = {"agency_id": me.get("agency_id"), "corporation": corporation, "remarks": "履歴"}
        created = office.call(
            sales,
            "POST",
            "/api/crm/requests",
            data={"payload": json.dumps(payload, ensure_ascii=False)},
            files=[("images", (bill.file_name, bill.data, bill.content_type))],
        )
        path = f"/api/crm/requests/{created['request']['id']}"
        if number == 0:
            kept = created["corporation"]["id"]
            _sent_back_twice(office, path, sales, operator)
            _entered(office, created, operator)
            added = _another_site(office, sales, kept, bill)
            _confirmed_from_ocr(office, added, operator, bill)
        else:
            version = office.get(sales, path)["request"]["version"]
            office.post(sales, f"{path}/cancel", {"version": version})
    _merged_duplicate(office, sales, admin, kept, bill)
    option = {"code": "OPT098000", "name": "履歴オプション", "price_label": "100円/月(税込)", "sort_order": 50}
    office.post(admin, "/api/crm/masters/options", option)
    office.post(admin, "/api/crm/masters/choices/job_type", {"code": "13", "label": "教育"})
    taken = office.post(operator, "/api/crm/requests/next")["request"]
    other = office.get(admin, "/api/crm/users", role="operator", q="crm-operator-2")["items"][0]["user_id"]
    office.call(admin, "PUT", f"/api/crm/requests/{taken['id']}/assignee", json={"assigned_to": other})


def _sent_back_twice(office: Office, path: str, sales: str, operator: str) -> None:
    for message in ("書類の不足", "住所の誤り"):
        version = office.get(operator, path)["request"]["version"]
        office.post(operator, f"{path}/deficiencies", {"message": message, "version": version})
        version = office.get(sales, path)["request"]["version"]
        office.post(sales, f"{path}/resubmit", {"message": "修正しました", "version": version})


def _entered(office: Office, created: dict, operator: str) -> None:
    site = office.post(operator, f"/api/crm/requests/{created['request']['id']}/sites", SITE)
    office.call(operator, "PATCH", f"/api/crm/images/{created['images'][0]['id']}", json={"site_id": site["id"]})
    office.post(operator, f"/api/crm/corporations/{created['corporation']['id']}/card/reveal")
    status = {"status": "submitted", "version": site["version"], "reason": ""}
    office.post(operator, f"/api/crm/sites/{site['id']}/status", status)


def _another_site(office: Office, sales: str, corporation_id: int, bill: Any) -> dict:
    """The corporation's security code was deleted with its entry, so the sales person gives it again."""
    payload = {"corporation_id": corporation_id, "credit_card_security_code": "123", "remarks": "履歴: 2地点目"}
    return office.call(
        sales,
        "POST",
        "/api/crm/requests",
        data={"payload": json.dumps(payload, ensure_ascii=False)},
        files=[("images", (bill.file_name, bill.data, bill.content_type))],
    )


def _confirmed_from_ocr(office: Office, created: dict, operator: str, bill: Any) -> None:
    """Its reading recorded as the job records one: the history runs no engine."""
    image_id = created["images"][0]["id"]
    read = bill_reading(0, now=utcnow())
    with session_scope() as db:
        reading.record(db, image_id, reading.Result(bill.data, read))
    proposed = {name: proposal["value"] for name, proposal in read["fields"].items()}
    site = office.post(operator, f"/api/crm/requests/{created['request']['id']}/sites", _without(SITE, proposed))
    saved = proposed | {"power_customer_number": OCR_CORRECTED_CUSTOMER_NUMBER}
    body = {"version": site["version"], "ocr_image_id": image_id} | saved
    office.call(operator, "PATCH", f"/api/crm/sites/{site['id']}", json=body)


def _without(fields: dict[str, Any], names: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in fields.items() if name not in names}


def _merged_duplicate(office: Office, sales: str, admin: str, kept: int, bill: Any) -> None:
    typed = _corporation(office.rng, HISTORY_COMPANIES[0][0], "") | {"payment_type": "2"}
    typed = {key: value for key, value in typed.items() if not key.startswith("credit_card")}
    files = [("images", (bill.file_name, bill.data, bill.content_type))]

    def sent(confirm: bool, expect: tuple[int, ...]) -> Any:
        payload = {"corporation": typed, "remarks": "履歴: 重複", "confirm": confirm}
        data = {"payload": json.dumps(payload, ensure_ascii=False)}
        return office.call(sales, "POST", "/api/crm/requests", data=data, files=files, expect=expect)

    sent(False, (409,))
    duplicate = sent(True, (201,))["corporation"]["id"]
    office.post(admin, f"/api/crm/corporations/{kept}/merge", {"duplicate_id": duplicate})


def _corporation(rng: random.Random, name: str, number: str) -> dict[str, str]:
    return {
        "customer_type": "2",
        "corporation_number": number,
        "last_name": name,
        "last_name_kana": "カブシキガイシャリレキショウジ",
        "representative_last_name": "山田",
        "representative_first_name": "太郎",
        "representative_last_name_kana": "ヤマダ",
        "representative_first_name_kana": "タロウ",
        "zip_code": "150-0001",
        "prefecture": "東京都",
        "city": "渋谷区",
        "town": "神宮前",
        "street": f"1-2-{rng.randint(1, 30)}",
        "phone1": "03-1234-5678",
        "mail_address": "info@example.jp",
        "job_type": "1",
        "payment_type": "1",
        "credit_card_number": "4111111111111111",
        "credit_card_expire_month": "12",
        "credit_card_expire_year": "2030",
        "credit_card_name": "TARO YAMADA",
        "credit_card_security_code": "123",
        "sales_channel_id": "1",
    }


OCR_CORRECTED_CUSTOMER_NUMBER = "1000-2001"
SITE = {
    "power_branch_name": "渋谷店",
    "pps_business_number": "electric",
    "application_type": "1",
    "power_plan_name": "低圧電力プランA",
    "contract_capacity": "30kVA",
    "power_supplier_type": "03",
    "power_customer_number": "12-3456-7890",
    "power_customer_location_number": "0300111234567890123456",
    "power_zip_code": "1500002",
    "power_prefecture": "東京都",
    "power_city": "渋谷区",
    "power_street": "2-21-1",
    "power_customer_name": "株式会社履歴商事",
    "power_customer_name_kana": "カブシキガイシャリレキショウジ",
    "latest_charges": 12000,
    "latest_power_usage": 800,
    "latest_date": "2026-01",
}


# --- 入退管理 -------------------------------------------------------------------------------------------------------


def _earlier_scans(office: Office) -> None:
    today = local_today(utcnow())
    with session_scope() as db:
        for nursery in db.scalars(select(Nursery).order_by(Nursery.id).limit(2)):
            families = [[parent] for parent in db.scalars(select(Parent).where(Parent.nursery_id == nursery.id))]
            rows: list[dict] = []
            for offset in range(office.days, demo_entry_logs.DAYS, -1):
                day = today - timedelta(days=offset)
                if day.weekday() < 5:
                    rows += demo_entry_logs.day_of_scans(nursery, families, day, office.rng)[0]
            insert_rows(db, EntryLog, rows)
            counts.rebuild(db, nursery_id=nursery.id)


def _portrait() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 400), "#cbd5e1").save(out, "PNG")
    return out.getvalue()


def _pickup_history(office: Office, nid: int, token: str) -> None:
    admin = "nursery-admin"
    child = office.get(admin, "/api/entry-logs/children", nurseryId=nid, page_size=1)["items"][0]
    guardian = child["parents"][0]["id"]
    restriction = f"/api/entry-logs/children/{child['id']}/pickup/restrictions/{guardian}"
    office.call(admin, "PUT", restriction, json={"note": "家庭の申し出"})
    exit_scan = {"parentId": str(guardian), "entryType": "Exit", "clientScanId": f"history-exit-{nid}"}
    office.client.post("/api/entry-exit-logs", json=exit_scan, headers={"Authorization": f"Bearer {token}"})
    for alert in office.get(admin, f"/api/entry-logs/nurseries/{nid}/pickup-alerts"):
        office.post(admin, f"/api/entry-logs/nurseries/{nid}/pickup-alerts/{alert['id']}/acknowledge")
    office.call(admin, "DELETE", restriction)
    today = local_today(utcnow()).isoformat()
    one_day = {"name": "履歴 祖母", "relation": "祖母", "date": today, "childIds": [child["id"]]}
    office.post(admin, f"/api/entry-logs/nurseries/{nid}/pickup-passes", one_day)
    person = office.post(admin, f"/api/entry-logs/nurseries/{nid}/pickup-passes", one_day | {"name": "履歴 シッター"})
    office.call(admin, "DELETE", f"/api/entry-logs/nurseries/{nid}/pickup-passes/{person['parentId']}")
    photo = {"file": ("photo.png", _portrait())}
    office.call(admin, "PUT", f"/api/entry-logs/parents/{guardian}/photo", files=photo)
    office.call(admin, "DELETE", f"/api/entry-logs/parents/{guardian}/photo")
    first = office.get(admin, "/api/entry-logs/parents", nurseryId=nid, page_size=1)["items"][0]["id"]
    office.call(admin, "PUT", f"/api/entry-logs/parents/{first}/photo", files=photo)


def _forgotten_card(office: Office, code: str, token: str, parent: dict) -> None:
    url = "/api/entry-exit-logs/forgotten-card"
    pin = next(spec.pin for spec in demo_entry_logs.NURSERIES if spec.code == code)
    wrong = {"pin": "0000", "staffName": "履歴 保育士"}
    office.post(None, f"{url}/unlock", wrong, bearer=token, expect=(401,))
    unlock = office.post(None, f"{url}/unlock", wrong | {"pin": pin}, bearer=token)["token"]
    found = office.call(None, "GET", f"{url}/people", params={"q": parent["nameKana"]}, bearer=unlock)["people"]
    chosen = next(person for person in found if person["parentId"] == parent["id"])
    record = {"parentId": chosen["parentId"], "entryType": "Entry", "reason": "カードを忘れたため"}
    office.post(None, f"{url}/logs", record, bearer=unlock)


def entry_logs_history(office: Office) -> None:
    admin = "nursery-admin"
    for nursery in office.get(admin, "/api/entry-logs/nurseries")[:2]:
        nid, code = nursery["id"], nursery["code"]
        parents = office.get(admin, "/api/entry-logs/parents", nurseryId=nid, page_size=5)["items"]
        parent = parents[0]
        station = {"nurseryCode": code, "password": "wrong-password"}
        office.post(None, "/api/auth/entry-exit-login", station, expect=(401,))
        token = office.post(None, "/api/auth/entry-exit-login", station | {"password": code + "-demo"})["token"]
        scan = {"parentId": str(parent["id"]), "entryType": "Entry", "clientScanId": f"history-{nid}"}
        office.client.post("/api/entry-exit-logs", json=scan, headers={"Authorization": f"Bearer {token}"})
        _pickup_history(office, nid, token)
        this_month = local_today(utcnow()).replace(day=1).isoformat()
        hours = {"effectiveFrom": this_month, "openingTime": "08:00", "closingTime": "17:30", "unitMinutes": 30}
        office.post(admin, f"/api/entry-logs/nurseries/{nid}/care-hours", hours)
        _forgotten_card(office, code, token, parents[2])
        inside = office.get(admin, f"/api/entry-logs/nurseries/{nid}/present-parents")["parents"]
        office.post(admin, f"/api/entry-logs/nurseries/{nid}/parents/{inside[0]['parentId']}/exit")
        yesterday = (utcnow() - timedelta(days=1)).isoformat()
        missed = {"entryType": "Entry", "occurredAt": yesterday, "reason": "スキャン忘れ"}
        office.post(admin, f"/api/entry-logs/nurseries/{nid}/parents/{parents[1]['id']}/logs", missed)
        logs = office.get(admin, "/api/entry-exit-logs", nurseryId=nid)["logs"]
        office.call(admin, "DELETE", f"/api/entry-exit-logs/{logs[0]['id']}", params={"reason": "誤読"})
        stations = f"/api/entry-logs/nurseries/{nid}/stations"
        for session in office.get(admin, stations)[:1]:
            office.post(admin, f"{stations}/{session['id']}/sign-out")
        roster = {"file": ("roster.csv", "保護者名,園児名\n履歴花子,履歴太郎\n".encode(), "text/csv")}
        imported = office.call(admin, "POST", f"/api/entry-logs/nurseries/{nid}/roster-import", files=roster)
        with session_scope() as db:
            roster_import.import_batch(db, import_id=imported["id"], start=0, now=utcnow(), retry=False)
        password = f"/api/entry-logs/nurseries/{nid}/entry-exit-password"
        office.call(admin, "PUT", password, json={"password": code + "-demo"})
        office.post(admin, f"/api/entry-logs/nurseries/{nid}/stations/sign-out")
        child = office.get(admin, "/api/entry-logs/children", nurseryId=nid, page_size=1)["items"][0]
        day = (date.today() - timedelta(days=1)).isoformat()
        office.call(admin, "PUT", f"/api/attendance/{child['id']}/{day}", json={"status": "absent"})
        office.call(admin, "DELETE", f"/api/attendance/{child['id']}/{day}")
        office.post(admin, f"/api/entry-logs/parents/{parent['id']}/barcode-link")
        office.call(admin, "DELETE", f"/api/entry-logs/parents/{parent['id']}/barcode-link")
    _earlier_scans(office)
    first = office.get(admin, "/api/entry-logs/nurseries")[0]
    office.call(admin, "DELETE", f"/api/entry-logs/nurseries/{first['id']}/station-pin")
    office.call(admin, "PUT", f"/api/entry-logs/nurseries/{first['id']}/station-pin", json={"pin": "1234"})
    office.call(admin, "DELETE", f"/api/entry-logs/nurseries/{first['id']}/entry-exit-password")
    office.call(
        admin,
        "PUT",
        f"/api/entry-logs/nurseries/{first['id']}/entry-exit-password",
        json={"password": first["code"] + "-demo"},
    )
