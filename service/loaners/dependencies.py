"""Who may do what in the loaners domain, lookups that turn another 管轄's ids into a 404, and what the features'
lists share: their filters by 管轄 and location, the views' device filter, and the page."""

from typing import Annotated

from fastapi import Depends, Query

from service.errors import NotFound
from service.identity.dependencies import Caller, CurrentCaller, require
from service.loaners.device_filter import ViewFilter
from service.loaners.kinds import DeviceKind
from service.loaners.labels import DOMAIN
from service.loaners.models import Device, Location
from service.openapi import declares
from service.schemas import QueryText, SingleLine
from service.tenancy import TenantScope, register_tenant_name, scoped_filter, scoped_lookup

Text50 = Annotated[str | None, Query(max_length=50), SingleLine]
JURISDICTION_NOT_FOUND = "管轄が見つかりません"

# staff (拠点担当者, optionally limited to one 管轄): views, devices, status forms, QR labels.
# admin (管理者): all of that everywhere, plus masters, forms, imports and rotation.
Staff = Annotated[Caller, Depends(require(DOMAIN, "staff", "admin"))]
Admin = Annotated[Caller, Depends(require(DOMAIN, "admin"))]


def loaners_scope(caller: CurrentCaller) -> TenantScope:
    return caller.scope(DOMAIN)


Scope = Annotated[TenantScope, Depends(loaners_scope)]
register_tenant_name(DOMAIN, Location.jurisdiction, None)  # a staff grant's scope is the 管轄's name


valid_device = scoped_lookup(Device, Device.jurisdiction, Scope, path_param="device_id")
valid_location = scoped_lookup(Location, Location.jurisdiction, Scope, path_param="location_id", id_type=str)


ScopedDevice = Annotated[Device, Depends(valid_device)]
ScopedLocation = Annotated[Location, Depends(valid_location)]


# A list's filter naming another 管轄 or its location is a 404, as the location's own routes answer.
@declares(404)
def jurisdiction_filter(scope: Scope, jurisdiction: Text50 = None) -> str | None:
    if jurisdiction and not scope.allows(jurisdiction):
        raise NotFound(JURISDICTION_NOT_FOUND, details={"resource": "jurisdiction", "id": jurisdiction})
    return jurisdiction


Jurisdiction = Annotated[str | None, Depends(jurisdiction_filter)]
LocationId = Annotated[
    str | None,
    Depends(scoped_filter(Location, Location.jurisdiction, Scope, query_param="location_id", annotation=Text50)),
]


# A list of devices filtered as the views filter them (the register, NORMAL and its CSV).
def view_filter(
    jurisdiction: Jurisdiction,
    location_id: LocationId,
    kind: DeviceKind | None = None,
    status: QueryText = None,
    held_status: QueryText = None,
    q: QueryText = None,
) -> ViewFilter:
    return ViewFilter(jurisdiction, location_id, kind, status, held_status, q)


Filters = Annotated[ViewFilter, Depends(view_filter)]
