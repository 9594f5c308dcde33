"""Named figures: every number a dashboard card, a list filter, a CSV and a report show, defined once.

The domain computes a figure by counting (or summing) its list's own filter query, so a card, the list it opens, the CSV
and the report cannot disagree. A count is read with its `counter` (件, 台, 人, 地点, 社), so a card and a report write
「1,234台」 alike; a sum of money is read in 円 (万円 on cards, `money_man_yen`)."""

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
COUNTER = "件"
AS_OF_FORMAT = "%Y/%m/%d %H:%M 時点"
MAN = 10_000
MEDIAN_WORDS = "（件数が偶数のときは中央の2件の平均: 表計算のMEDIANと同じ）"
SHARE_YES = YES_NO[0]  # a row counted in a share (Figure.share_of)


@dataclass(frozen=True)
class Figure:
    """`route` and `filter` name the list showing its rows (None: no list; `{name}` parts are filled from `serve`'s
    `path`). `sum_of`, `share_of` (rows reading `SHARE_YES`), `median_of` (the spreadsheet's MEDIAN: `median`) and
    `mean_of` (to two decimals) name the CSV column the figure is taken over, and the list holds its `basis` rows;
    without them the figure is the list's total."""

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
    """Its fields that differ from their defaults, as the list reads them; a mapping gives the list's parameters as they
    are."""
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
    """Japan time."""
    return moment.astimezone(ZoneInfo(get_settings().timezone))


def day_start(day: date) -> datetime:
    """Japan time."""
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(get_settings().timezone))


def as_of_label(moment: datetime) -> str:
    """「2026/11/25 14:03 時点」."""
    return local(moment).strftime(AS_OF_FORMAT)


def month_label(month: date, now: datetime) -> tuple[str, bool]:
    """「2026年11月」, or 「2026年11月（25日まで）」 and partial while the month runs at `now`."""
    today = local(now).date()
    words = MONTH_LABEL.format(month=month)
    if (month.year, month.month) == (today.year, today.month):
        return words + PARTIAL_LABEL.format(day=today.day), True
    return words, False


def days_label(since: date | None, until: date | None, now: datetime) -> tuple[str, bool]:
    """「2026/11/01〜2026/11/20」; one running to today (or open-ended) is partial:
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
    """「現在」, a month, 「過去12か月」 (partial: the current month is in it), or the days from since to until."""
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
    """`query` stands in where the list's parameters are not its filter's fields."""
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


def median(lower: float, upper: float) -> float:
    """The spreadsheet's MEDIAN of a figure's column from its two middle values (dialect.middle_spans, each as its
    list row reads it): their mean, to two decimals (of an odd count, the middle one)."""
    return round((lower + upper) / 2, 2)


def money_man_yen(amount: float) -> str:
    """899,000 -> 89.9万円 (the dashboards' formats.man_yen, for documents)."""
    return f"{amount / MAN:,.1f}万円"
