"""One page shape for every list endpoint: a route takes `paging: Paging` and answers `page_of(rows, total, paging)`."""

from typing import Annotated, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel

T = TypeVar("T")
MAX_PAGE_SIZE = 100


class PageParams(BaseModel):
    page: int = 1
    page_size: int = 50

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


def page_params(
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
) -> PageParams:
    return PageParams(page=page, page_size=page_size)


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    page: int
    page_size: int


Paging = Annotated[PageParams, Depends(page_params)]


def page_of(items: list, total: int, paging: PageParams) -> Page:
    return Page(items=items, total=total, page=paging.page, page_size=paging.page_size)
