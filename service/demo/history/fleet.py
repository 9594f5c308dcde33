"""端末管理's chapter: quiet times, terminals enrolled and revoked, an import, alerts and an incident worked,
views saved, rollouts, and daily summaries."""

from datetime import timedelta

from sqlalchemy import select

from service.database import session_scope, utcnow
from service.demo.history.office import Office
from service.dialect import insert_rows
from service.fleet.alerting import escalations
from service.fleet.models import TerminalEvent
from service.fleet.rollouts import firmware

STEP_DONE = (200, 409)  # a report only for some
SUMMARY_TERMINALS = 12  # terminals with a daily summary event for every day of the history


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
        token = _agent_installed(office, terminal, code)
        _heartbeat(office, token, terminal["firmware_version"] or "1.2.0")
        office.post(admin, f"{path}/restart")
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
        _steps(office, operator, path, told="履歴: 端末の通信途絶と再起動での復旧手順をお伝えした")
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
        _steps(office, operator, path, told="履歴: 回線障害の可能性と復旧見込みをお伝えした")
        office.post(operator, f"{path}/notes", {"body": "履歴: 回線業者に問い合わせ中"})
        office.post(operator, f"{path}/resolve", {"resolution": "回線業者の障害復旧"})
        report = {"cause": "回線業者の設備障害", "report": "履歴: 全店舗の復旧を担当者様にご報告"}
        office.post(operator, f"{path}/reported", report)


def _steps(office: Office, operator: str, path: str, *, told: str) -> None:
    """Or already done: 409. 顧客連絡 says what the customer was `told`."""
    for step, body in (("acknowledge", {}), ("diagnosed", {}), ("customer-contacted", {"customer_message": told})):
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
