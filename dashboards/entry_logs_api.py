"""入退管理: every call the entry-log pages make, built on api.py's cached reads, writes, uploads and downloads.

The API names its query parameters in camelCase (spec appendix A): callers pass them as they are, e.g. {"from": ...,
"parentName": ...}.
"""

from collections.abc import Callable
from datetime import date
from typing import Any
from urllib.parse import quote

from dashboards.api import columns_field, download, fetch, file_part, read, reference, write

# Wording and form rules


def vocabulary() -> dict:
    """The 入退管理 labels (entryTypes, attendanceStatuses, rosterColumns) and the API's form rules (rules)."""
    return reference("/entry-logs/vocabulary")


def rules() -> dict:
    """The limits and patterns the API checks: nameMax, noControlCharacters, hourMinutePattern, passwordMin, ..."""
    return vocabulary()["rules"]


# Nurseries


def nurseries() -> list[dict]:
    """The nurseries the signed-in user may see: a staff member's own, or all of them."""
    return reference("/entry-logs/nurseries")


def create_nursery(data: dict) -> dict:
    return write("POST", "/entry-logs/nurseries", data)


def rename_nursery(nursery_id: int, name: str) -> dict:
    return write("PATCH", f"/entry-logs/nurseries/{nursery_id}", {"name": name})


def set_closing_time(nursery_id: int, closing_time: str | None) -> dict:
    """HH:MM, local; None clears it."""
    return write("PATCH", f"/entry-logs/nurseries/{nursery_id}", {"closingTime": closing_time})


def set_entry_mode(nursery_id: int, entry_mode: str) -> dict:
    """How the nursery's stations decide a scan's 入/出: auto (the person's state) or manual (the button)."""
    return write("PATCH", f"/entry-logs/nurseries/{nursery_id}", {"entryMode": entry_mode})


def set_station_pin(nursery_id: int, pin: str) -> None:
    write("PUT", f"/entry-logs/nurseries/{nursery_id}/station-pin", {"pin": pin})


def clear_station_pin(nursery_id: int) -> None:
    write("DELETE", f"/entry-logs/nurseries/{nursery_id}/station-pin")


def set_password(nursery_id: int, password: str) -> None:
    write("PUT", f"/entry-logs/nurseries/{nursery_id}/entry-exit-password", {"password": password})


def clear_password(nursery_id: int) -> None:
    write("DELETE", f"/entry-logs/nurseries/{nursery_id}/entry-exit-password")


def signed_in_stations(nursery_id: int) -> list[dict]:
    """The nursery's signed-in scan stations: id, stationId, stationName, clientAddress, signedInAt, lastSeenAt."""
    return fetch(f"/entry-logs/nurseries/{nursery_id}/stations")


def name_station(nursery_id: int, station_id: str, name: str) -> None:
    write("PUT", f"/entry-logs/nurseries/{nursery_id}/station-names/{quote(station_id, safe='')}", {"name": name})


def sign_out_station(nursery_id: int, session_id: int) -> None:
    write("POST", f"/entry-logs/nurseries/{nursery_id}/stations/{session_id}/sign-out")


def sign_out_stations(nursery_id: int) -> None:
    write("POST", f"/entry-logs/nurseries/{nursery_id}/stations/sign-out")


def classes(nursery_id: int) -> list[str]:
    return read(f"/entry-logs/nurseries/{nursery_id}/classes")


# Logs


def list_logs(*, page: int = 1, page_size: int = 50, **filters: Any) -> dict:
    """{items, total, page, page_size} from the API's logs, totalCount, pageSize. Filters: from, to, parentName,
    entryType, childName, nurseryId, and sort (-timestamp or timestamp)."""
    answer = read("/entry-exit-logs", page=page, pageSize=page_size, **filters)
    return {
        "items": answer["logs"],
        "total": answer["totalCount"],
        "page": answer["page"],
        "page_size": answer["pageSize"],
    }


def delete_log(log_id: int, reason: str, *, physical: bool = False) -> None:
    """Delete a mistaken scan (soft: kept with who/when/why; physical: removed, 管理者 only); reason in the query."""
    write("DELETE", f"/entry-exit-logs/{log_id}", params={"reason": reason, "physical": physical})


# Attendance and live views


def attendance(nursery_id: int, day: date, class_name: str = "") -> dict:
    """Every child with the day's 出席/欠席 and 送り迎え times, and the day's figures by 出席状態 (uncached: the live
    table refreshes it)."""
    return fetch("/attendance", nurseryId=nursery_id, date=day.isoformat(), className=class_name or None)


def attendance_month(nursery_id: int, month: str, class_name: str = "") -> dict:
    """出欠表 for a month (YYYY-MM): days, dayHeaders, legend, each child's days (shown: h:mm, 出, 欠) and totals."""
    return fetch("/entry-logs/attendance-month", nurseryId=nursery_id, month=month, className=class_name or None)


def attendance_corrections(nursery_id: int, page: int = 1, page_size: int = 20) -> dict:
    """監査ログ of the nursery's attendance records by staff, newest first: {items, total, ...}; each item childName,
    date and the audit entry (actor_name, action_label, changed_fields, occurred_at)."""
    return fetch(f"/entry-logs/nurseries/{nursery_id}/attendance-corrections", page=page, page_size=page_size)


def set_attendance(child_id: int, day: date, status: str, note: str) -> dict:
    return write("PUT", f"/attendance/{child_id}/{day.isoformat()}", {"status": status, "note": note})


def clear_attendance(child_id: int, day: date) -> None:
    write("DELETE", f"/attendance/{child_id}/{day.isoformat()}")


def figures(nursery_id: int, **period: Any) -> dict[str, dict]:
    """The nursery's named figures by key (uncached: the live panels refresh them): 入 and 出 over from..to, 園内にいる
    保護者 now, the children of date (and className) by 出席状態; each says its period and the list it counts."""
    return by_key(fetch("/entry-logs/figures", nurseryId=nursery_id, **period))


def by_key(figures: list[dict]) -> dict[str, dict]:
    """Keys without the domain's prefix: attended, absent, ..."""
    return {figure["key"].removeprefix("entry_logs."): figure for figure in figures}


def present_parents(nursery_id: int) -> dict:
    """園内にいる保護者 now (uncached: the panel refreshes it): closingTime, closingTimePassed and the parents, each
    with missingExit once the closing time has passed."""
    return fetch(f"/entry-logs/nurseries/{nursery_id}/present-parents")


def record_exit(nursery_id: int, parent_id: int, occurred_at: str | None = None, reason: str = "") -> dict:
    """Record the exit of a parent who is inside (a forgotten scan) at occurred_at (ISO, today; None: now), with an
    optional note; the log names the signed-in user."""
    body = {"occurredAt": occurred_at, "reason": reason}
    return write("POST", f"/entry-logs/nurseries/{nursery_id}/parents/{parent_id}/exit", body)


def record_log(nursery_id: int, parent_id: int, entry_type: str, occurred_at: str, reason: str) -> dict:
    """再登録: the entry or exit a scan missed, at its real time (ISO with its zone), with the reason; 手入力."""
    body = {"entryType": entry_type, "occurredAt": occurred_at, "reason": reason}
    return write("POST", f"/entry-logs/nurseries/{nursery_id}/parents/{parent_id}/logs", body)


def heatmap(nursery_id: int, **filters: Any) -> dict:
    """Scans per weekday and hour within the filters (from, to, entryType, ...), counted by the API."""
    return read(f"/entry-logs/nurseries/{nursery_id}/heatmap", **filters)


def request_cards(nursery_id: int, class_name: str = "") -> dict:
    """Ask for the printable barcode cards of a class (or of the whole nursery): a job the worker makes."""
    return write("POST", f"/entry-logs/nurseries/{nursery_id}/card-jobs", {"className": class_name})


def card_jobs(nursery_id: int, class_name: str = "") -> list[dict]:
    """The nursery's card jobs still kept for a class (or the whole nursery), newest first (uncached: a job asked for
    in another session, or before a reload, is found here)."""
    return fetch(f"/entry-logs/nurseries/{nursery_id}/card-jobs", className=class_name or None)


def card_job(nursery_id: int, job_id: int) -> dict:
    """The card job as it is now (uncached: the page polls it): status, statusLabel, pagesDone, pagesTotal, error."""
    return fetch(f"/entry-logs/nurseries/{nursery_id}/card-jobs/{job_id}")


def card_file(nursery_id: int, job_id: int) -> Callable[[], bytes]:
    return download(f"/entry-logs/nurseries/{nursery_id}/card-jobs/{job_id}/file")


# Parents and children


def list_parents(*, page: int = 1, page_size: int = 50, **filters: Any) -> dict:
    """Filters (the API's names, as its CSV download takes them): nurseryId (required), q."""
    return read("/entry-logs/parents", page=page, page_size=page_size, **filters)


def create_parent(data: dict) -> dict:
    return write("POST", "/entry-logs/parents", data)


def update_parent(parent_id: int, changes: dict) -> dict:
    return write("PATCH", f"/entry-logs/parents/{parent_id}", changes)


def delete_parent(parent_id: int) -> None:
    write("DELETE", f"/entry-logs/parents/{parent_id}")


def list_children(*, page: int = 1, page_size: int = 50, **filters: Any) -> dict:
    """Filters (the API's names, as its CSV download takes them): nurseryId (required), className, q."""
    return read("/entry-logs/children", page=page, page_size=page_size, **filters)


def create_child(data: dict) -> dict:
    return write("POST", "/entry-logs/children", data)


def update_child(child_id: int, changes: dict) -> dict:
    return write("PATCH", f"/entry-logs/children/{child_id}", changes)


def delete_child(child_id: int) -> None:
    write("DELETE", f"/entry-logs/children/{child_id}")


def import_roster(nursery_id: int, file_name: str, content: bytes, columns: str | None = None) -> dict:
    """Send a roster (.xlsx or CSV: 保護者名,電話番号,園児名,クラス; columns: the mapping step's answer); a job imports
    it (follow it with roster_import)."""
    upload = {"file": file_part(file_name, content)}
    path = f"/entry-logs/nurseries/{nursery_id}/roster-import"
    return write("POST", path, files=upload, data=columns_field(columns))


def roster_import(nursery_id: int, import_id: int) -> dict:
    """An import's progress (uncached: the page polls it), then what it added and its rejected rows with reasons."""
    return fetch(f"/entry-logs/nurseries/{nursery_id}/roster-imports/{import_id}")


# Pick-up safety


def child_pickup(child_id: int) -> dict:
    """Who may collect the child (uncached: the page changes it): collectors with kind guardian/restricted/one_day."""
    return fetch(f"/entry-logs/children/{child_id}/pickup")


def restrict_pickup(child_id: int, parent_id: int, note: str) -> None:
    write("PUT", f"/entry-logs/children/{child_id}/pickup/restrictions/{parent_id}", {"note": note})


def lift_pickup_restriction(child_id: int, parent_id: int) -> None:
    write("DELETE", f"/entry-logs/children/{child_id}/pickup/restrictions/{parent_id}")


def pickup_passes(nursery_id: int) -> list[dict]:
    """The nursery's 「本日のみ」 passes of today and later (uncached)."""
    return fetch(f"/entry-logs/nurseries/{nursery_id}/pickup-passes")


def create_pickup_pass(nursery_id: int, data: dict) -> dict:
    return write("POST", f"/entry-logs/nurseries/{nursery_id}/pickup-passes", data)


def revoke_pickup_pass(nursery_id: int, parent_id: int) -> None:
    write("DELETE", f"/entry-logs/nurseries/{nursery_id}/pickup-passes/{parent_id}")


def pickup_pass_card(nursery_id: int, parent_id: int) -> Callable[[], bytes]:
    return download(f"/entry-logs/nurseries/{nursery_id}/pickup-passes/{parent_id}/card")


def set_parent_photo(parent_id: int, file_name: str, content: bytes) -> dict:
    return write("PUT", f"/entry-logs/parents/{parent_id}/photo", files={"file": (file_name, content)})


def remove_parent_photo(parent_id: int) -> None:
    write("DELETE", f"/entry-logs/parents/{parent_id}/photo")


def parent_photo(parent_id: int) -> Callable[[], bytes]:
    return download(f"/entry-logs/parents/{parent_id}/photo")


def pickup_alerts(nursery_id: int) -> list[dict]:
    """Exits by someone who may not collect a child, not yet acknowledged (uncached: the panel refreshes it)."""
    return fetch(f"/entry-logs/nurseries/{nursery_id}/pickup-alerts")


def acknowledge_pickup_alert(nursery_id: int, alert_id: int) -> None:
    write("POST", f"/entry-logs/nurseries/{nursery_id}/pickup-alerts/{alert_id}/acknowledge")


# 延長保育


def care_month(*, page: int = 1, page_size: int = 50, **filters: Any) -> dict:
    """{items, total, page, page_size, hasHours}; filters: nurseryId, month (YYYY-MM)."""
    answer = fetch("/entry-logs/extended-care", page=page, page_size=page_size, **filters)
    return answer | {"page_size": answer["pageSize"]}


def care_days(nursery_id: int, month: str, child_id: int | None = None) -> list[dict]:
    """The month's days with extended care (one child's when given): firstEntry, lastExit, minutes, units."""
    return fetch("/entry-logs/extended-care/days", nurseryId=nursery_id, month=month, childId=child_id)


def care_figures(nursery_id: int, month: str) -> list[dict]:
    """The month's named figures: children with extended care, its minutes and its units."""
    return fetch("/entry-logs/extended-care/figures", nurseryId=nursery_id, month=month)


def care_hours(nursery_id: int) -> list[dict]:
    """The nursery's standard hours and extended-care unit, latest start first."""
    return fetch(f"/entry-logs/nurseries/{nursery_id}/care-hours")


def set_care_hours(nursery_id: int, data: dict) -> dict:
    """Hours and unit from a date of this month or later on: effectiveFrom, openingTime, closingTime, unitMinutes."""
    return write("POST", f"/entry-logs/nurseries/{nursery_id}/care-hours", data)
