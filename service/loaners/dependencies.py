"""Who may do what in the loaners domain, and lookups that turn another 管轄's ids into a 404."""

from typing import Annotated

from fastapi import Depends

from service.deps import DbSession
from service.identity.dependencies import Caller, CurrentCaller, require
from service.loaners.labels import DOMAIN
from service.loaners.models import Device, Location
from service.tenancy import TenantScope, get_scoped

# staff (拠点担当者, optionally limited to one 管轄): views, devices, status forms, QR labels.
# admin (管理者): all of that everywhere, plus masters, forms, imports and rotation.
Staff = Annotated[Caller, Depends(require(DOMAIN, "staff", "admin"))]
Admin = Annotated[Caller, Depends(require(DOMAIN, "admin"))]


def loaners_scope(caller: CurrentCaller) -> TenantScope:
    return caller.scope(DOMAIN)


Scope = Annotated[TenantScope, Depends(loaners_scope)]


def valid_device(device_id: int, scope: Scope, db: DbSession) -> Device:
    return get_scoped(db, Device, device_id, scope, Device.jurisdiction)


def valid_location(location_id: str, scope: Scope, db: DbSession) -> Location:
    return get_scoped(db, Location, location_id, scope, Location.jurisdiction)


ScopedDevice = Annotated[Device, Depends(valid_device)]
ScopedLocation = Annotated[Location, Depends(valid_location)]
