"""GET /api/entry-logs/figures: 入退管理's named figures (figures/service.py) for one nursery, for the pages' cards:
入 and 出 over the days from `from` to `to` (both today unless given), 園内にいる保護者 now, and the children of `date`
(today unless given; of `className` when given) by 出席状態. The heatmap: scans per weekday and hour."""

from typing import Annotated

from fastapi import APIRouter, Query

from service.database import utcnow
from service.deps import DbSession
from service.entry_logs import insights
from service.entry_logs.dependencies import Filters, PathNursery, QueryNursery, StaffScope
from service.entry_logs.figures import service as figures
from service.entry_logs.figures.schemas import Heatmap, HeatmapCell
from service.entry_logs.labels import RANGE_REVERSED
from service.entry_logs.lookups import local_today, local_zone
from service.errors import ValidationFailed
from service.figures import FigureRead
from service.schemas import IsoDate, SingleLine

router = APIRouter(tags=["entry_logs"])


@router.get("/entry-logs/figures", response_model=list[FigureRead])
def nursery_figures(
    nursery: QueryNursery,
    scope: StaffScope,
    db: DbSession,
    since: Annotated[IsoDate | None, Query(alias="from", description="the first day of 入 and 出")] = None,
    until: Annotated[IsoDate | None, Query(alias="to", description="the last day of 入 and 出")] = None,
    day: Annotated[IsoDate | None, Query(alias="date", description="the day of the 出席状態 figures")] = None,
    class_name: Annotated[str | None, Query(alias="className", max_length=50), SingleLine] = None,
) -> list[FigureRead]:
    """The nursery's figures, each the total of the list that shows its rows (its route and query in the answer)."""
    now = utcnow()
    today = local_today(now)
    since, until = since or today, until or today
    if since > until:
        raise ValidationFailed(RANGE_REVERSED, details={"field": "from", "rule": "from_before_to"})
    return figures.nursery_figures(
        db,
        nursery=nursery,
        scope=scope,
        since=since,
        until=until,
        day=day or today,
        class_name=class_name or None,
        now=now,
    )


@router.get("/entry-logs/nurseries/{nursery_id}/heatmap", response_model=Heatmap)
def heatmap(nursery: PathNursery, flt: Filters, scope: StaffScope, db: DbSession) -> Heatmap:
    """Scans per weekday and hour (local time) within the filters."""
    cells = insights.heatmap(db, nursery=nursery, flt=flt, scope=scope, now=utcnow())
    return Heatmap(
        nursery_id=nursery.id,
        timezone=local_zone().key,
        total=sum(c for _, _, c in cells),
        cells=[HeatmapCell(weekday=w, hour=h, count=c) for w, h, c in cells],
    )
