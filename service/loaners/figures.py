"""SUMMARY's named figure (service/figures.py): 預かり機の合計, defined once by the held devices' list filter
(管轄); its value is that list's total, which is also the rows of SUMMARY's CSV and the sum of its cards."""

from datetime import datetime

from sqlalchemy.orm import Session

from service.figures import Figure, FigureRead, serve
from service.loaners import views
from service.loaners.views import HeldFilter
from service.tenancy import TenantScope

HELD = Figure(
    "loaners.held",
    "預かり機の合計",
    "「0-4.ステータス」が1.貸出中・「1-4.ユーザー機の預り有無」が有りの機器の台数（SUMMARY の全カードの合計、"
    "CSVの行数）",
    "now",
    "loaners",
    "/loaners/views/summary/devices",
    export="/loaners/views/summary/export",
    counter="台",
)


def summary_figures(db: Session, *, scope: TenantScope, jurisdiction: str | None, now: datetime) -> list[FigureRead]:
    flt = HeldFilter(jurisdiction=jurisdiction)
    return [serve(HELD, views.count_held(db, scope=scope, flt=flt), now=now, flt=flt)]
