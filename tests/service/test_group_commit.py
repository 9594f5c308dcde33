"""A group commit (service/group_commit.py) writes concurrent requests together and fails only the requests of a
failed batch."""

import asyncio

from service.group_commit import GroupCommit


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
