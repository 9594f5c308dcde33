"""延長保育's named figures (service/figures.py): the month's minutes and units of extended care, each the sum of its
column in the month's CSV for accounting (one row per child), and the children with extended care, that list's
total. The page's cards, its list, its CSV and its per-day view read the same computation (extended_care/service.py)."""

from datetime import datetime

from sqlalchemy.orm import Session

from service.entry_logs import labels
from service.entry_logs.extended_care import service as extended_care
from service.entry_logs.extended_care.service import CareFilter
from service.figures import Figure, FigureRead, serve

ROUTE = "/entry-logs/extended-care"
CHILDREN = Figure(
    "entry_logs.extended_care_children",
    "延長保育の園児数",
    "開園前の入園または閉園後の退出があった園児の数（一覧の件数、CSVの行数）",
    "month",
    "entry_logs",
    ROUTE,
    counter="人",
)
MINUTES = Figure(
    "entry_logs.extended_care_minutes",
    "延長保育時間（分）",
    "園児ごと・日ごとの、開園前の入園と閉園後の退出の分数の合計（CSV「延長保育時間（分）」の合計）",
    "month",
    "entry_logs",
    ROUTE,
    sum_of=labels.CARE_MINUTES_COLUMN,
    counter="分",
)
UNITS = Figure(
    "entry_logs.extended_care_units",
    "延長保育単位数",
    "日ごとの延長保育の分数を園の単位（例: 30分）に切り上げた単位数の合計（CSV「延長保育単位数」の合計）",
    "month",
    "entry_logs",
    ROUTE,
    sum_of=labels.CARE_UNITS_COLUMN,
    counter="単位",
)


def list_query(flt: CareFilter) -> dict[str, str]:
    """The list's query for the filter: its nursery and month."""
    return {"nurseryId": str(flt.nursery_id), "month": flt.month.strftime("%Y-%m")}


def care_figures(db: Session, flt: CareFilter, *, now: datetime) -> list[FigureRead]:
    month = extended_care.care_month(db, flt, offset=0, limit=0)
    query = list_query(flt)
    return [
        serve(figure, value, now=now, month=flt.month, query=query)
        for figure, value in ((CHILDREN, month.total), (MINUTES, month.minutes), (UNITS, month.units))
    ]
