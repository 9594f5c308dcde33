"""A lane's batch (`service.lanes.Batch`): its statements answer in order and stand or fall as one transaction, on
PostgreSQL in one pipelined round trip, on SQLite in the lane's transaction; work run together stands or falls whole;
a group commit writes concurrent requests together and fails only the requests of a failed batch."""

import asyncio

import pytest
from sqlalchemy import text

from service.database import get_engine
from service.lanes import Batch, GroupCommit, LaneDatabase, Query

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


def insert_one_by_one(first: int, second: int):
    yield Query(INSERT, {"id": first}, fetch="none")
    yield Query(INSERT, {"id": second}, fetch="none")


async def run_then_close(lane: LaneDatabase, *args, work=insert_then_count, together=False) -> object:
    """The work on a lane, whose connections (made on this test's event loop) and thread are closed after it."""
    try:
        return await (lane.run_together if together else lane.run)(work, *args)
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


def test_work_run_together_whose_last_statement_fails_leaves_nothing_of_the_first(probe_table):
    with pytest.raises(Exception, match="(?i)unique|duplicate"):
        asyncio.run(run_then_close(LaneDatabase("probe"), 4, 4, work=insert_one_by_one, together=True))
    assert stored_ids() == []
    assert asyncio.run(run_then_close(LaneDatabase("probe"), 5, 6, work=insert_one_by_one, together=True)) is None
    assert stored_ids() == [5, 6]


async def submitted_together(write, items: range, max_batch: int) -> list:
    """Each item submitted by its own request, all at once, to a group commit of `write`; each one's result."""
    commit = GroupCommit(write, max_batch)
    return await asyncio.gather(*(commit.submit(item) for item in items), return_exceptions=True)


def test_a_group_commit_writes_what_arrived_meanwhile_in_the_next_batch():
    batches = []

    async def write(items):
        batches.append(items)
        return [item * 10 for item in items]

    assert asyncio.run(submitted_together(write, range(5), max_batch=3)) == [0, 10, 20, 30, 40]
    assert batches == [[0, 1, 2], [3, 4]]


def test_a_failed_batch_fails_each_of_its_requests_and_no_other():
    async def write(items):
        if 2 in items:
            raise ValueError("refused")
        return [LookupError(item) if item == 4 else item for item in items]

    results = asyncio.run(submitted_together(write, range(6), max_batch=3))
    assert [type(result).__name__ for result in results[:3]] == ["ValueError"] * 3
    assert results[3] == 3 and isinstance(results[4], LookupError) and results[5] == 5
