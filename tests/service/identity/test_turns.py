"""Turns taken in order (service/identity/turns.py): holders up to the size, the rest in line, a gone waiter's turn
passed on, and the same again once given back; waiters for a gap in the holders."""

import asyncio

from service.identity.turns import Gaps, Turns


async def turned() -> None:
    """The loop turned a few times: each task runs until it waits or is done."""
    for _ in range(100):
        await asyncio.sleep(0)


def test_the_line_goes_in_order_and_a_waiter_gone_is_skipped_each_time_round():
    async def line() -> list[str]:
        turns, order = Turns(1), []

        async def holder(name: str) -> None:
            await turns.take("office")
            order.append(name)

        for round_ in range(2):  # the second time round finds the line as the first left it
            await turns.take("office")
            first, gone, last = (asyncio.create_task(holder(f"{name}{round_}")) for name in ("first", "gone", "last"))
            await turned()
            gone.cancel()
            await turned()
            turns.give_back("office")  # to first
            await turned()
            turns.give_back("office")  # first's, to last (gone left the line)
            await turned()
            turns.give_back("office")  # last's
            assert (first.done(), last.done(), gone.cancelled()) == (True, True, True)
            assert (turns.held, turns.waiting, turns.handed) == ({}, {}, set())
        return order

    assert asyncio.run(line()) == ["first0", "last0", "first1", "last1"]


def test_a_turn_handed_to_a_waiter_that_has_just_gone_is_passed_on():
    async def handed_then_gone() -> bool:
        turns = Turns(1)
        await turns.take("office")
        gone = asyncio.create_task(turns.take("office"))
        after = asyncio.create_task(turns.take("office"))
        await turned()
        turns.give_back("office")  # handed to `gone`, whose wake-up is only scheduled
        gone.cancel()
        await turned()
        return after.done() and not after.cancelled() and turns.held["office"] == 1

    assert asyncio.run(handed_then_gone())


def test_other_keys_never_wait_for_a_full_one():
    async def apart() -> bool:
        turns = Turns(1)
        await turns.take("flooder")
        await asyncio.wait_for(turns.take("office"), timeout=5)
        return turns.held == {"flooder": 1, "office": 1}

    assert asyncio.run(apart())


def test_waiters_for_a_gap_go_on_when_the_last_holder_lets_go_and_a_waiter_gone_is_forgotten():
    async def gaps() -> list[tuple[bool, bool]]:
        gaps, seen = Gaps(), []
        for _ in range(2):  # the second time round finds no one waiting from the first
            gaps.hold()
            gaps.hold()
            waiter, gone = asyncio.create_task(gaps.gap()), asyncio.create_task(gaps.gap())
            await turned()
            gone.cancel()
            gaps.let_go()
            await turned()
            still_waiting = not waiter.done()
            gaps.let_go()
            await turned()
            seen.append((still_waiting, waiter.done()))
            assert (gaps.holders, gaps.waiting) == (0, [])
        await asyncio.wait_for(gaps.gap(), timeout=5)  # nobody holds: no wait
        return seen

    assert asyncio.run(gaps()) == [(True, True)] * 2
