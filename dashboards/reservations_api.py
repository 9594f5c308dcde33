"""予約: every call the reservations pages make, built on api.py's cached reads, writes, uploads and downloads."""

from collections.abc import Callable
from typing import Any

from dashboards.api import columns_field, download, fetch, file_part, read, reference, write

ROOT = "/reservations"


def vocabulary() -> dict:
    """The domain's labels (code -> Japanese, in display order), status transitions and form limits."""
    return reference(f"{ROOT}/vocabulary")


# Console (live panels read uncached: they refresh themselves)


def console_today() -> dict:
    return fetch(f"{ROOT}/console/today")


def weekly_kpis() -> dict:
    return fetch(f"{ROOT}/kpis/weekly")


def support_kpis() -> dict:
    return fetch(f"{ROOT}/kpis/support")


def notifications(limit: int = 20) -> list[dict]:
    return fetch(f"{ROOT}/notifications", limit=limit)


def assignees() -> list[dict]:
    return reference(f"{ROOT}/assignees")


# Support inquiries (§7)


def list_inquiries(*, page: int = 1, page_size: int = 50, **filters: Any) -> dict:
    return read(f"{ROOT}/inquiries", page=page, page_size=page_size, **filters)


def support_figures() -> list[dict]:
    """§7.3.1: 初回応答時間, 解決時間 and 顧客満足度 (named figures, each with its list's query)."""
    return read(f"{ROOT}/inquiries/figures")["figures"]


def send_survey(inquiry_id: int, channel: str) -> dict:
    return write("POST", f"{ROOT}/inquiries/{inquiry_id}/survey", {"channel": channel})


def create_inquiry(data: dict) -> dict:
    return write("POST", f"{ROOT}/inquiries", data)


def update_inquiry(inquiry_id: int, changes: dict) -> dict:
    return write("PATCH", f"{ROOT}/inquiries/{inquiry_id}", changes)


# Manual operations


def create_operation(reservation_code: str, op_type: str, reason: str) -> dict:
    return write(
        "POST",
        f"{ROOT}/manual-operations",
        {"reservation_code": reservation_code, "op_type": op_type, "reason": reason},
    )


def assign_operation(operation_id: int, assignee_id: int | None) -> dict:
    return write("POST", f"{ROOT}/manual-operations/{operation_id}/assign", {"assignee_id": assignee_id})


def live_operations(*, page: int = 1, page_size: int = 50, **filters: Any) -> dict:
    """The queue as it is now (uncached: the page refreshes itself and must show what a job just opened)."""
    return fetch(f"{ROOT}/manual-operations", page=page, page_size=page_size, **filters)


def send_notice_by_email(operation_id: int, email: str) -> dict:
    return write("POST", f"{ROOT}/manual-operations/{operation_id}/send-email", {"email": email or None})


def resolve_operation(operation_id: int, resolution: str) -> dict:
    return write("POST", f"{ROOT}/manual-operations/{operation_id}/resolve", {"resolution": resolution})


def acknowledge_operation(operation_id: int) -> dict:
    """Acknowledge the page of a 緊急/高 operation: nobody else is paged."""
    return write("POST", f"{ROOT}/manual-operations/{operation_id}/acknowledge")


# On call (当番表)


def on_call() -> dict:
    """The rotation, the overrides to come, who is on duty now, the next shifts and the team's hours."""
    return fetch(f"{ROOT}/on-call")


def set_rotation(data: dict) -> dict:
    return write("PUT", f"{ROOT}/on-call/rotation", data)


def create_override(data: dict) -> dict:
    return write("POST", f"{ROOT}/on-call/overrides", data)


def delete_override(override_id: int) -> None:
    write("DELETE", f"{ROOT}/on-call/overrides/{override_id}")


# Reservations


def list_reservations(*, page: int = 1, page_size: int = 50, **filters: Any) -> dict:
    return read(f"{ROOT}/reservations", page=page, page_size=page_size, **filters)


def get_reservation(code: str) -> dict:
    return read(f"{ROOT}/reservations/{code}")


def update_reservation(code: str, changes: dict) -> dict:
    return write("PATCH", f"{ROOT}/reservations/{code}", changes)


def accept(code: str, shop: dict) -> dict:
    """Mark calling_success (a shop said yes to a person) and send the payment link; shop: {"shop_id"} for a listed
    shop, {"one_off_shop": {name, phone, notes}, "add_to_call_list"} for one found by phone."""
    return write("POST", f"{ROOT}/reservations/{code}/accept", shop)


def resume_calling(code: str) -> dict:
    return write("POST", f"{ROOT}/reservations/{code}/resume-calling")


def resend_payment_link(code: str, channel: str) -> dict:
    return write("POST", f"{ROOT}/reservations/{code}/payment-link", {"channel": channel})


def cancel(code: str, reason: str, refund: bool) -> dict:
    return write("POST", f"{ROOT}/reservations/{code}/cancel", {"reason": reason, "refund": refund})


def add_note(code: str, body: str) -> dict:
    return write("POST", f"{ROOT}/reservations/{code}/notes", {"body": body})


# Catalogue


def list_services(*, active_only: bool = False) -> list[dict]:
    return reference(f"{ROOT}/services", active_only=active_only or None)


def create_service(data: dict) -> dict:
    return write("POST", f"{ROOT}/services", data)


def update_service(service_id: int, changes: dict) -> dict:
    return write("PATCH", f"{ROOT}/services/{service_id}", changes)


def delete_service(service_id: int) -> None:
    write("DELETE", f"{ROOT}/services/{service_id}")


def list_shops(*, page: int = 1, page_size: int = 50, **filters: Any) -> dict:
    return read(f"{ROOT}/shops", page=page, page_size=page_size, **filters)


def create_shop(data: dict) -> dict:
    return write("POST", f"{ROOT}/shops", data)


def update_shop(shop_id: int, changes: dict) -> dict:
    return write("PATCH", f"{ROOT}/shops/{shop_id}", changes)


def delete_shop(shop_id: int) -> None:
    write("DELETE", f"{ROOT}/shops/{shop_id}")


def import_shops(file_name: str, content: bytes, columns: str | None = None) -> dict:
    """Shops (.xlsx or CSV; columns: the mapping step's answer) created or updated by name."""
    files = {"file": file_part(file_name, content)}
    return write("POST", f"{ROOT}/shops/import", files=files, data=columns_field(columns))


def shop_call_figures() -> list[dict]:
    """Per shop: today's and this month's automated calls (named figures) and its flags."""
    return read(f"{ROOT}/shops/call-figures")


def list_calls(*, page: int = 1, page_size: int = 50, **filters: Any) -> dict:
    """The calls behind a shop call figure (its list_query)."""
    return read(f"{ROOT}/calls", page=page, page_size=page_size, **filters)


def stop_auto_calls(shop_id: int, reason: str) -> dict:
    return write("POST", f"{ROOT}/shops/{shop_id}/auto-calls/stop", {"reason": reason})


def lift_auto_calls(shop_id: int) -> dict:
    return write("POST", f"{ROOT}/shops/{shop_id}/auto-calls/lift")


# Incidents


def list_incidents(*, page: int = 1, page_size: int = 50, **filters: Any) -> dict:
    return read(f"{ROOT}/incidents", page=page, page_size=page_size, **filters)


def create_incident(data: dict) -> dict:
    return write("POST", f"{ROOT}/incidents", data)


def update_incident(incident_id: int, changes: dict) -> dict:
    return write("PATCH", f"{ROOT}/incidents/{incident_id}", changes)


def escalate_incident(incident_id: int) -> dict:
    """Report the incident to the executives (e-mail and #qrv-alerts)."""
    return write("POST", f"{ROOT}/incidents/{incident_id}/escalate")


def acknowledge_incident(incident_id: int) -> dict:
    """Acknowledge the page of a Critical/High incident: nobody else is paged."""
    return write("POST", f"{ROOT}/incidents/{incident_id}/acknowledge")


# MCP clients


def list_mcp_clients() -> list[dict]:
    return read(f"{ROOT}/mcp-clients")


def create_mcp_client(name: str) -> dict:
    return write("POST", f"{ROOT}/mcp-clients", {"name": name})


def revoke_mcp_client(client_id: int) -> dict:
    return write("POST", f"{ROOT}/mcp-clients/{client_id}/revoke")


# Executive


def executive_summary(months: int = 12) -> dict:
    return read(f"{ROOT}/executive/summary", months=months)


def executive_report(month: str) -> Callable[[], bytes]:
    """The monthly PDF (YYYY-MM)."""
    return download(f"{ROOT}/executive/report", month=month)


def weekly_report(week: str) -> Callable[[], bytes]:
    """The weekly PDF of the week holding that day (YYYY-MM-DD)."""
    return download(f"{ROOT}/executive/weekly-report", week=week)


# Training material (§3)


def manuals() -> list[dict]:
    return reference(f"{ROOT}/manuals")


def manual(name: str) -> dict:
    """The manual's title and Markdown source."""
    return reference(f"{ROOT}/manuals/{name}")


def manual_pdf(name: str) -> Callable[[], bytes]:
    return download(f"{ROOT}/manuals/{name}/pdf")
