"""代理店CRM: every call the CRM pages make, built on api.py's cached reads, writes, uploads and downloads.

Edits send the `version` they read; a stale one is an ApiError with status 409 and code `stale_version`.
Uploads are (file name, bytes, content type) triples sent as the multipart field `images`.
"""

import json
from collections.abc import Callable, Sequence
from typing import Any

from dashboards.api import NOTHING, PERSON, count, download, fetch, own, read, reference, write

Upload = tuple[str, bytes, str]


def _images(uploads: Sequence[Upload]) -> list[tuple[str, Upload]]:
    return [("images", upload) for upload in uploads]


# The caller, masters, notifications


def me() -> dict:
    """The caller's CRM role, agency, codes and the page to open first."""
    return own("/crm/me", also=["crm/agencies"])


def masters() -> dict:
    return reference("/crm/masters")


def vocabulary() -> dict:
    """Status colours, notification kinds and the status rules (transitions {from: [to]}, cancellable, closed)."""
    return reference("/crm/vocabulary")


def validate(kind: str, values: dict) -> None:
    """A dry run of the API's schema for a form (corporation, site, request, agency, user_create, user_update):
    nothing is stored; a refusal is an ApiError 422 whose details.errors name each field, rule and ctx."""
    write("POST", f"/crm/validate/{kind}", values, changes=NOTHING)


def unread_count() -> int:
    """The unread badge, on every CRM page: a count (another person's action raises it)."""
    return count("/crm/notifications/unread-count")["unread"]


def list_notifications(*, page: int = 1, page_size: int = 20, unread: bool = False) -> dict:
    return fetch("/crm/notifications", page=page, page_size=page_size, unread=unread or None)


def read_all_notifications() -> dict:
    return write("POST", "/crm/notifications/read-all", changes=PERSON)


def my_summary() -> dict:
    return read("/crm/my/summary")


# Corporations


def search_corporations(*, q: str = "", page: int = 1, page_size: int = 20) -> dict:
    return read("/crm/corporations", q=q, page=page, page_size=page_size)


def get_corporation(corporation_id: int) -> dict:
    return fetch(f"/crm/corporations/{corporation_id}")


def update_corporation(corporation_id: int, changes: dict) -> dict:
    return write("PATCH", f"/crm/corporations/{corporation_id}", changes)


def merge_corporation(kept_id: int, duplicate_id: int) -> dict:
    """法人の統合 (admin): the duplicate's requests and sites move to the corporation kept; the duplicate goes."""
    return write("POST", f"/crm/corporations/{kept_id}/merge", {"duplicate_id": duplicate_id})


def reveal_card(corporation_id: int) -> dict:
    """The full card number (and security code while kept); the API audits every reveal."""
    return write("POST", f"/crm/corporations/{corporation_id}/card/reveal")


# Requests


def create_request(payload: dict, uploads: Sequence[Upload]) -> dict:
    """新規投入依頼 (payload.corporation) or 既存法人に地点追加 (payload.corporation_id) with the statement images."""
    return write(
        "POST", "/crm/requests", data={"payload": json.dumps(payload, ensure_ascii=False)}, files=_images(uploads)
    )


def list_requests(*, page: int = 1, page_size: int = 50, **filters: Any) -> dict:
    """Filters: mine, status, corporation, requested_by, agency_id, since, until (local dates), unread; unread_first
    orders 投入案件一覧 (news for the back office on top)."""
    return read("/crm/requests", page=page, page_size=page_size, **filters)


def queue_summary() -> dict:
    """投入案件一覧's to-do counts: open (対応中), unread (news the caller has not read), resubmitted_unread,
    unassigned (「次の依頼を担当」's queue); a count, as the menu shows it on every page."""
    return count("/crm/requests/queue-summary")


def queue_badge() -> int:
    """The menu's count on 投入案件一覧: cases with news (修正再提出, comments) the caller has not opened."""
    return queue_summary()["unread"]


def take_next() -> dict | None:
    """次の依頼を担当: the oldest unassigned request (resubmitted ones first), now the caller's (None: none
    waits)."""
    return write("POST", "/crm/requests/next")["request"]


def reassign(request_id: int, assignee: int | None) -> dict:
    """担当者の変更 (admins): to a member of the back office, or back to the queue (None)."""
    return write("PUT", f"/crm/requests/{request_id}/assignee", {"assigned_to": assignee})


def team(**filters: Any) -> dict:
    """チームの依頼: the requests the caller sees by sales person and status (each count the list's total)."""
    return read("/crm/requests/team", **filters)


def get_request(request_id: int) -> dict:
    """The request as it is now (never cached: an edit must start from the current version)."""
    return fetch(f"/crm/requests/{request_id}")


def update_request(request_id: int, changes: dict) -> dict:
    return write("PATCH", f"/crm/requests/{request_id}", changes)


def mark_read(request_id: int) -> dict:
    """The caller's own marks and notifications only (every person has their own): nobody else's reads are cleared,
    though 案件詳細 marks on every open while its reader has anything unread."""
    return write("POST", f"/crm/requests/{request_id}/read", changes=PERSON)


def add_images(request_id: int, uploads: Sequence[Upload]) -> list[dict]:
    return write("POST", f"/crm/requests/{request_id}/images", files=_images(uploads))


def resubmit(request_id: int, message: str, version: int) -> dict:
    return write("POST", f"/crm/requests/{request_id}/resubmit", {"message": message, "version": version})


def cancel_request(request_id: int, version: int) -> dict:
    return write("POST", f"/crm/requests/{request_id}/cancel", {"version": version})


def raise_deficiency(request_id: int, message: str, version: int, site_id: int | None = None) -> dict:
    """不備あり on one site (its version) or on the whole request (the request's version)."""
    body = {"message": message, "version": version, "site_id": site_id}
    return write("POST", f"/crm/requests/{request_id}/deficiencies", body)


def post_comment(request_id: int, message: str, site_id: int | None = None) -> dict:
    return write("POST", f"/crm/requests/{request_id}/comments", {"message": message, "site_id": site_id})


def request_carrier_csv(request_id: int) -> Callable[[], bytes]:
    return download(f"/crm/requests/{request_id}/carrier.csv")


# Sites and images


def create_site(request_id: int, fields: dict) -> dict:
    return write("POST", f"/crm/requests/{request_id}/sites", fields)


def get_site(site_id: int) -> dict:
    return fetch(f"/crm/sites/{site_id}")


def update_site(site_id: int, changes: dict) -> dict:
    return write("PATCH", f"/crm/sites/{site_id}", changes)


def change_site_status(site_id: int, status: str, version: int, reason: str = "") -> dict:
    return write("POST", f"/crm/sites/{site_id}/status", {"status": status, "version": version, "reason": reason})


def cancel_site(site_id: int, version: int) -> dict:
    return write("POST", f"/crm/sites/{site_id}/cancel", {"version": version})


def delete_site(site_id: int, version: int) -> None:
    write("DELETE", f"/crm/sites/{site_id}", params={"version": version})


def site_carrier_csv(site_id: int) -> Callable[[], bytes]:
    """The site in the carrier entry screen's field names."""
    return download(f"/crm/sites/{site_id}/carrier.csv")


def image_bytes(image_id: int, *, thumbnail: bool = False) -> bytes:
    return download(f"/crm/images/{image_id}/{'thumbnail' if thumbnail else 'file'}")()


def image_file(image_id: int) -> Callable[[], bytes]:
    return download(f"/crm/images/{image_id}/file")


def ocr_engine() -> dict:
    """Whether statement images are read by OCR (the engine, its version) and, if not, the sentence saying so."""
    return reference("/crm/ocr/engine")


def image_ocr(image_id: int) -> dict:
    """What OCR read on the image (uncached: a reading on the bulk queue may finish at any moment)."""
    return fetch(f"/crm/images/{image_id}/ocr")


def ocr_page(image_id: int, field: str | None) -> bytes:
    """The page as OCR read it, the box of `field`'s proposal drawn on it."""
    return download(f"/crm/images/{image_id}/ocr/page", field=field)()


def link_image(image_id: int, site_id: int | None) -> dict:
    return write("PATCH", f"/crm/images/{image_id}", {"site_id": site_id})


def delete_image(image_id: int) -> None:
    write("DELETE", f"/crm/images/{image_id}")


# 獲得案件一覧, 代理店別数値, dashboard


def list_acquired(*, page: int = 1, page_size: int = 20, **filters: Any) -> dict:
    """投入済 sites by corporation; filters q, since, until, agency_id."""
    return read("/crm/acquired", page=page, page_size=page_size, **filters)


def agency_metrics(**filters: Any) -> dict:
    """代理店別数値 in one read (filters since, until, agency_id): per agency requests, by status, acquired sites,
    不備率 and the total; the page's named figures; the period's most frequent 不備 reasons ([{reason, count}])."""
    return read("/crm/metrics/agencies", **filters)


def metrics_series(granularity: str, **filters: Any) -> dict:
    return read("/crm/metrics/series", granularity=granularity, **filters)


def ocr_acceptance(**filters: Any) -> dict:
    """OCR採用率 per agency and field (filters since, until, agency_id, field): {since, until, rows, total,
    hands_free}, each row its counts and its named figure; hands_free 手入力なしの請求書's."""
    return read("/crm/ocr/acceptance", **filters)


def list_ocr_reviews(*, page: int = 1, page_size: int = 20, **filters: Any) -> dict:
    """OCR確認履歴, the newest first; filters agency_id, field, since, until."""
    return read("/crm/ocr/reviews", page=page, page_size=page_size, **filters)


def list_ocr_bills(*, page: int = 1, page_size: int = 20, **filters: Any) -> dict:
    """OCR確認履歴（請求書ごと）, the newest first; filters agency_id, since, until."""
    return read("/crm/ocr/bills", page=page, page_size=page_size, **filters)


def dashboard() -> dict:
    return read("/crm/dashboard")


# 代理店管理, ユーザー管理, 監査ログ


def list_agencies(*, page: int = 1, page_size: int = 100, **filters: Any) -> dict:
    return reference("/crm/agencies", page=page, page_size=page_size, **filters)


def get_agency(agency_id: int) -> dict:
    return fetch(f"/crm/agencies/{agency_id}")


def create_agency(data: dict) -> dict:
    return write("POST", "/crm/agencies", data)


def update_agency(agency_id: int, changes: dict) -> dict:
    return write("PATCH", f"/crm/agencies/{agency_id}", changes)


def sales_staff(*, agency_id: int | None = None, q: str = "", page_size: int = 100) -> dict:
    return reference("/crm/sales-staff", also=["crm/agencies"], agency_id=agency_id, q=q, page_size=page_size)


def list_users(*, page: int = 1, page_size: int = 50, **filters: Any) -> dict:
    return read("/crm/users", page=page, page_size=page_size, **filters)


def get_user(user_id: int) -> dict:
    return fetch(f"/crm/users/{user_id}")


def create_user(data: dict) -> dict:
    return write("POST", "/crm/users", data)


def update_user(user_id: int, changes: dict) -> dict:
    return write("PATCH", f"/crm/users/{user_id}", changes)


def remove_user(user_id: int) -> None:
    write("DELETE", f"/crm/users/{user_id}")


def list_audit(*, page: int = 1, page_size: int = 50, **filters: Any) -> dict:
    return read("/crm/audit", page=page, page_size=page_size, **filters)


def audit_vocabulary() -> dict:
    """The 監査ログ filters' codes in words: {actions, target_types} (code -> Japanese)."""
    return reference("/crm/audit/vocabulary")


# マスタ管理 (admins, §8-9)


def manage_masters() -> dict:
    """Every option and editable choice kind, inactive ones too, with in_use counts and the kinds' names."""
    return read("/crm/masters/manage")


def create_option(data: dict) -> dict:
    return write("POST", "/crm/masters/options", data)


def update_option(code: str, changes: dict) -> dict:
    return write("PATCH", f"/crm/masters/options/{code}", changes)


def delete_option(code: str, version: int) -> None:
    write("DELETE", f"/crm/masters/options/{code}", params={"version": version})


def create_choice(kind: str, data: dict) -> dict:
    return write("POST", f"/crm/masters/choices/{kind}", data)


def update_choice(kind: str, code: str, changes: dict) -> dict:
    return write("PATCH", f"/crm/masters/choices/{kind}/{code}", changes)


def delete_choice(kind: str, code: str, version: int) -> None:
    write("DELETE", f"/crm/masters/choices/{kind}/{code}", params={"version": version})
