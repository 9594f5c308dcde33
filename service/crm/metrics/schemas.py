"""代理店別数値 (§3.6) and 管理者ダッシュボード bodies."""

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from service.figures import FigureRead


class ReasonCount(BaseModel):
    """A 不備 reason (its words as written) and how many deficiencies gave it."""

    reason: str
    count: int


class AgencyMetrics(BaseModel):
    agency_id: int
    agency_name: str
    requests: int
    deficient: int
    in_progress: int
    submitted: int
    partly_cancelled: int = Field(description="requests closed 一部キャンセル: their sites 投入済 but those cancelled")
    cancelled: int
    acquired_sites: int
    deficiency_rate: float = Field(description="requests now 不備 / all requests (§3.6)")
    ever_deficient: int = Field(description="requests that were sent back at least once")
    ever_deficient_rate: float
    first_time_right: int = Field(default=0, description="投入済 requests that were never 不備")
    first_time_right_rate: float = Field(default=0.0, description="first_time_right / submitted (初回完了率)")
    median_days_to_submitted: float | None = Field(
        default=None,
        description="the median (of an even count the mean of the middle two) of the 投入済 requests' days to 投入済",
    )
    top_reasons: list[ReasonCount] = Field(default_factory=list, description="the most frequent 不備 reasons")


class MetricsRead(BaseModel):
    since: date | None
    until: date | None
    agencies: list[AgencyMetrics]
    total: AgencyMetrics


class MetricsPageRead(MetricsRead):
    """代理店別数値 in one answer: the table (per agency and the total), its cards and the period's most frequent 不備
    reasons."""

    figures: list[FigureRead] = Field(description="the page's cards (service/crm/metrics/figures.py)")
    reasons: list[ReasonCount] = Field(description="the most frequent 不備 reasons over the period, the first first")


class SeriesPoint(BaseModel):
    period: str
    requests: int
    deficient: int
    in_progress: int
    submitted: int
    partly_cancelled: int
    cancelled: int
    acquired_sites: int


class SeriesRead(BaseModel):
    granularity: Literal["month", "day"]
    agency_id: int | None
    points: list[SeriesPoint]


class CrmDashboardRead(BaseModel):
    """管理者ダッシュボード: the named figures (metrics/figures.py) and this month's busiest agencies."""

    by_status: list[FigureRead]  # 投入依頼（全期間・ステータス別）
    figures: list[FigureRead]  # 今日・今月, 未読, 代理店, 営業担当者
    top_agencies: list[AgencyMetrics]
