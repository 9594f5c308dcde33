"""SUMMARY's named figures (service/figures.py), each defined once by the list filter that shows its rows:
預かり機の合計 (§3.1.1 counts only a held status with a value; 未分類 is shown apart) and 返却可能の日数 by age."""

from datetime import datetime

from sqlalchemy.orm import Session

from service.figures import Figure, FigureRead, serve
from service.loaners import labels
from service.loaners.returns import returns
from service.loaners.returns.returns import ReturnFilter
from service.loaners.views import views
from service.loaners.views.views import HeldFilter
from service.tenancy import TenantScope

HELD = Figure(
    "loaners.held",
    "預かり機の合計",
    "「0-4.ステータス」が1.貸出中・「1-4.ユーザー機の預り有無」が有りで預かり機のステータスに値がある機器の台数"
    "（SUMMARY の4カテゴリの合計、CSVの行数。未分類は含めない）",
    "now",
    "loaners",
    "/loaners/views/summary/devices",
    export="/loaners/views/summary/export",
    counter="台",
)
RETURNS_ROUTE = "/loaners/views/returns"
RETURNABLE_COUNTS = "預かり機のステータスが「1.返却可能」になってから{days}の機器の台数（返却待ちの一覧・CSVの行数）"
# (figure, the whole days since 返却可能 it counts: min_days, max_days)
RETURNABLE_AGES: tuple[tuple[Figure, int | None, int | None], ...] = (
    (
        Figure(
            "loaners.returnable_week",
            "返却可能 〜7日",
            RETURNABLE_COUNTS.format(days="7日以内"),
            "now",
            "loaners",
            RETURNS_ROUTE,
            counter="台",
        ),
        None,
        7,
    ),
    (
        Figure(
            "loaners.returnable_month",
            "返却可能 〜30日",
            RETURNABLE_COUNTS.format(days="8〜30日"),
            "now",
            "loaners",
            RETURNS_ROUTE,
            counter="台",
        ),
        8,
        30,
    ),
    (
        Figure(
            "loaners.returnable_overdue",
            "返却可能 30日超",
            RETURNABLE_COUNTS.format(days="31日以上"),
            "now",
            "loaners",
            RETURNS_ROUTE,
            counter="台",
        ),
        31,
        None,
    ),
)


def summary_figures(db: Session, *, scope: TenantScope, jurisdiction: str | None, now: datetime) -> list[FigureRead]:
    held = HeldFilter(jurisdiction=jurisdiction, classified=True)
    served = [serve(HELD, views.count_held(db, scope=scope, flt=held), now=now, flt=held)]
    for figure, min_days, max_days in RETURNABLE_AGES:
        flt = ReturnFilter(
            jurisdiction=jurisdiction, held_status=labels.RETURNABLE, min_days=min_days, max_days=max_days
        )
        served.append(serve(figure, returns.count_returns(db, scope=scope, flt=flt, now=now), now=now, flt=flt))
    return served
