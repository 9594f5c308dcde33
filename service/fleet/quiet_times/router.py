"""The fleet API of quiet times: customers' business hours (営業時間) and recurring maintenance windows."""

from fastapi import APIRouter

from service.database import utcnow
from service.deps import DbSession
from service.fleet import schedules
from service.fleet.dependencies import Admin, CustomerId, Operator, Reader, Scope, ScopedCustomer, ScopedWindow
from service.fleet.quiet_times import maintenance_windows
from service.fleet.quiet_times.schemas import BusinessHoursIn, MaintenanceWindowIn, MaintenanceWindowRead
from service.fleet.registry.schemas import CustomerRead
from service.openapi import declares

router = APIRouter(prefix="/fleet", tags=["fleet"])


@router.put("/customers/{customer_id:int}/business-hours", response_model=CustomerRead)
def set_business_hours(body: BusinessHoursIn, caller: Admin, customer: ScopedCustomer, db: DbSession) -> CustomerRead:
    """Opening and closing time (Japan time) and closed weekdays; silence outside them raises no alert until opening."""
    schedules.set_business_hours(db, customer=customer, **body.model_dump(), actor=caller.actor)
    return CustomerRead.model_validate(customer)


@router.get("/maintenance-windows", response_model=list[MaintenanceWindowRead])
def list_maintenance_windows(
    _: Reader, scope: Scope, db: DbSession, customer_id: CustomerId
) -> list[MaintenanceWindowRead]:
    rows = maintenance_windows.list_windows(db, scope=scope, customer_id=customer_id)
    return [MaintenanceWindowRead.model_validate(w) for w in rows]


@router.post("/maintenance-windows", response_model=MaintenanceWindowRead, status_code=201)
@declares(422)
def create_maintenance_window(
    body: MaintenanceWindowIn, caller: Operator, scope: Scope, db: DbSession
) -> MaintenanceWindowRead:
    window = maintenance_windows.create_window(db, data=body, scope=scope, actor=caller.actor, now=utcnow())
    return MaintenanceWindowRead.model_validate(window)


@router.delete("/maintenance-windows/{window_id:int}", status_code=204)
def delete_maintenance_window(caller: Operator, window: ScopedWindow, db: DbSession) -> None:
    maintenance_windows.delete_window(db, window=window, actor=caller.actor)
