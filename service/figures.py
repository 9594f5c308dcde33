"""Named figures: every number a dashboard card, a list filter, a CSV and a report show, defined once.

A `Figure` says what a number counts (its label and its explanation, in Japanese), over which period (now, a month,
the last months, the days from one date to another), in which tenant's scope (the domain whose grant scope bounds it),
and which list shows its rows: the list route and its filter (a domain's filter dataclass; the query the list is
opened with is read from it). The domain computes the value by counting (or summing) that same filter's query, its
list and CSV select the same rows, and its report prints the same figure, so a card, the list it opens, the CSV and
the report cannot disagree.

A figure says the word its count is read with (`counter`: 件, 台, 人, 地点, 社), so its card and its report write
「1,234台」 alike; a sum of money (unit "yen") is read in 円 (万円 on cards).

`serve` turns a figure and its value into what the API answers (`FigureRead`): the period in words
(「2026年11月（25日まで）」, 「過去12か月」, 「現在」, 「2026/11/25（今日）」), whether it is partial, the moment the
figures are as of, when a job computed them, and the list's route (its path parameters filled in) and query.
`money_man_yen` is the one way the service writes a sum in 万円.
"""

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from service.config import get_settings
from service.fields import YES_NO

Period = Literal["now", "month", "months", "days"]
Unit = Literal["count", "yen", "percent", "days", "minutes", "rating"]
NOW_LABEL = "現在"
MONTHS_LABEL = "過去{months}か月"
MONTH_LABEL = "{month.year}年{month.month}月"
PARTIAL_LABEL = "（{day}日まで）"
DAY_FORMAT = "%Y/%m/%d"
DAYS_LABEL = "{since}〜{until}"
ALL_DAYS_LABEL = "全期間"
TODAY_LABEL = "（今日まで）"
ONE_TODAY_LABEL = "（今日）"
COUNTER = "件"  # the counter word of a figure that says none
AS_OF_FORMAT = "%Y/%m/%d %H:%M 時点"
MAN = 10_000
SHARE_YES = YES_NO[0]  # a row counted in a share (Figure.share_of)


@dataclass(frozen=True)
class Figure:
    """One number's definition. `route` and `filter` name the list that shows its rows (the API path under /api and
    the filter its query is read from; None: the figure has no list; `{name}` parts are filled in by `serve`'s
    `path`); `exported`: the list has a CSV download (`export`, else the route's `/export`); `sum_of` is the CSV column
    summed for a sum of money, `share_of` the CSV column whose share of rows reading `SHARE_YES` a ratio is (unit
    "percent"), `median_of` the CSV column whose lower median a figure is (unit "days" or "minutes"), `mean_of` the
    CSV column whose mean, to two decimals, a figure is (unit "rating": a 1–5 score) — for these four the list holds
    the rows the figure is taken over (its `basis`); none of them: the figure is the list's total. `tenant` is
    the domain whose grant scope bounds it; `counter` the word a count is read with (「台」 of 「1,234台」)."""

    key: str
    label: str
    counts: str
    period: Period
    tenant: str | None = None
    route: str | None = None
    unit: Unit = "count"
    sum_of: str | None = None
    export: str | None = None
    grouped_by: str | None = None
    share_of: str | None = None
    median_of: str | None = None
    mean_of: str | None = None
    counter: str = COUNTER
    exported: bool = True


class FigureRead(BaseModel):
    key: str
    label: str
    counts: str
    value: int | float
    unit: Unit
    counter: str
    period_label: str
    partial: bool
    as_of: datetime
    as_of_label: str
    computed_at: datetime | None = None
    list_route: str | None = None
    list_query: dict[str, str] = {}
    export_route: str | None = None
    grouped_by: str | None = None
    sum_of: str | None = None
    share_of: str | None = None
    median_of: str | None = None
    mean_of: str | None = None
    basis: int | None = None  # a share's, a median's or a mean's rows (its list's total); None for a count or a sum


def query_of(flt: Any) -> dict[str, str]:
    """A filter (a dataclass or a pydantic model) as the list's query: its fields that differ from their defaults,
    written as the list reads them; or a mapping of the list's parameters, those given."""
    if flt is None:
        return {}
    if isinstance(flt, Mapping):
        chosen = dict(flt)
    elif isinstance(flt, BaseModel):
        chosen = flt.model_dump(exclude_defaults=True, exclude_none=True)
    else:
        chosen = {f.name: getattr(flt, f.name) for f in dataclasses.fields(flt) if getattr(flt, f.name) != f.default}
    return {name: _query_value(value) for name, value in chosen.items() if value is not None}


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def local(moment: datetime) -> datetime:
    """A moment in the service's time zone (Japan time)."""
    return moment.astimezone(ZoneInfo(get_settings().timezone))


def day_start(day: date) -> datetime:
    """The first moment of a day in the service's time zone (Japan time)."""
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(get_settings().timezone))


def as_of_label(moment: datetime) -> str:
    """「2026/11/25 14:03 時点」."""
    return local(moment).strftime(AS_OF_FORMAT)


def month_label(month: date, now: datetime) -> tuple[str, bool]:
    """「2026年11月」, or 「2026年11月（25日まで）」 and partial while the month is still running at `now`."""
    today = local(now).date()
    words = MONTH_LABEL.format(month=month)
    if (month.year, month.month) == (today.year, today.month):
        return words + PARTIAL_LABEL.format(day=today.day), True
    return words, False


def days_label(since: date | None, until: date | None, now: datetime) -> tuple[str, bool]:
    """「2026/11/01〜2026/11/20」; a period running to today (or open-ended) is partial and says so:
    「2026/11/01〜2026/11/25（今日まで）」, 「全期間（今日まで）」; one day is 「2026/11/20」, today
    「2026/11/25（今日）」."""
    today = local(now).date()
    partial = until is None or until >= today
    ending = TODAY_LABEL if partial else ""
    if since is None and until is None:
        return ALL_DAYS_LABEL + ending, True
    if since is not None and since == until:
        return since.strftime(DAY_FORMAT) + (ONE_TODAY_LABEL if since == today else ""), partial
    first = since.strftime(DAY_FORMAT) if since else ""
    last = today if partial or until is None else until
    return DAYS_LABEL.format(since=first, until=last.strftime(DAY_FORMAT)) + ending, partial


def period_label(
    period: Period,
    *,
    now: datetime,
    month: date | None = None,
    months: int | None = None,
    days: tuple[date | None, date | None] = (None, None),
):
    """The period in words and whether it is partial: 「現在」, a month, 「過去12か月」 (partial: the current month
    is in it), or the days from since to until."""
    if period == "month":
        assert month is not None
        return month_label(month, now)
    if period == "months":
        return MONTHS_LABEL.format(months=months), True
    if period == "days":
        return days_label(*days, now)
    return NOW_LABEL, False


def serve(
    figure: Figure,
    value: int | float,
    *,
    now: datetime,
    flt: Any = None,
    month: date | None = None,
    months: int | None = None,
    days: tuple[date | None, date | None] = (None, None),
    query: dict[str, str] | None = None,
    computed_at: datetime | None = None,
    path: Mapping[str, Any] | None = None,
    basis: int | None = None,
) -> FigureRead:
    """The figure as the API answers it: its value, period in words, the moment it is as of and its list's route
    (its `{name}` parts from `path`) and query (read from `flt`, or `query` where the list's parameters are not its
    filter's fields)."""
    words, partial = period_label(figure.period, now=now, month=month, months=months, days=days)
    route = figure.route and figure.route.format(**(path or {}))
    return FigureRead(
        key=figure.key,
        label=figure.label,
        counts=figure.counts,
        value=value,
        unit=figure.unit,
        counter=figure.counter,
        period_label=words,
        partial=partial,
        as_of=now,
        as_of_label=as_of_label(now),
        computed_at=computed_at,
        list_route=route,
        list_query=(query_of(flt) if query is None else query) if route else {},
        export_route=(figure.export or (route and route + "/export")) if figure.exported else None,
        grouped_by=figure.grouped_by,
        sum_of=figure.sum_of,
        share_of=figure.share_of,
        median_of=figure.median_of,
        mean_of=figure.mean_of,
        basis=basis,
    )


def money_man_yen(amount: float) -> str:
    """A sum in 万円 to one decimal, e.g. 899,000 -> 89.9万円 (the dashboards' formats.man_yen, for documents)."""
    return f"{amount / MAN:,.1f}万円"
