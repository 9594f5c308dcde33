"""The three views of §2.3.4 (NORMAL, AUDIT, SUMMARY), computed in SQL and limited to the caller's 管轄.

Every row's current state is its device's latest submission, joined through the device's pointer to it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from service.config import get_settings
from service.loaners import forms, labels
from service.loaners.devices import device_type_of, held_days, with_places
from service.loaners.masters import active_data_type
from service.loaners.models import Device, Location, Model, Submission
from service.search import contains
from service.tenancy import TenantScope, scoped

AUDIT_KINDS = ("terminal", "printer")  # AUDIT's sourceSheets: 端末ステータス収集, プリンタステータス収集
LONGEST_PER_CARD = 5


@dataclass(frozen=True)
class ViewFilter:
    jurisdiction: str | None = None
    location_id: str | None = None
    kind: str | None = None
    status: str | None = None
    held_status: str | None = None
    q: str | None = None


def _filtered(stmt: Select, flt: ViewFilter) -> Select:
    for column, value in (
        (Location.jurisdiction, flt.jurisdiction),
        (Device.location_id, flt.location_id),
        (Device.kind, flt.kind),
        (Device.status, flt.status),
        (Device.held_status, flt.held_status),
    ):
        if value:
            stmt = stmt.where(column == value)
    if flt.q:
        stmt = stmt.where(contains(flt.q, Device.management_number))
    return stmt


def local_text(at: datetime | None) -> str | None:
    """§7: yyyy/MM/dd HH:mm:ss in the service's time zone."""
    return None if at is None else at.astimezone(ZoneInfo(get_settings().timezone)).strftime("%Y/%m/%d %H:%M:%S")


def _matching(stmt: Select, scope: TenantScope, flt: ViewFilter, kinds: tuple[str, ...] | None) -> Select:
    """Devices matching the filters within the caller's 管轄; the location is joined only when a 管轄 limits them."""
    if not scope.unrestricted or flt.jurisdiction:
        stmt = scoped(stmt.join(Location, Location.id == Device.location_id), scope, Location.jurisdiction)
    stmt = _filtered(stmt, flt)
    return stmt.where(Device.kind.in_(kinds)) if kinds else stmt


def device_page(
    db: Session, *, scope: TenantScope, flt: ViewFilter, offset: int, limit: int, kinds: tuple[str, ...] | None = None
) -> tuple[list[Any], int]:
    """One page of devices with location, model and current submission (its latest), and how many match.

    The page's ids are found on the device table alone (a deferred join), then only those rows are joined.
    """
    total = db.scalar(_matching(select(func.count()).select_from(Device), scope, flt, kinds)) or 0
    ids = (
        _matching(select(Device.id, Device.management_number), scope, flt, kinds)
        .order_by(Device.management_number)
        .offset(offset)
        .limit(limit)
        .subquery()
    )
    rows = db.execute(
        select(Device, Location, Model, Submission)
        .join(ids, ids.c.id == Device.id)
        .join(Location, Location.id == Device.location_id)
        .join(Model, Model.id == Device.model_id)
        .outerjoin(Submission, Submission.id == Device.current_submission_id)
        .order_by(ids.c.management_number)
    ).all()
    return list(rows), total


def _base_values(device: Device, model: Model, submission: Submission | None) -> dict[str, str | None]:
    return {
        labels.COL_NUMBER: device.management_number,
        labels.COL_KIND: labels.KINDS[device.kind],
        labels.COL_MODEL: model.name,
        labels.COL_SERIAL: device.serial_number,
        labels.COL_TIMESTAMP: local_text(submission.submitted_at if submission else None),
    }


def normal_view(db: Session, *, scope: TenantScope, flt: ViewFilter, offset: int, limit: int) -> dict[str, Any]:
    """NORMAL: base columns plus, per row, only the answers its status shows (prefix rule and nested 3-X-* rule)."""
    active_data_type(db, "NORMAL")
    questions = forms.question_set(db)
    rows, total = device_page(db, scope=scope, flt=flt, offset=offset, limit=limit)
    items = []
    for device, _location, model, submission in rows:
        answers = submission.answers if submission else {}
        visible = questions.visible_keys(answers)
        items.append(
            {
                "device_id": device.id,
                "location_id": device.location_id,
                "status": device.status,
                "held_status": device.held_status,
                "columns": [*labels.NORMAL_BASE_COLUMNS, *visible],
                "values": _base_values(device, model, submission) | {key: answers.get(key) for key in visible},
            }
        )
    return {"columns": [*labels.NORMAL_BASE_COLUMNS, *questions.keys], "items": items, "total": total}


def _answer(key: str) -> Callable[[Device, Model, dict[str, str]], str | None]:
    return lambda _device, _model, answers: answers.get(key)


def _attribute(name: str) -> Callable[[Device, Model, dict[str, str]], str | None]:
    return lambda device, _model, _answers: getattr(device, name) or None


AUDIT_SOURCES: dict[str, Callable[[Device, Model, dict[str, str]], str | None]] = {
    "担当者": _answer(labels.PERSON_KEY),
    "資産管理番号": _attribute("asset_number"),
    "拠点管理番号": _attribute("management_number"),
    "機種名": lambda _device, model, _answers: model.name,
    "製造番号": _attribute("serial_number"),
    "ソフトウェア": _attribute("software"),
    "OS": _attribute("os"),
    "ステータス": _answer(labels.STATUS_KEY),
    "貸出先": _answer("1-1.貸出先"),
    "貸出日": _answer("1-2.貸出日"),
    "ユーザー預り機有": _answer(labels.CUSTODY_KEY),
    "お預かり証No.": _answer("1-5.お預かり証No."),
    "備考": _answer("0-5.備考"),
}


def audit_view(db: Session, *, scope: TenantScope, flt: ViewFilter, offset: int, limit: int) -> dict[str, Any]:
    """AUDIT: the 13 columns of §2.3.4 for terminals and printers, filtered by 管轄."""
    active_data_type(db, "AUDIT")
    rows, total = device_page(db, scope=scope, flt=flt, offset=offset, limit=limit, kinds=AUDIT_KINDS)
    items = []
    for device, _location, model, submission in rows:
        answers = submission.answers if submission else {}
        values = {column: AUDIT_SOURCES[column](device, model, answers) for column in labels.AUDIT_COLUMNS}
        items.append({"device_id": device.id, "values": values})
    return {"columns": list(labels.AUDIT_COLUMNS), "items": items, "total": total}


# --- SUMMARY ---------------------------------------------------------------------------------------------


def _held(stmt: Select, scope: TenantScope, jurisdiction: str | None) -> Select:
    """§3.1.1: lent out, the user's device in our keeping, and a held status set (the last implies the other two)."""
    stmt = with_places(stmt, scope).where(Device.held_status.is_not(None))
    return stmt.where(Location.jurisdiction == jurisdiction) if jurisdiction else stmt


def _categories_of(device_type: str) -> list[str]:
    return [category for category, entry in labels.CATEGORIES.items() if entry[3] == device_type]


def held_devices(
    db: Session,
    *,
    scope: TenantScope,
    jurisdiction: str | None,
    held_status: str | None,
    location_id: str | None,
    device_type: str | None,
    offset: int,
    limit: int,
    now: datetime,
) -> tuple[list[dict[str, Any]], int]:
    """The devices a summary card counts, longest held first, with how many days each has been held."""
    stmt = _held(select(Device, Location, Model), scope, jurisdiction)
    if held_status:
        stmt = stmt.where(Device.held_status == held_status)
    if location_id:
        stmt = stmt.where(Device.location_id == location_id)
    if device_type:
        stmt = stmt.where(Model.category.in_(_categories_of(device_type)))
    total = db.scalar(select(func.count()).select_from(stmt.with_only_columns(Device.id).subquery())) or 0
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
        "held_status": device.held_status,
        "category": labels.HELD_STATUSES.get(device.held_status, device.held_status),
        "held_since": device.held_since,
        "held_days": held_days(device.held_since, now),
    }


def _longest(db: Session, scope: TenantScope, jurisdiction: str | None, now: datetime) -> dict[str, list[dict]]:
    """The few longest-held devices of every held status (each an ordered scan of the held-devices index)."""
    longest: dict[str, list[dict]] = {}
    for held_status in labels.HELD_STATUSES:
        stmt = _held(select(Device, Location, Model), scope, jurisdiction).where(Device.held_status == held_status)
        rows = db.execute(stmt.order_by(Device.held_since, Device.id).limit(LONGEST_PER_CARD))
        longest[held_status] = [_held_device(device, location, model, now) for device, location, model in rows]
    return longest


def summary_view(db: Session, *, scope: TenantScope, jurisdiction: str | None, now: datetime) -> dict[str, Any]:
    """SUMMARY: a card per held status with counts per location x SV/CL/プリンタ/その他 and totals, within 管轄."""
    settings = active_data_type(db, "SUMMARY").display_settings.get("categories", {})
    counts = db.execute(
        _held(
            select(Device.held_status, Device.location_id, Model.category, func.count(), func.min(Device.held_since)),
            scope,
            jurisdiction,
        ).group_by(Device.held_status, Device.location_id, Model.category)
    ).all()
    locations = scoped(select(Location), scope, Location.jurisdiction)
    if jurisdiction:
        locations = locations.where(Location.jurisdiction == jurisdiction)
    holding = {row[1] for row in counts}
    places = [p for p in db.scalars(locations.order_by(Location.id)) if p.status == "active" or p.id in holding]
    longest = _longest(db, scope, jurisdiction, now)
    cards = []
    for held_status, category in labels.HELD_STATUSES.items():
        cells = [row for row in counts if row[0] == held_status]
        look = settings.get(category, {}) if isinstance(settings, dict) else {}
        cards.append(_card(held_status, category, look, places, cells, longest.get(held_status, []), now))
    return {
        "jurisdiction": jurisdiction,
        "device_types": list(labels.DEVICE_TYPES),
        "cards": cards,
        "total": sum(card["total"] for card in cards),
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
    rows = {
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
