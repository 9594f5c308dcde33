"""端末管理: every call the fleet pages make, built on api.py's cached reads, writes, uploads and downloads."""

from collections.abc import Callable
from typing import Any

from dashboards.api import PERSON, columns_field, download, fetch, file_part, own, read, reference, write

# Wording


def vocabulary() -> dict:
    """Code -> Japanese label, in display order."""
    return reference("/fleet/vocabulary")


def words(table: str) -> dict[str, str]:
    """E.g. words("terminal_statuses")["online"] == "オンライン"."""
    return vocabulary()[table]


# Dashboard


def dashboard() -> dict:
    return read("/fleet/dashboard")


def alert_figures() -> list[dict]:
    return read("/fleet/alerts/figures")


def ingest() -> dict:
    """Whether heartbeats arrive: {last_heartbeat_at, silence_seconds, stalled, heartbeats_expected, banner}."""
    return read("/fleet/ingest")


# Customers


def list_customers(*, page: int = 1, page_size: int = 50, q: str = "") -> dict:
    return read("/fleet/customers", page=page, page_size=page_size, q=q)


def report_customers() -> list[dict]:
    """The customers a report can be made for: [{id, company_name}], by name (viewers may call it too)."""
    return read("/fleet/reports/customers")


def create_customer(data: dict) -> dict:
    return write("POST", "/fleet/customers", data)


def update_customer(customer_id: int, changes: dict) -> dict:
    return write("PATCH", f"/fleet/customers/{customer_id}", changes)


def start_import(file_name: str, content: bytes, columns: str | None = None) -> dict:
    """Send terminals (.xlsx or CSV; columns: the mapping step's answer); a job checks and inserts the rows (follow it
    with import_progress)."""
    files = {"file": file_part(file_name, content)}
    return write("POST", "/fleet/imports", files=files, data=columns_field(columns))


def import_progress(import_id: int) -> dict:
    return fetch(f"/fleet/imports/{import_id}")


# Terminals


def list_terminals(*, page: int = 1, page_size: int = 50, **filters: Any) -> dict:
    return read("/fleet/terminals", page=page, page_size=page_size, **filters)


def create_terminal(data: dict) -> dict:
    return write("POST", "/fleet/terminals", data)


def get_terminal(terminal_id: int) -> dict:
    return read(f"/fleet/terminals/{terminal_id}")


def metrics(terminal_id: int, range_key: str) -> dict:
    return read(f"/fleet/terminals/{terminal_id}/metrics", range=range_key)


def list_events(terminal_id: int, *, page: int = 1, page_size: int = 50, **filters: Any) -> dict:
    return read(f"/fleet/terminals/{terminal_id}/events", page=page, page_size=page_size, **filters)


def list_commands(terminal_id: int) -> list[dict]:
    return read(f"/fleet/terminals/{terminal_id}/commands")


def list_diagnostics(terminal_id: int) -> list[dict]:
    return read(f"/fleet/terminals/{terminal_id}/diagnostics")


def list_update_tasks(terminal_id: int) -> list[dict]:
    return read(f"/fleet/terminals/{terminal_id}/update-tasks")


def request_diagnostics(terminal_id: int, max_lines: int) -> dict:
    return write("POST", f"/fleet/terminals/{terminal_id}/diagnostics", {"max_lines": max_lines})


def set_interval(terminal_id: int, interval_seconds: int) -> dict:
    """The terminal's heartbeat interval, sent to its agent with its next heartbeat."""
    return write("POST", f"/fleet/terminals/{terminal_id}/interval", {"interval_seconds": interval_seconds})


def restart(terminal_id: int) -> dict:
    """再起動 of the terminal's payment application, taken by its next heartbeat: the command."""
    return write("POST", f"/fleet/terminals/{terminal_id}/restart")


def set_maintenance(terminal_id: int, enabled: bool) -> dict:
    return write("POST", f"/fleet/terminals/{terminal_id}/maintenance", {"enabled": enabled})


def issue_enrollment_code(terminal_id: int) -> dict:
    return write("POST", f"/fleet/terminals/{terminal_id}/enrollment-code")


def revoke_token(terminal_id: int) -> None:
    write("POST", f"/fleet/terminals/{terminal_id}/revoke-token")


# Alerts


def list_alerts(*, page: int = 1, page_size: int = 50, **filters: Any) -> dict:
    return read("/fleet/alerts", page=page, page_size=page_size, **filters)


def get_alert(alert_id: int) -> dict:
    return read(f"/fleet/alerts/{alert_id}")


def list_notes(alert_id: int) -> list[dict]:
    return read(f"/fleet/alerts/{alert_id}/notes")


def alert_assignees(alert_id: int) -> list[dict]:
    """The fleet staff the alert can be handed to: [{id, name}]."""
    return read(f"/fleet/alerts/{alert_id}/assignees")


def alert_step(alert_id: int, step: str) -> dict:
    """Record a workflow step: acknowledge, diagnosed or reported."""
    return write("POST", f"/fleet/alerts/{alert_id}/{step}")


def contact_alert_customer(alert_id: int, message: str) -> dict:
    """顧客連絡 with what the customer was told, kept on the alert's record."""
    return write("POST", f"/fleet/alerts/{alert_id}/customer-contacted", {"customer_message": message})


def assign_alert(alert_id: int, assignee_id: int | None) -> dict:
    return write("POST", f"/fleet/alerts/{alert_id}/assign", {"assignee_id": assignee_id})


def add_note(alert_id: int, body: str) -> dict:
    return write("POST", f"/fleet/alerts/{alert_id}/notes", {"body": body})


def resolve_alert(alert_id: int, note: str) -> dict:
    return write("POST", f"/fleet/alerts/{alert_id}/resolve", {"note": note})


# Incidents: one customer's alerts worked as one


def list_incidents(*, page: int = 1, page_size: int = 50, **filters: Any) -> dict:
    return read("/fleet/incidents", page=page, page_size=page_size, **filters)


def get_incident(incident_id: int) -> dict:
    return read(f"/fleet/incidents/{incident_id}")


def incident_assignees(incident_id: int) -> list[dict]:
    return read(f"/fleet/incidents/{incident_id}/assignees")


def incident_step(incident_id: int, step: str) -> dict:
    """Record a workflow step for the incident and its alerts: acknowledge, diagnosed or take (the caller becomes its
    assignee)."""
    return write("POST", f"/fleet/incidents/{incident_id}/{step}")


def incident_notes(incident_id: int) -> list[dict]:
    """The incident's timeline: [{kind, kind_label, author, body, created_at}], oldest first."""
    return read(f"/fleet/incidents/{incident_id}/notes")


def contact_customer(incident_id: int, message: str) -> dict:
    """顧客連絡 with what the customer was told."""
    return write("POST", f"/fleet/incidents/{incident_id}/customer-contacted", {"customer_message": message})


def report_incident(incident_id: int, cause: str, report: str) -> dict:
    """完了報告 with the cause and the report, after the resolution."""
    return write("POST", f"/fleet/incidents/{incident_id}/reported", {"cause": cause, "report": report})


def add_incident_note(incident_id: int, body: str) -> dict:
    return write("POST", f"/fleet/incidents/{incident_id}/notes", {"body": body})


def assign_incident(incident_id: int, assignee_id: int | None) -> dict:
    return write("POST", f"/fleet/incidents/{incident_id}/assign", {"assignee_id": assignee_id})


def resolve_incident(incident_id: int, resolution: str) -> dict:
    return write("POST", f"/fleet/incidents/{incident_id}/resolve", {"resolution": resolution})


# Firmware


def list_releases(*, page: int = 1, page_size: int = 50) -> dict:
    return read("/fleet/firmware/releases", page=page, page_size=page_size)


def upload_release(*, file_name: str, content: bytes, version: str, sha256: str, notes: str) -> dict:
    return write(
        "POST",
        "/fleet/firmware/releases",
        files={"file": (file_name, content, "application/octet-stream")},
        data={"version": version, "sha256": sha256, "notes": notes},
    )


def list_rollouts(*, page: int = 1, page_size: int = 50) -> dict:
    return read("/fleet/rollouts", page=page, page_size=page_size)


def get_rollout(rollout_id: int) -> dict:
    return read(f"/fleet/rollouts/{rollout_id}")


def create_rollout(data: dict) -> dict:
    return write("POST", "/fleet/rollouts", data)


def change_rollout(rollout_id: int, action: str) -> dict:
    """pause, resume or cancel."""
    return write("POST", f"/fleet/rollouts/{rollout_id}/{action}")


# Reports


def _report_path(customer_id: int | None) -> str:
    """One customer's report, or (None) the fleet-wide one: every customer the user may see."""
    return "/fleet/reports/monthly" if customer_id is None else f"/fleet/reports/monthly/{customer_id}"


def monthly_report(customer_id: int | None, month: str) -> dict:
    return read(_report_path(customer_id), month=month)


def report_file(customer_id: int | None, month: str, file_format: str) -> Callable[[], bytes]:
    return download(_report_path(customer_id), month=month, format=file_format)


# Quiet times: business hours and recurring maintenance windows


def set_business_hours(customer_id: int, hours: dict) -> dict:
    """{opens_at, closes_at ("HH:MM" or None), closed_weekdays: [0..6]} → the customer."""
    return write("PUT", f"/fleet/customers/{customer_id}/business-hours", hours)


def maintenance_windows(customer_id: int) -> list[dict]:
    return read("/fleet/maintenance-windows", customer_id=customer_id)


def create_maintenance_window(data: dict) -> dict:
    return write("POST", "/fleet/maintenance-windows", data)


def delete_maintenance_window(window_id: int) -> None:
    write("DELETE", f"/fleet/maintenance-windows/{window_id}")


# Bulk work and saved views


def bulk(kind: str, ids: list[int], action: str, **options: Any) -> dict:
    """One action on many records of a list (kind: terminals, alerts, incidents), all or none: {action, count, ids}."""
    return write("POST", f"/fleet/{kind}/bulk", {"ids": ids, "action": action, **options})


def bulk_all(kind: str, flt: dict, expected: int, action: str, **options: Any) -> dict:
    """One action on every record the list's filters select (「条件に合う全件」), refused unless they are still
    `expected` many: {action, count, ids}."""
    return write("POST", f"/fleet/{kind}/bulk", {"filter": flt, "expected": expected, "action": action, **options})


def list_stores(*, page: int = 1, page_size: int = 50, **filters: Any) -> dict:
    """店舗別: the stores, the worst first (offline, then alerting terminals), with their open alerts by kind."""
    return read("/fleet/stores", page=page, page_size=page_size, **filters)


def saved_views(page: str) -> list[dict]:
    """The signed-in person's saved views of a list: [{id, name, filters}], by name."""
    return own("/fleet/views", page=page)


def save_view(page: str, name: str, filters: dict) -> dict:
    return write("POST", "/fleet/views", {"page": page, "name": name, "filters": filters}, changes=PERSON)


def delete_view(view_id: int) -> None:
    write("DELETE", f"/fleet/views/{view_id}", changes=PERSON)
