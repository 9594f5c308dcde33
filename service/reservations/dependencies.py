"""Who may do what in the reservations domain (no tenant scope here), path lookups that 404 cleanly, and the page
every list shares.

Operators act on manual operations and reservations and keep the catalogue; support reads everything operational,
answers requesters (notes, new operations) and records incidents; executives read KPIs, incidents and reports.
"""

from typing import Annotated

from fastapi import Depends, Path
from starlette.convertors import Convertor, register_url_convertor

from service.access import require_network
from service.deps import DbSession
from service.identity.dependencies import Caller, require
from service.reservations import lookups
from service.reservations.models import (
    CODE_PATTERN,
    Incident,
    ManualOperation,
    McpClient,
    OnCallOverride,
    PageStep,
    Reservation,
    ServiceType,
    Shop,
    SupportInquiry,
)

DOMAIN = "reservations"
Operator = Annotated[Caller, Depends(require(DOMAIN, "operator"))]
Worker = Annotated[Caller, Depends(require(DOMAIN, "operator", "support"))]
Reader = Annotated[Caller, Depends(require(DOMAIN, "operator", "support", "executive"))]
ReportReader = Annotated[Caller, Depends(require(DOMAIN, "operator", "executive"))]


class ReservationCode(Convertor[str]):
    """A path segment that is a reservation id (QRV-XXXXXX), so `/reservations/{code:reservation_code}` leaves
    `/reservations/export` to its own route."""

    regex = CODE_PATTERN.strip("^$")

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("reservation_code", ReservationCode())
# §4.2.1 「社内IPのみ」: the console's and manual operations' routes answer only APP_RESERVATIONS_CONSOLE_IPS
CONSOLE_ONLY = [Depends(require_network("reservations_console_ips"))]


def valid_reservation(db: DbSession, code: Annotated[str, Path(pattern=CODE_PATTERN)]) -> Reservation:
    return lookups.get_by_code(db, code)


def valid_shop(db: DbSession, shop_id: int) -> Shop:
    return lookups.get_shop(db, shop_id)


def valid_service(db: DbSession, service_id: int) -> ServiceType:
    return lookups.get_service(db, service_id)


def valid_operation(db: DbSession, operation_id: int) -> ManualOperation:
    return lookups.get_operation(db, operation_id)


def valid_incident(db: DbSession, incident_id: int) -> Incident:
    return lookups.get_incident(db, incident_id)


def valid_client(db: DbSession, client_id: int) -> McpClient:
    return lookups.get_client(db, client_id)


def valid_inquiry(db: DbSession, inquiry_id: int) -> SupportInquiry:
    return lookups.get_inquiry(db, inquiry_id)


def valid_override(db: DbSession, override_id: int) -> OnCallOverride:
    return lookups.get_override(db, override_id)


def valid_page_step(db: DbSession, page_id: int, step: int) -> PageStep:
    return lookups.paged_step(db, page_id, step)


PathReservation = Annotated[Reservation, Depends(valid_reservation)]
PathShop = Annotated[Shop, Depends(valid_shop)]
PathService = Annotated[ServiceType, Depends(valid_service)]
PathOperation = Annotated[ManualOperation, Depends(valid_operation)]
PathIncident = Annotated[Incident, Depends(valid_incident)]
PathClient = Annotated[McpClient, Depends(valid_client)]
PathInquiry = Annotated[SupportInquiry, Depends(valid_inquiry)]
PathOverride = Annotated[OnCallOverride, Depends(valid_override)]
PathPageStep = Annotated[PageStep, Depends(valid_page_step)]
