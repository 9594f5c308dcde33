"""A lane's batch (`service.lanes.Batch`): its statements answer in order and stand or fall as one transaction, on
PostgreSQL in one pipelined round trip, on SQLite in the lane's transaction."""

import asyncio

import pytest
from sqlalchemy import text

from service.database import get_engine
from service.lanes import Batch, LaneDatabase, Query

INSERT = text("insert into lane_probe (id) values (:id)")
COUNT = text("select count(*) from lane_probe")


@pytest.fixture
def probe_table(db):
    with get_engine().begin() as connection:
        connection.execute(text("create table lane_probe (id integer primary key)"))
    yield
    with get_engine().begin() as connection:
        connection.execute(text("drop table lane_probe"))


def insert_then_count(first: int, second: int):
    answers = yield Batch((Query(INSERT, {"id": first}, fetch="none"), Query(INSERT, {"id": second}, fetch="none")))
    count = yield Query(COUNT, {}, fetch="scalar")
    return answers, count


async def run_then_close(lane: LaneDatabase, *args) -> object:
    """The work on a lane, whose connections (made on this test's event loop) and thread are closed after it."""
    try:
        return await lane.run(insert_then_count, *args)
    finally:
        for pool in lane.pools.values():
            for idle in pool.idle:
                await idle.connection.close()
        if lane.executor is not None:
            lane.executor.shutdown()


def stored_ids() -> list[int]:
    with get_engine().connect() as connection:
        return list(connection.scalars(text("select id from lane_probe order by id")))


def test_a_batch_answers_each_statement_in_order(probe_table):
    answers, count = asyncio.run(run_then_close(LaneDatabase("probe"), 1, 2))
    assert answers == (None, None) and count == 2
    assert stored_ids() == [1, 2]


def test_a_batch_whose_second_statement_fails_leaves_nothing_of_the_first(probe_table):
    with pytest.raises(Exception, match="(?i)unique|duplicate"):
        asyncio.run(run_then_close(LaneDatabase("probe"), 3, 3))
    assert stored_ids() == []
