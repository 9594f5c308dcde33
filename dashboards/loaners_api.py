"""代替機: every call the loaners pages make, built on api.py's cached reads, writes, uploads and downloads."""

from collections.abc import Callable
from typing import Any

from dashboards.api import PERSON, columns_field, download, export_url, fetch, file_part, read, reference, write


def vocabulary() -> dict:
    """The domain's labels (code -> Japanese, in display order), form keys and the form check's messages."""
    return reference("/loaners/vocabulary")


# Masters


def jurisdictions() -> list[str]:
    """The 管轄 the signed-in user may see (only their own for a scoped grant)."""
    return reference("/loaners/jurisdictions", also=["loaners/locations"])


def locations(**filters: Any) -> list[dict]:
    return reference("/loaners/locations", **filters)


def create_location(data: dict) -> dict:
    return write("POST", "/loaners/locations", data)


def update_location(location_id: str, changes: dict) -> dict:
    return write("PATCH", f"/loaners/locations/{location_id}", changes)


def categories() -> list[dict]:
    return reference("/loaners/categories")


def models() -> list[dict]:
    return reference("/loaners/models")


def create_model(data: dict) -> dict:
    return write("POST", "/loaners/models", data)


def update_model(model_id: str, changes: dict) -> dict:
    return write("PATCH", f"/loaners/models/{model_id}", changes)


def delete_model(model_id: str) -> None:
    write("DELETE", f"/loaners/models/{model_id}")


def data_types() -> list[dict]:
    return reference("/loaners/data-types", include_inactive=True)


def active_data_types() -> list[dict]:
    """The views the pages offer, in 表示順序 (an admin's change shows at the next read: writes clear the cache)."""
    return reference("/loaners/data-types")


def update_data_type(data_type_id: str, changes: dict) -> dict:
    return write("PATCH", f"/loaners/data-types/{data_type_id}", changes)


def label_sheet(location_id: str, kind: str = "") -> Callable[[], bytes]:
    """The location's QR label sheet (PDF)."""
    return download(f"/loaners/locations/{location_id}/labels.pdf", kind=kind or None)


# Forms and devices


def form(kind: str) -> dict:
    return reference(f"/loaners/forms/{kind}")


def add_question(kind: str, data: dict) -> dict:
    return write("POST", f"/loaners/forms/{kind}/questions", data)


def list_devices(*, page: int = 1, page_size: int = 50, **filters: Any) -> dict:
    return read("/loaners/devices", page=page, page_size=page_size, **filters)


def create_device(data: dict) -> dict:
    return write("POST", "/loaners/devices", data)


def get_device(device_id: int) -> dict:
    return read(f"/loaners/devices/{device_id}")


def device_form(device_id: int) -> dict:
    """The device, its status form, the current answers to prefill and the keys they show."""
    return read(f"/loaners/devices/{device_id}/form")


def timeline(device_id: int, *, page: int = 1, page_size: int = 50) -> dict:
    return read(f"/loaners/devices/{device_id}/submissions", page=page, page_size=page_size)


def submit(device_id: int, answers: dict) -> dict:
    return write("POST", f"/loaners/devices/{device_id}/submissions", {"answers": answers})


def bulk_submit(device_ids: list[int], answers: dict) -> list[dict]:
    """一括ステータス変更: the same answers for every device, each its own submission, all or none."""
    return write("POST", "/loaners/submissions/bulk", {"device_ids": device_ids, "answers": answers})


def bulk_picks() -> list[dict]:
    """The devices the signed-in person chose for 一括ステータス変更, kept on the server, in the order chosen."""
    return fetch("/loaners/bulk-picks")


def add_bulk_pick(device_id: int) -> None:
    write("PUT", f"/loaners/bulk-picks/{device_id}", changes=PERSON)


def remove_bulk_pick(device_id: int) -> None:
    write("DELETE", f"/loaners/bulk-picks/{device_id}", changes=PERSON)


def clear_bulk_picks() -> None:
    write("DELETE", "/loaners/bulk-picks", changes=PERSON)


def qr_png(device_id: int) -> bytes:
    return download(f"/loaners/devices/{device_id}/qr.png")()


# Views


def normal_view(*, page: int = 1, page_size: int = 50, **filters: Any) -> dict:
    return read("/loaners/views/normal", page=page, page_size=page_size, **filters)


def audit_view(*, page: int = 1, page_size: int = 50, **filters: Any) -> dict:
    return read("/loaners/views/audit", page=page, page_size=page_size, **filters)


def summary(jurisdiction: str = "") -> dict:
    return read("/loaners/views/summary", jurisdiction=jurisdiction)


def returns(*, page: int = 1, page_size: int = 50, **filters: Any) -> dict:
    """返却待ち: the devices in custody 返却可能 / 商談中 / 返却拒否, longest in that status first."""
    return read("/loaners/views/returns", page=page, page_size=page_size, **filters)


# Imports


def check_import(form_kind: str, file_name: str, content: bytes, columns: str | None = None) -> dict:
    """Send a Google Forms response sheet (.xlsx or CSV; columns: the mapping step's answer) for its dry run: a job
    says what each row will do (import_progress)."""
    return write(
        "POST",
        "/loaners/imports",
        files={"file": file_part(file_name, content)},
        data={"form_kind": form_kind, "dry_run": "true"} | columns_field(columns),
    )


def run_import(import_id: int) -> dict:
    """取り込む: a job stores the checked sheet's rows as history (follow it with import_progress)."""
    return write("POST", f"/loaners/imports/{import_id}/run")


def resolve_held_row(import_id: int, row: int, resolution: str) -> dict:
    """A 確認待ち row of a finished import registered as a new device (new) or added to the known one (existing)."""
    return write("POST", f"/loaners/imports/{import_id}/held/{row}", {"resolution": resolution})


def import_progress(import_id: int) -> dict:
    return fetch(f"/loaners/imports/{import_id}")


def imports(*, page: int = 1, page_size: int = 50) -> dict:
    """Every import, newest first (current: a job's state moves while the page is open)."""
    return fetch("/loaners/imports", page=page, page_size=page_size)


# Rotation (admin)


def rotation_preview() -> dict:
    """What a rotation started now would archive (nothing changes)."""
    return fetch("/loaners/rotations/preview")


def latest_rotation() -> dict | None:
    runs = fetch("/loaners/rotations", limit=1)
    return runs[0] if runs else None


def start_rotation() -> dict:
    return write("POST", "/loaners/rotations")


# Rotation archives (admin)


def archives() -> list[dict]:
    return fetch("/loaners/archives")


def search_archive(name: str, **params: Any) -> dict:
    """The first matches in one archive (the service reads its files as they stream; `complete` false when more)."""
    return fetch(f"/loaners/archives/{name}/search", **params)


def archive_download_url(name: str) -> str:
    """The archive's file as a plain link (the browser signs the download in with its session cookie)."""
    return export_url(f"/loaners/archives/{name}/download")
