"""獲得案件一覧 (§3.3) bodies: 投入済 sites by corporation."""

from datetime import datetime

from pydantic import BaseModel


class AcquiredSite(BaseModel):
    id: int
    request_id: int
    power_branch_name: str
    service_type: str
    service_type_label: str
    power_plan_name: str
    power_customer_location_number: str
    submitted_at: datetime | None


class AcquiredCorporation(BaseModel):
    corporation_id: int
    corporation_name: str
    agency_id: int
    agency_name: str
    site_count: int
    last_submitted_at: datetime | None
    sites: list[AcquiredSite]
