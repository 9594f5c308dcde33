"""The heatmap's body (the named figures are service.figures.FigureRead)."""

from pydantic import Field

from service.entry_logs.schemas import CamelModel


class HeatmapCell(CamelModel):
    weekday: int = Field(description="0 = Monday ... 6 = Sunday, in the service's time zone")
    hour: int
    count: int


class Heatmap(CamelModel):
    nursery_id: int
    timezone: str
    total: int
    cells: list[HeatmapCell]
