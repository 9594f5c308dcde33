"""The views of §2.3.4 NORMAL and SUMMARY in SQL, limited to the caller's 管轄 (AUDIT is history.py)."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from operator import methodcaller
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Row, Select, func, select
from sqlalchemy.orm import Session

from service.config import get_settings
from service.exports import ListExport, item
from service.loaners import labels, view_settings
from service.loaners.device_filter import ViewFilter, chosen, device_page, matching
from service.loaners.devices.devices import device_type_of, held_days, with_places
from service.loaners.kinds import Category
from service.loaners.masters.masters import active_data_type
from service.loaners.models import Device, Location, Model, Submission
from service.loaners.submissions import forms
from service.loaners.view_settings import ViewSettings
from service.sheets import Column
from service.tenancy import TenantScope, scoped

LONGEST_PER_CARD = 5


def local_text(at: datetime | None) -> str | None:
    """§7: yyyy/MM/dd HH:mm:ss in the service's time zone."""
    return None if at is None else at.astimezone(ZoneInfo(get_settings().timezone)).strftime("%Y/%m/%d %H:%M:%S")


def _as_text(value: Any) -> str | None:
    if isinstance(value, datetime):
        return local_text(value)
    return str(value) if isinstance(value, int) else value


def as_text(values: dict[str, Any]) -> dict[str, str | None]:
    """The files take the values themselves, so a spreadsheet reads a time as a date cell and days as a number."""
    return {column: _as_text(value) for column, value in values.items()}


ColumnSource = Callable[[Device, Model, Submission | None], Any]


def _answer(key: str) -> ColumnSource:
    return lambda _device, _model, submission: (submission.answers if submission else {}).get(key)


def _submitted_at(_device: Device, _model: Model, submission: Submission | None) -> datetime | None:
    return submission.submitted_at if submission else None


def _attribute(name: str) -> ColumnSource:
    return lambda device, _model, _submission: getattr(device, name) or None


COLUMN_SOURCES: dict[str, ColumnSource] = {
    labels.COL_NUMBER: _attribute("management_number"),
    labels.COL_KIND: lambda device, _model, _submission: labels.KINDS[device.kind],
    labels.COL_MODEL: lambda _device, model, _submission: model.name,
    labels.COL_SERIAL: _attribute("serial_number"),
    labels.COL_TIMESTAMP: _submitted_at,
    "担当者": _answer(labels.PERSON_KEY),
    "資産管理番号": _attribute("asset_number"),
    "ソフトウェア": _attribute("software"),
    "OS": _attribute("os"),
    "ステータス": _answer(labels.STATUS_KEY),
    "貸出先": _answer("1-1.貸出先"),
    "貸出日": _answer("1-2.貸出日"),
    "ユーザー預り機有": _answer(labels.CUSTODY_KEY),
    "お預かり証No.": _answer("1-5.お預かり証No."),
    "備考": _answer("0-5.備考"),
}


def column_value(column: str, device: Device, model: Model, submission: Submission | None) -> Any:
    source = COLUMN_SOURCES.get(column) or _answer(column)
    return source(device, model, submission)


def view_settings_of(db: Session, data_type_id: str) -> ViewSettings:
    """A view is served only while its type is active."""
    return view_settings.settings_of(active_data_type(db, data_type_id))


def _normal_values(
    device: Device,
    model: Model,
    submission: Submission | None,
    base: list[str],
    forms_by_kind: dict,
    now: datetime,
) -> dict[str, Any]:
    answers = submission.answers if submission else {}
    own = [key for key in forms_by_kind[device.kind].visible_keys(answers) if key not in base]
    values = {column: column_value(column, device, model, submission) for column in base}
    if device.held_status_since is not None:
        values[labels.COL_STATUS_DAYS] = held_days(device.held_status_since, now)
    return values | {column: column_value(column, device, model, submission) for column in own}


def _normal_header(settings: ViewSettings, forms_by_kind: dict, flt: ViewFilter) -> list[str]:
    base = [*settings.columns, labels.COL_STATUS_DAYS]
    kinds = [k for k in (settings.kinds or labels.KINDS) if not flt.kind or k == flt.kind]
    return [*base, *dict.fromkeys(key for kind in kinds for key in forms_by_kind[kind].keys if key not in base)]


def normal_view(
    db: Session, *, scope: TenantScope, flt: ViewFilter, offset: int, limit: int, now: datetime
) -> dict[str, Any]:
    settings = view_settings_of(db, "NORMAL")
    forms_by_kind = forms.question_sets(db)
    rows, total = device_page(db, scope=scope, flt=flt, offset=offset, limit=limit, settings=settings)
    base = list(settings.columns)
    items = []
    for device, _location, model, submission in rows:
        values = as_text(_normal_values(device, model, submission, base, forms_by_kind, now))
        items.append(
            {
                "device_id": device.id,
                "location_id": device.location_id,
                "status": device.status,
                "held_status": device.held_status,
                "columns": list(values),
                "values": values,
            }
        )
    return {"columns": _normal_header(settings, forms_by_kind, flt), "items": items, "total": total}


def _export(scope: TenantScope, flt: ViewFilter, settings: ViewSettings, header: list[str], values: Any) -> ListExport:
    stmt = (
        select(Device, Model, Submission)
        .join(Model, Model.id == Device.model_id)
        .outerjoin(Submission, Submission.id == Device.current_submission_id)
    )
    columns = [Column(name, methodcaller("get", name)) for name in header]
    return ListExport(matching(stmt, scope, flt, settings), (Device.management_number,), columns, values)


def normal_export(db: Session, *, scope: TenantScope, flt: ViewFilter, now: datetime) -> ListExport:
    settings = view_settings_of(db, "NORMAL")
    base = list(settings.columns)

    def values(batch_db: Session, rows: Sequence[Row]) -> list[dict[str, Any]]:
        forms_by_kind = forms.question_sets(batch_db)
        return [
            _normal_values(device, model, submission, base, forms_by_kind, now)
            for device, model, submission, *_ in rows
        ]

    return _export(scope, flt, settings, _normal_header(settings, forms.question_sets(db), flt), values)


# --- SUMMARY ---------------------------------------------------------------------------------------------


def _held(stmt: Select, scope: TenantScope, jurisdiction: str | None, settings: ViewSettings) -> Select:
    """§3.1.1: lent out with the user's device in our keeping, its held status set or blank (未分類)."""
    stmt = with_places(stmt, scope).where(Device.held_since.is_not(None))
    return chosen(stmt, ViewFilter(jurisdiction=jurisdiction), settings)


def _held_status_is(held_status: str) -> Any:
    if held_status in ("", labels.UNCLASSIFIED):
        return Device.held_status.is_(None)
    return Device.held_status == held_status


def _categories_of(device_type: str) -> list[str]:
    return [category.value for category in Category.of_type(device_type)]


@dataclass(frozen=True)
class HeldFilter:
    jurisdiction: str | None = None
    held_status: str | None = None
    location_id: str | None = None
    device_type: str | None = None
    classified: bool = False  # §3.1.1: 預かり機の合計 leaves 未分類 out


def _held_filtered(db: Session, scope: TenantScope, flt: HeldFilter) -> Select:
    stmt = _held(select(Device, Location, Model), scope, flt.jurisdiction, view_settings_of(db, "SUMMARY"))
    if flt.held_status:
        stmt = stmt.where(_held_status_is(flt.held_status))
    if flt.classified:
        stmt = stmt.where(Device.held_status.is_not(None))
    if flt.location_id:
        stmt = stmt.where(Device.location_id == flt.location_id)
    if flt.device_type:
        stmt = stmt.where(Model.category.in_(_categories_of(flt.device_type)))
    return stmt


def count_held(db: Session, *, scope: TenantScope, flt: HeldFilter) -> int:
    stmt = _held_filtered(db, scope, flt)
    return db.scalar(select(func.count()).select_from(stmt.with_only_columns(Device.id).subquery())) or 0


def held_devices(
    db: Session, *, scope: TenantScope, flt: HeldFilter, offset: int, limit: int, now: datetime
) -> tuple[list[dict[str, Any]], int]:
    stmt = _held_filtered(db, scope, flt)
    total = count_held(db, scope=scope, flt=flt)
    rows = db.execute(stmt.order_by(Device.held_since, Device.id).offset(offset).limit(limit)).all()
    return [_held_device(device, location, model, now) for device, location, model in rows], total


def _held_device(device: Device, location: Location, model: Model, now: datetime) -> dict[str, Any]:
    return {
        "device_id": device.id,
        "management_number": device.management_number,
        "location_id": location.id,
        "location_name": location.name,
        "model_name": model.name,
        "device_type": device_type_of(model.category),
        "held_status": device.held_status or "",
        "category": labels.SUMMARY_CATEGORIES.get(device.held_status or "", device.held_status),
        "held_since": device.held_since,
        "held_days": held_days(device.held_since, now),
    }


def summary_export(db: Session, *, scope: TenantScope, flt: HeldFilter, now: datetime) -> ListExport:
    stmt = _held_filtered(db, scope, flt)

    def records(_db: Session, rows: Sequence[Row]) -> list[dict[str, Any]]:
        return [_held_device(device, location, model, now) for device, location, model, *_ in rows]

    columns = [item(header, key) for key, header in labels.SUMMARY_EXPORT_COLUMNS.items()]
    return ListExport(stmt, (Device.held_since, Device.id), columns, records)


def _longest(
    db: Session, scope: TenantScope, jurisdiction: str | None, settings: ViewSettings, now: datetime
) -> dict[str, list[dict]]:
    """Each an ordered scan of the held-devices index."""
    longest: dict[str, list[dict]] = {}
    for held_status in labels.SUMMARY_CATEGORIES:
        stmt = _held(select(Device, Location, Model), scope, jurisdiction, settings)
        stmt = stmt.where(_held_status_is(held_status))
        rows = db.execute(stmt.order_by(Device.held_since, Device.id).limit(LONGEST_PER_CARD))
        longest[held_status] = [_held_device(device, location, model, now) for device, location, model in rows]
    return longest


def summary_view(db: Session, *, scope: TenantScope, jurisdiction: str | None, now: datetime) -> dict[str, Any]:
    data_type = active_data_type(db, "SUMMARY")
    chosen = view_settings.settings_of(data_type)
    settings = data_type.display_settings.get("categories", {})
    counts = db.execute(
        _held(
            select(Device.held_status, Device.location_id, Model.category, func.count(), func.min(Device.held_since)),
            scope,
            jurisdiction,
            chosen,
        ).group_by(Device.held_status, Device.location_id, Model.category)
    ).all()
    locations = scoped(select(Location), scope, Location.jurisdiction)
    if jurisdiction:
        locations = locations.where(Location.jurisdiction == jurisdiction)
    holding = {row[1] for row in counts}
    places = [p for p in db.scalars(locations.order_by(Location.id)) if p.status == "active" or p.id in holding]
    longest = _longest(db, scope, jurisdiction, chosen, now)
    cards = {}
    for held_status, category in labels.SUMMARY_CATEGORIES.items():
        cells = [row for row in counts if (row[0] or "") == held_status]
        look = settings.get(category, {}) if isinstance(settings, dict) else {}
        cards[held_status] = _card(held_status, category, look, places, cells, longest.get(held_status, []), now)
    unclassified = cards.pop("")
    return {
        "jurisdiction": jurisdiction,
        "device_types": list(labels.DEVICE_TYPES),
        "cards": list(cards.values()),
        "total": sum(card["total"] for card in cards.values()),
        "unclassified": unclassified,
        "unclassified_note": labels.UNCLASSIFIED_NOTE,
    }


def _card(
    held_status: str,
    category: str,
    look: dict,
    places: list[Location],
    cells: list[Any],
    longest: list[dict],
    now: datetime,
) -> dict[str, Any]:
    rows: dict[str, dict[str, Any]] = {
        place.id: {
            "location_id": place.id,
            "location_name": place.name,
            "counts": dict.fromkeys(labels.DEVICE_TYPES, 0),
            "total": 0,
            "since": None,
        }
        for place in places
    }
    for _, location_id, model_category, count, since in cells:
        row = rows[location_id]
        row["counts"][device_type_of(model_category)] += count
        row["total"] += count
        row["since"] = since if row["since"] is None or (since and since < row["since"]) else row["since"]
    totals = dict.fromkeys(labels.DEVICE_TYPES, 0)
    for row in rows.values():
        for device_type, count in row["counts"].items():
            totals[device_type] += count
    return {
        "category": category,
        "held_status": held_status,
        "icon": str(look.get("icon", "")),
        "color": str(look.get("color", "")),
        "rows": [
            {k: v for k, v in row.items() if k != "since"} | {"longest_held_days": held_days(row["since"], now)}
            for row in rows.values()
        ],
        "totals": totals,
        "total": sum(totals.values()),
        "longest": longest,
    }
