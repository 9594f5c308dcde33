"""Service types and partner shops: CRUD (audited) and the shops' CSV import/export."""

from collections.abc import Callable
from datetime import datetime
from operator import attrgetter
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import Session

from service import fields
from service.audit import service as audit
from service.audit.service import Actor
from service.csvtools import spreadsheet_text
from service.errors import Conflict, Fields, ValidationFailed, validation_details
from service.exports import ListExport, entities, in_words
from service.reservations import auditing, labels
from service.reservations.models import (
    AUTO_CALLS,
    CallAttempt,
    Reservation,
    ServiceType,
    Shop,
    shop_service,
)
from service.reservations.shops import hours
from service.reservations.shops.schemas import ServiceTypeCreate, ServiceTypeUpdate, ShopCreate, ShopUpdate
from service.search import contains
from service.sheets import GENERAL, PHONE, Column
from service.tabular import Columns, Record, read_table, sheet_text

SERVICE_FIELDS = fields.audited(ServiceType)
SHOP_FIELDS = (*fields.audited(Shop), "service_type_ids")
AUTO_CALLS_FIELDS = fields.audited(Shop, AUTO_CALLS)
MAX_IMPORT_ROWS = 5000
SERVICE_SEPARATORS = ("|", "、", ";")


def _name_taken(db: Session, model: type[ServiceType] | type[Shop], name: str, own_id: int | None) -> None:
    if db.scalar(select(model.id).where(model.name == name, model.id != (own_id or 0))) is not None:
        raise Conflict(
            "同じ名前がすでに登録されています", code="duplicate_name", details={"field": "name", "rule": "unique"}
        )


# --- service types -----------------------------------------------------------------------------


def list_services(db: Session, *, active_only: bool = False) -> list[ServiceType]:
    stmt = select(ServiceType).order_by(ServiceType.id)
    return list(db.scalars(stmt.where(ServiceType.active) if active_only else stmt))


def create_service(db: Session, *, data: ServiceTypeCreate, actor: Actor, now: datetime) -> ServiceType:
    _name_taken(db, ServiceType, data.name, None)
    service = ServiceType(**data.model_dump(), created_at=now, updated_at=now)
    db.add(service)
    db.flush()
    auditing.record(db, actor, "create_service_type", ("service_type", service.id), None, data.model_dump(), now)
    return service


def update_service(db: Session, *, service: ServiceType, data: ServiceTypeUpdate, actor: Actor, now: datetime) -> None:
    changes = _changes(data)
    if "name" in changes:
        _name_taken(db, ServiceType, changes["name"], service.id)
    auditing.update(
        db,
        service,
        changes,
        SERVICE_FIELDS,
        actor=actor,
        action="update_service_type",
        target=("service_type", service.id),
        now=now,
    )


def _changes(data) -> dict[str, Any]:
    """An explicit null leaves a field as it is."""
    return {name: value for name, value in data.model_dump(exclude_unset=True).items() if value is not None}


def delete_service(db: Session, *, service: ServiceType, actor: Actor, now: datetime) -> None:
    """Only a service never booked can go; otherwise deactivate it."""
    if db.scalar(select(exists().where(Reservation.service_type_id == service.id))):
        raise Conflict(
            "予約で使われているサービスは削除できません。無効にしてください",
            code="service_in_use",
            details={"id": service.id},
        )
    before = audit.snapshot(service, SERVICE_FIELDS)
    auditing.record(db, actor, "delete_service_type", ("service_type", service.id), before, None, now)
    db.delete(service)


# --- shops -------------------------------------------------------------------------------------


def _services_by_id(db: Session, ids: list[int]) -> list[ServiceType]:
    found = list(db.scalars(select(ServiceType).where(ServiceType.id.in_(ids)))) if ids else []
    missing = sorted(set(ids) - {s.id for s in found})
    if missing:
        raise ValidationFailed(
            "存在しないサービスが指定されています",
            details={"field": "service_type_ids", "rule": "unknown_service", "ids": missing},
        )
    return found


def shop_snapshot(shop: Shop) -> dict[str, Any]:
    return audit.snapshot(shop, SHOP_FIELDS[:-1]) | {"service_type_ids": [s.id for s in shop.services]}


def list_shops(
    db: Session,
    *,
    q: str | None = None,
    service_type_id: int | None = None,
    active: bool | None = None,
    offset: int = 0,
    limit: int = 100,
) -> tuple[list[Shop], int]:
    stmt = shop_query(q=q, service_type_id=service_type_id, active=active)
    total = db.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = db.scalars(stmt.order_by(*SHOP_ORDER).offset(offset).limit(limit))
    return list(rows), total


SHOP_ORDER = (Shop.call_order, Shop.id)


def shop_query(*, q: str | None, service_type_id: int | None, active: bool | None) -> Select:
    stmt = select(Shop)
    if q:
        stmt = stmt.where(contains(q, Shop.name, Shop.phone))
    if service_type_id is not None:
        stmt = stmt.where(Shop.services.any(ServiceType.id == service_type_id))
    if active is not None:
        stmt = stmt.where(Shop.active == active)
    return stmt


def call_list(db: Session, service_type_id: int) -> list[Shop]:
    return list(
        db.scalars(
            select(Shop)
            .join(shop_service, shop_service.c.shop_id == Shop.id)
            .where(shop_service.c.service_type_id == service_type_id, Shop.active)
            .order_by(*SHOP_ORDER)
        )
    )


def create_shop(db: Session, *, data: ShopCreate, actor: Actor, now: datetime) -> Shop:
    _name_taken(db, Shop, data.name, None)
    hours.check_hours(data.opens_at, data.closes_at)
    fields = data.model_dump(exclude={"service_type_ids"}) | {"closed_days": hours.check_closed_days(data.closed_days)}
    shop = Shop(**fields, services=_services_by_id(db, data.service_type_ids), created_at=now, updated_at=now)
    db.add(shop)
    db.flush()
    auditing.record(db, actor, "create_shop", ("shop", shop.id), None, shop_snapshot(shop), now)
    return shop


def update_shop(db: Session, *, shop: Shop, data: ShopUpdate, actor: Actor, now: datetime) -> None:
    changes = _changes(data)
    if "name" in changes:
        _name_taken(db, Shop, changes["name"], shop.id)
    if changes.pop("all_day", False):
        changes |= {"opens_at": None, "closes_at": None}
    hours.check_hours(changes.get("opens_at", shop.opens_at), changes.get("closes_at", shop.closes_at))
    if "closed_days" in changes:
        changes["closed_days"] = hours.check_closed_days(changes["closed_days"])
    before = shop_snapshot(shop)
    if "service_type_ids" in changes:
        shop.services = _services_by_id(db, changes.pop("service_type_ids"))
    for name, value in changes.items():
        setattr(shop, name, value)
    shop.updated_at = now
    db.flush()
    auditing.record(db, actor, "update_shop", ("shop", shop.id), before, shop_snapshot(shop), now)


def stop_auto_calls(db: Session, *, shop: Shop, reason: str, actor: Actor, now: datetime) -> None:
    """自動電話停止 (the shop's 「今後の自動電話は不要」, pressed in a call or told an operator): only people call it. A
    shop already stopped stays as it was."""
    if shop.auto_calls_stopped_at is not None:
        return
    changes = {"auto_calls_stopped_at": now, "auto_calls_stopped_reason": reason}
    auditing.update(
        db, shop, changes, AUTO_CALLS_FIELDS, actor=actor, action="stop_auto_calls", target=("shop", shop.id), now=now
    )


def lift_auto_calls(db: Session, *, shop: Shop, actor: Actor, now: datetime) -> None:
    if shop.auto_calls_stopped_at is None:
        raise Conflict(labels.AUTO_CALLS_NOT_STOPPED, code="auto_calls_not_stopped", details={"id": shop.id})
    changes = {"auto_calls_stopped_at": None, "auto_calls_stopped_reason": ""}
    auditing.update(
        db, shop, changes, AUTO_CALLS_FIELDS, actor=actor, action="lift_auto_calls", target=("shop", shop.id), now=now
    )


def delete_shop(db: Session, *, shop: Shop, actor: Actor, now: datetime) -> None:
    """Only a shop never called can go; its call history stays readable."""
    used = db.scalar(select(exists().where(CallAttempt.shop_id == shop.id))) or db.scalar(
        select(exists().where(Reservation.shop_id == shop.id))
    )
    if used:
        raise Conflict(
            "電話履歴のある提携店は削除できません。無効にしてください", code="shop_in_use", details={"id": shop.id}
        )
    auditing.record(db, actor, "delete_shop", ("shop", shop.id), shop_snapshot(shop), None, now)
    db.delete(shop)


# --- CSV ---------------------------------------------------------------------------------------


def _cell(text: str) -> str:
    """The apostrophe that kept it from running as a formula is dropped."""
    return spreadsheet_text(text.strip()).strip()


SHOP_CSV_VALUES: tuple[Callable[[Shop], Any], ...] = (
    attrgetter("name"),
    attrgetter("phone"),  # written as dialled (090-1234-5678), which the import reads back
    attrgetter("email"),
    lambda shop: "|".join(s.name for s in shop.services),
    attrgetter("call_order"),
    in_words(Shop.active, attrgetter("active")),  # 有効 / 無効, which the import reads back
    attrgetter("notes"),
    lambda shop: "" if shop.opens_at is None else hours.hours_text(shop).replace("〜", "-"),
    attrgetter("closed_days"),
)
SHOP_CSV_COLUMNS = tuple(
    Column(header, value, PHONE if labels.SHOP_CSV_FIELDS[header] == "phone" else GENERAL)
    for header, value in zip(labels.SHOP_CSV_HEADER, SHOP_CSV_VALUES, strict=True)
)


def shop_export(*, q: str | None, service_type_id: int | None, active: bool | None) -> ListExport:
    stmt = shop_query(q=q, service_type_id=service_type_id, active=active)
    return ListExport(stmt, SHOP_ORDER, SHOP_CSV_COLUMNS, entities)


SHOP_COLUMNS = Columns(labels.SHOP_CSV_HEADER, [h for h, f in labels.SHOP_CSV_FIELDS.items() if f in ("name", "phone")])


def _rows(data: bytes, mapping: dict[str, str] | None) -> list[Record]:
    """Each row's cells by field (.xlsx or CSV, the header below any title), with its sheet row number."""
    table = read_table(sheet_text(data), SHOP_COLUMNS, mapping)
    rows = [Record(r.number, {labels.SHOP_CSV_FIELDS[k]: _cell(v) for k, v in r.values.items()}) for r in table.rows()]
    if len(rows) > MAX_IMPORT_ROWS:
        raise ValidationFailed(
            f"一度に取り込めるのは{MAX_IMPORT_ROWS}行までです（ファイルを分けて取り込んでください）",
            details={"field": "file", "rule": "max_rows"},
        )
    return rows


def _flag(text: str) -> bool:
    lowered, found = text.strip().lower(), fields.facts(Shop.active)
    if lowered in labels.CSV_TRUE or lowered in (found.words[0], fields.YES_NO[0]):
        return True
    if lowered in labels.CSV_FALSE or lowered in (found.words[1], fields.YES_NO[1]):
        return False
    raise ValueError(labels.CSV_FLAG.format(label=found.label, true=found.words[0], false=found.words[1]))


def _split(text: str) -> list[str]:
    for sep in SERVICE_SEPARATORS:
        text = text.replace(sep, "|")
    return [name.strip() for name in text.split("|") if name.strip()]


def _call_order(text: str) -> int:
    if not text:
        return 100
    if not text.isdigit():
        raise ValueError("架電順は0以上の整数で指定してください")
    return int(text)


def _parse_row(row: dict[str, str], services: dict[str, int]) -> ShopCreate:
    wanted = _split(row.get("services", ""))
    unknown = [name for name in wanted if name not in services]
    if unknown:
        raise ValueError(f"未登録のサービスです: {'、'.join(unknown)}")
    opens_at, closes_at = hours.parse_hours(row.get("hours", ""))
    return ShopCreate(
        name=row.get("name", ""),
        phone=row.get("phone", ""),
        email=row.get("email", ""),
        service_type_ids=[services[name] for name in wanted],
        call_order=_call_order(row.get("call_order", "")),
        active=_flag(row.get("active") or "1"),
        notes=row.get("notes", ""),
        opens_at=opens_at,
        closes_at=closes_at,
        closed_days=hours.closed_days(row.get("closed_days", "")),
    )


def import_shops(
    db: Session, *, data: bytes, actor: Actor, now: datetime, mapping: dict[str, str] | None = None
) -> dict[str, int]:
    """Every row is checked first: one bad row imports nothing. A mapping names the import's column for a file's
    column named otherwise (tabular.ColumnsUnmatched asks for one)."""
    services = {s.name: s.id for s in db.scalars(select(ServiceType))}
    parsed: list[ShopCreate] = []
    errors: list[dict[str, Any]] = []
    first_rows: dict[str, int] = {}  # the file's first row of each shop's name
    for record in _rows(data, mapping):
        number, row = record.number, record.values
        name = row.get("name", "")
        if name in first_rows:
            message = labels.SHOP_CSV_SAME_NAME.format(row=first_rows[name])
            errors.append({"row": number, "errors": [{"rule": "duplicate_name", "message": message}]})
            continue
        first_rows[name] = number
        try:
            parsed.append(_parse_row(row, services))
        except ValidationError as exc:
            errors.append(
                {
                    "row": number,
                    "errors": validation_details(exc.errors(), Fields("reservations", "shop")),
                }
            )
        except ValueError as exc:
            errors.append({"row": number, "errors": [{"rule": "value", "message": str(exc)}]})
    names = [p.name for p in parsed]
    if errors:
        raise ValidationFailed(
            "CSVに誤りがあります。1件も取り込んでいません", details={"field": "file", "rows": errors}
        )
    existing = {s.name: s for s in db.scalars(select(Shop).where(Shop.name.in_(names)))}
    created = updated = 0
    for data_row in parsed:
        shop = existing.get(data_row.name)
        if shop is None:
            create_shop(db, data=data_row, actor=actor, now=now)
            created += 1
        else:
            update_shop(db, shop=shop, data=ShopUpdate(**data_row.model_dump()), actor=actor, now=now)
            updated += 1
    return {"created": created, "updated": updated}
