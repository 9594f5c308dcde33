"""獲得案件一覧 (§3.3): 投入済 sites grouped by corporation, searchable by 法人名・店舗名, over a period, and as CSV."""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from operator import attrgetter
from typing import Any

from sqlalchemy import Row, Select, func, or_, select
from sqlalchemy.orm import Session

from service.crm import labels, masters, periods
from service.crm.acquired.schemas import AcquiredCorporation, AcquiredSite
from service.crm.models import SUBMITTED, Agency, Corporation, Site
from service.crm.visibility import CaseView
from service.exports import ListExport
from service.search import contains
from service.sheets import CODE, GENERAL, Column

SERVICE_TYPE_LABELS = dict(masters.CHOICES["service_type"])


@dataclass(frozen=True)
class AcquiredFilter:
    q: str | None = None
    agency_id: int | None = None
    since: date | None = None
    until: date | None = None


def _sites(stmt: Select, view: CaseView, flt: AcquiredFilter) -> Select:
    stmt = view.sites(stmt.where(Site.status == SUBMITTED))
    if flt.agency_id is not None:
        stmt = stmt.where(Site.agency_id == flt.agency_id)
    start, end = periods.bounds(flt.since, flt.until)
    if start is not None:
        stmt = stmt.where(Site.submitted_at >= start)
    if end is not None:
        stmt = stmt.where(Site.submitted_at < end)
    if flt.q and flt.q.strip():
        names = select(Corporation.id).where(contains(flt.q, Corporation.display_name))
        stmt = stmt.where(or_(contains(flt.q, Site.power_branch_name), Site.corporation_id.in_(names)))
    return stmt


def _site(site: Site) -> AcquiredSite:
    return AcquiredSite(
        id=site.id,
        request_id=site.request_id,
        power_branch_name=site.power_branch_name,
        service_type=site.service_type,
        service_type_label=SERVICE_TYPE_LABELS.get(site.service_type, site.service_type),
        power_plan_name=site.power_plan_name,
        power_customer_location_number=site.power_customer_location_number,
        submitted_at=site.submitted_at,
    )


def count_sites(db: Session, *, view: CaseView, flt: AcquiredFilter) -> int:
    """The 投入済 sites the list's filters select (its CSV's rows; the list itself counts their corporations)."""
    return db.scalar(_sites(select(func.count()).select_from(Site), view, flt)) or 0


def list_acquired(
    db: Session, *, view: CaseView, flt: AcquiredFilter, offset: int, limit: int
) -> tuple[list[AcquiredCorporation], int]:
    """A page of corporations (latest 投入 first), each with its 投入済 sites."""
    groups = _sites(select(Site.corporation_id, func.count(), func.max(Site.submitted_at)), view, flt).group_by(
        Site.corporation_id
    )
    total = db.scalar(select(func.count()).select_from(groups.subquery())) or 0
    page = (
        db.execute(groups.order_by(func.max(Site.submitted_at).desc(), Site.corporation_id).offset(offset).limit(limit))
        .tuples()
        .all()
    )
    ids = [corporation_id for corporation_id, _, _ in page]
    if not ids:
        return [], total
    info = {
        cid: (name, aid, agency)
        for cid, name, aid, agency in db.execute(
            select(Corporation.id, Corporation.display_name, Corporation.agency_id, Agency.name)
            .join(Agency, Agency.id == Corporation.agency_id)
            .where(Corporation.id.in_(ids))
        ).tuples()
    }
    by_corporation: dict[int, list[AcquiredSite]] = defaultdict(list)
    for site in db.scalars(
        _sites(select(Site), view, flt).where(Site.corporation_id.in_(ids)).order_by(Site.submitted_at.desc(), Site.id)
    ):
        by_corporation[site.corporation_id].append(_site(site))
    return [
        AcquiredCorporation(
            corporation_id=cid,
            corporation_name=info[cid][0],
            agency_id=info[cid][1],
            agency_name=info[cid][2],
            site_count=count,
            last_submitted_at=last,
            sites=by_corporation[cid],
        )
        for cid, count, last in page
    ], total


def _submitted_on(row: Row) -> date | None:
    """The local day the site was 投入済."""
    at = row.Site.submitted_at
    return at.astimezone(periods.local_zone()).date() if at else None


CSV_CELLS: tuple[tuple[Callable[[Any], Any], str], ...] = (  # a record -> its cell, and what the column holds
    (attrgetter("display_name"), GENERAL),
    (attrgetter("corporation_number"), CODE),
    (attrgetter("name"), GENERAL),
    (attrgetter("Site.power_branch_name"), GENERAL),
    (lambda row: SERVICE_TYPE_LABELS.get(row.Site.service_type, row.Site.service_type), GENERAL),
    (attrgetter("Site.power_plan_name"), GENERAL),
    (attrgetter("Site.power_customer_location_number"), CODE),
    (_submitted_on, GENERAL),
    (attrgetter("Site.request_id"), CODE),
    (attrgetter("Site.id"), CODE),
)
CSV_COLUMNS = tuple(
    Column(header, value, kind) for header, (value, kind) in zip(labels.ACQUIRED_CSV_HEADER, CSV_CELLS, strict=True)
)


def acquired_export(*, view: CaseView, flt: AcquiredFilter) -> ListExport:
    """Every matching 投入済 site, one row each, by corporation (its sites in the order they were made)."""
    stmt = (
        _sites(select(Site, Corporation.display_name, Corporation.corporation_number, Agency.name), view, flt)
        .join(Corporation, Corporation.id == Site.corporation_id)
        .join(Agency, Agency.id == Site.agency_id)
    )
    return ListExport(stmt, (Corporation.display_name, Site.corporation_id, Site.id), CSV_COLUMNS)
